// End-to-end tests of the web console (src/console/) in a real browser: Debian's chromium driven by
// playwright-core, against a real `iris serve` on loopback with real models and real photos from ../shared.
//
//   node tests/browser/console_test.mjs      (ctest runs it as console_browser; env below)
//   IRIS_BUILD_DIR (build), IRIS_SHARED_DIR (else IRIS_DEFAULT_SHARED_DIR, else ../shared), IRIS_PLAYWRIGHT_DIR (.deps/playwright),
//   IRIS_CHROMIUM (/usr/bin/chromium), IRIS_CONSOLE_ARTIFACTS (screenshots + figures.json; BUILD/console-artifacts)
import {after, before, describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join, resolve, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {startIris} from './server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const buildDir = resolve(process.env.IRIS_BUILD_DIR || join(root, 'build'));
const sharedDir = resolve(process.env.IRIS_SHARED_DIR || process.env.IRIS_DEFAULT_SHARED_DIR || join(root, '..', 'shared'));
const playwrightDir = resolve(process.env.IRIS_PLAYWRIGHT_DIR || join(root, '.deps', 'playwright'));
const chromiumPath = process.env.IRIS_CHROMIUM || '/usr/bin/chromium';
const artifacts = resolve(process.env.IRIS_CONSOLE_ARTIFACTS || join(buildDir, 'console-artifacts'));
for (const [path, fix] of [[join(playwrightDir, 'node_modules', 'playwright-core'), 'run scripts/install_playwright.sh'],
  [chromiumPath, 'apt-get install chromium (scripts/setup.sh does)']]) {
  if (!existsSync(path)) throw new Error(`missing ${path}: ${fix}`);
}
const {chromium} = createRequire(join(playwrightDir, 'package.json'))('playwright-core');

const data = (...p) => join(sharedDir, 'data', ...p);
const garments = ['dress', 'shirt', 'pants', 'skirt']
  .flatMap((label) => readdirSync(data('clothing-cc0', 'images', label)).sort().slice(0, 3)
    .map((f) => ({label, path: data('clothing-cc0', 'images', label, f)})));
const facePhotos = readdirSync(data('faces-dlib-voc', 'images')).sort().slice(0, 3).map((f) => data('faces-dlib-voc', 'images', f));
const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const figures = {};

let iris;
let browser;
let page;
let consoleErrors = [];
let foreignRequests = [];

async function api(method, path, body) {
  const init = {method};
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = {'Content-Type': 'application/json'};
  }
  const response = await fetch(iris.base + path, init);
  const json = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function fileForm(path, fields = {}) {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(path)], {type: 'image/jpeg'}), path.split('/').pop());
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

async function addItem(collection, id, path, metadata) {
  const {sha256} = await api('POST', '/v1/images', fileForm(path));
  await api('PUT', `/v1/collections/${collection}/items/${encodeURIComponent(id)}`,
    fileForm(path, {metadata: JSON.stringify({...metadata, image_sha256: sha256})}));
}

async function screenshot(name) {
  await page.screenshot({path: join(artifacts, `${name}.png`), fullPage: true});
}

async function openView(name) {
  await page.goto(`${iris.base}/#${name}`);
  await page.waitForSelector('body[data-ready="true"]', {state: 'attached'});
  await page.waitForSelector(`#view-${name}:not([hidden])`);
}

function assertNoConsoleErrors() {
  assert.deepEqual(consoleErrors, [], 'the page logged errors');
  assert.deepEqual(foreignRequests, [], 'the page contacted another origin');
}

describe('web console', () => {
  before(async () => {
    mkdirSync(artifacts, {recursive: true});
    iris = await startIris({buildDir, sharedDir});
    await api('POST', '/v1/collections', {name: 'garments'});
    for (const g of garments) await addItem('garments', `${g.label}-${g.path.split('/').pop().replace(/\.jpg$/, '')}`, g.path, {file_name: g.path.split('/').pop(), label: g.label});
    await addItem('garments', 'hostile', garments[0].path, {file_name: HOSTILE, note: HOSTILE});
    await api('POST', '/v1/collections', {name: 'faces'});
    for (const [i, p] of facePhotos.entries()) await addItem('faces', `face-${i}`, p, {file_name: p.split('/').pop()});
    browser = await chromium.launch({executablePath: chromiumPath, args: ['--no-sandbox']});
    page = await browser.newPage({viewport: {width: 1280, height: 900}});
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} @ ${m.location().url}`); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(`${iris.base}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) foreignRequests.push(url);
    });
  });

  after(async () => {
    writeFileSync(join(artifacts, 'figures.json'), JSON.stringify(figures, null, 2));
    await browser?.close();
    iris?.stop();
  });

  it('serves / under 100 KB with a same-origin-only content security policy', async () => {
    const loaded = [];
    page.on('response', async (r) => loaded.push(r));
    await page.goto(`${iris.base}/`);
    await page.waitForSelector('body[data-ready="true"]', {state: 'attached'});
    page.removeAllListeners('response');
    let bytes = 0;
    for (const r of loaded) bytes += (await r.body()).length + JSON.stringify(await r.allHeaders()).length;
    figures.first_load_bytes = bytes;
    assert.ok(bytes < 100 * 1024, `first load transferred ${bytes} bytes`);
    const head = await fetch(`${iris.base}/`);
    assert.match(head.headers.get('content-security-policy'), /default-src 'none'.*connect-src 'self'/);
    assert.equal(head.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await fetch(`${iris.base}/console/nope.js`)).status, 404);
    assert.equal(await page.locator('#view-analyse').isVisible(), true);
    assertNoConsoleErrors();
  });

  it('draws the boxes the API answers for a 12-MP photo, on a reduced preview', async () => {
    const big = join(iris.work, 'twelve-mp.jpg');
    execFileSync('vips', ['resize', facePhotos[0], `${big}[Q=90]`, '8']);  // 500x375 -> 4000x3000
    await openView('analyse');
    const tasks = await page.evaluate(() => import('/console/analyse.js').then((m) => m.ANALYSE_TASKS));
    const form = fileForm(big, {tasks_json: JSON.stringify(tasks)});
    form.delete('file');
    form.append('image_file', new Blob([readFileSync(big)], {type: 'image/jpeg'}), 'twelve-mp.jpg');
    const expected = (await api('POST', '/analyze_image_upload/', form)).results;

    await page.setInputFiles('#analyse-file', big);
    await page.waitForSelector('#view-analyse[data-state="done"]', {timeout: 120_000});
    figures.analyse_12mp_render_ms_after_answer = Number(await page.getAttribute('#view-analyse', 'data-render-ms'));
    const canvas = await page.$eval('#view-analyse canvas', (c) => ({w: c.width, h: c.height}));
    assert.ok(Math.max(canvas.w, canvas.h) <= 1280, `preview ${canvas.w}x${canvas.h} is not reduced`);
    assert.equal(await page.getAttribute('#view-analyse .stage', 'data-width'), '4000');

    const drawn = await page.$$eval('#view-analyse rect', (rects) => rects.map((r) => ({kind: r.dataset.kind, box: r.dataset.box})));
    const boxes = (kind) => drawn.filter((d) => d.kind === kind).map((d) => d.box).sort();
    const objectBoxes = expected.objects.data.filter((o) => o.label === 'person').map((o) => o.box.join(',')).sort();
    assert.ok(objectBoxes.length >= 3, 'the photo shows several persons');
    assert.deepEqual(boxes('person'), objectBoxes);
    assert.deepEqual(boxes('object'), expected.objects.data.filter((o) => o.label !== 'person').map((o) => o.box.join(',')).sort());
    assert.deepEqual(boxes('face'), expected.faces.data.map((f) => f.box.join(',')).sort());
    assert.deepEqual(boxes('prominent-person'), [expected.prominent_person.data.join(',')]);
    assert.ok(expected.prominent_face.data, 'the photo has a prominent face');
    assert.deepEqual(boxes('prominent-face'), [expected.prominent_face.data.join(',')]);
    assert.notDeepEqual(expected.prominent_face.data, expected.prominent_person.data);
    const landmarks = await page.$$eval('#view-analyse circle', (c) => c.length);
    assert.equal(landmarks, expected.faces.data.length * 5);

    // Geometry on screen: the first person's rectangle sits where its box falls on the shown preview.
    const first = expected.objects.data.find((o) => o.label === 'person').box;
    const placed = await page.evaluate((box) => {
      const canvasRect = document.querySelector('#view-analyse canvas').getBoundingClientRect();
      const rect = document.querySelector(`#view-analyse rect[data-box="${box.join(',')}"]`).getBoundingClientRect();
      return {canvasRect: canvasRect.toJSON(), rect: rect.toJSON()};
    }, first);
    const scale = placed.canvasRect.width / 4000;
    assert.ok(Math.abs(placed.rect.left - (placed.canvasRect.left + first[0] * scale)) < 3);
    assert.ok(Math.abs(placed.rect.top - (placed.canvasRect.top + first[1] * scale)) < 3);
    assert.ok(Math.abs(placed.rect.width - (first[2] - first[0]) * scale) < 4);

    const swatches = await page.$$eval('#view-analyse .swatch', (s) => s.map((x) => x.dataset.hex));
    assert.deepEqual(swatches, expected.colors.data.map((c) => c.hex));
    assert.equal(await page.textContent('#view-analyse .grade'), expected.quality.data.grade);
    assert.ok((await page.textContent('#view-analyse .facts')).includes(expected.hashes.data.phash));
    await screenshot('console-analyse');

    const [download] = await Promise.all([page.waitForEvent('download'),
      page.click('#view-analyse button:has-text("Download CLIP embedding")')]);
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(saved.embedding.length, 512);
    assertNoConsoleErrors();
  });

  it('shows the JSON error text when the server refuses an image', async () => {
    await openView('analyse');
    await page.setInputFiles('#analyse-file', data('near-duplicates', 'images', 'ukbench09268_corrupt.jpg'));
    await page.waitForSelector('#view-analyse[data-state="error"]', {timeout: 60_000});
    const form = new FormData();
    form.append('image_file', new Blob([readFileSync(data('near-duplicates', 'images', 'ukbench09268_corrupt.jpg'))]), 'x.jpg');
    form.append('tasks_json', JSON.stringify(await page.evaluate(() => import('/console/analyse.js').then((m) => m.ANALYSE_TASKS))));
    const refused = await (await fetch(`${iris.base}/analyze_image_upload/`, {method: 'POST', body: form})).json();
    assert.equal((await page.textContent('#view-analyse .alert')).trim(), refused.detail);
    // The browser logs the refused request itself; nothing else may be logged.
    assert.ok(consoleErrors.every((e) => e.includes('Failed to load resource') && e.includes('/analyze_image_upload/')), consoleErrors.join('\n'));
    consoleErrors = [];
    assertNoConsoleErrors();
  });

  it('asks for a region with a prompt and highlights the section the API matches', async () => {
    const photo = facePhotos[0];
    const expected = await api('POST', '/process-image', fileForm(photo, {prompt: 'the person on the left', debug: 'true'}));
    assert.ok(expected.match, 'the prompt matches a section');
    await openView('ask');
    await page.fill('#ask-prompt', 'the person on the left');
    await page.setInputFiles('#ask-file', photo);
    await page.waitForSelector('#view-ask[data-state="done"]', {timeout: 120_000});
    const [x, y, w, h] = expected.match.bbox;
    assert.deepEqual(await page.$$eval('#view-ask rect[data-kind="match"]', (r) => r.map((e) => e.dataset.box)), [[x, y, x + w, y + h].join(',')]);
    const candidates = await page.$$eval('#view-ask tr[data-section]', (rows) => rows.map((r) => r.dataset.section));
    assert.deepEqual([...candidates].sort(), [...expected.filtered_section_ids].sort());
    assert.ok(candidates.includes(expected.match.id));
    assert.equal(await page.$$eval('#view-ask rect[data-kind="section"]', (r) => r.length), candidates.length - 1);
    await screenshot('console-ask');
    assertNoConsoleErrors();
  });

  it('searches a collection of real photos and shows the hits the API ranks, with thumbnails', async () => {
    await openView('collections');
    await page.selectOption('#collection-select', 'garments');
    await page.waitForSelector('#collection-grid[data-collection="garments"] li button.card');
    await page.fill('#collection-search-text', 'a red dress');
    await page.fill('#collection-top-n', '6');
    await page.click('#collection-search-form button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#collection-results-title').textContent.includes('closest'));
    const shown = await page.$$eval('#collection-grid button.card', (cards) => cards.map((c) => c.dataset.id));
    const expected = (await api('POST', '/v1/collections/garments/search', {text: 'a red dress', top_n: 6})).hits.map((h) => h.id);
    assert.deepEqual(shown, expected);
    await page.waitForFunction(() => [...document.querySelectorAll('#collection-grid img.thumb')].every((i) => i.complete && i.naturalWidth > 0));
    await screenshot('console-collections');

    await page.click(`#collection-grid button.card[data-id="${expected[0]}"]`);
    await page.waitForSelector(`#collection-item[data-id="${expected[0]}"]`);
    await page.click('#collection-item button:has-text("Find its duplicates")');
    await page.waitForSelector('#collection-item .duplicates table, #collection-item .duplicates p');
    const reasons = await page.$$eval('#collection-item .duplicates tbody tr', (rows) => rows.map((r) => r.cells[0].textContent));
    assert.ok(reasons.includes(expected[0]), `an indexed item is its own duplicate: ${reasons}`);
    assertNoConsoleErrors();
  });

  it('renders hostile metadata as text', async () => {
    await openView('collections');
    await page.selectOption('#collection-select', 'garments');
    await page.waitForSelector('#collection-grid button.card[data-id="hostile"]');
    await page.click('#collection-grid button.card[data-id="hostile"]');
    await page.waitForSelector('#collection-item[data-id="hostile"] pre.metadata');
    assert.ok((await page.textContent('#collection-item pre.metadata')).includes(HOSTILE.replaceAll('"', '\\"')));
    assert.ok((await page.textContent('#collection-grid button.card[data-id="hostile"]')).includes(HOSTILE));
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.$$eval('img[src="x"], #collection-grid script, #collection-item script', (n) => n.length), 0);
    assertNoConsoleErrors();
  });

  it('never shows one collection\'s items under another, even when answers arrive late', async () => {
    const faceIds = (await api('GET', '/v1/collections/faces/items')).ids;
    await openView('collections');
    // Slow every garments answer down so it lands after the switch to faces.
    await page.route(/\/v1\/collections\/garments\//, async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue().catch(() => {});
    });
    await page.selectOption('#collection-select', 'garments');
    await page.selectOption('#collection-select', 'faces');
    await page.waitForSelector('#collection-grid[data-collection="faces"] button.card');
    await page.waitForTimeout(2500);  // let the late garments answers arrive
    await page.unroute(/\/v1\/collections\/garments\//);
    const shown = await page.$$eval('#collection-grid button.card', (cards) => cards.map((c) => c.dataset.id));
    assert.deepEqual(shown.sort(), [...faceIds].sort());
    assert.equal(await page.getAttribute('#view-collections', 'data-collection'), 'faces');
    assert.ok((await page.textContent('#collection-summary')).startsWith(`${faceIds.length} item(s)`));
    assertNoConsoleErrors();
  });

  it('starts a duplicate scan and watches the job reach 100%', async () => {
    await openView('collections');
    await page.selectOption('#collection-select', 'garments');
    await page.waitForSelector('#collection-grid[data-collection="garments"] button.card');
    await page.click('#collection-scan');
    await page.waitForSelector('#view-jobs:not([hidden])');
    const row = page.locator('#jobs-body tr[data-status="succeeded"][data-percent="100"]');
    await row.first().waitFor({timeout: 120_000});
    const tasks = (await api('GET', '/tasks')).tasks;
    const scan = tasks.find((t) => t.status === 'succeeded');
    assert.equal(scan.progress.done, scan.progress.total);
    assert.ok(await page.locator(`#jobs-body tr[data-task="${scan.task_id}"] progress`).getAttribute('value') === '100');
    await screenshot('console-jobs');
    assertNoConsoleErrors();
  });

  it('checks a catalog upload for duplicates, captions one and shows generated shots', async () => {
    await openView('catalog');
    await page.setInputFiles('#catalog-file', garments[1].path);
    await page.click('#catalog-form button[value="check"]');
    await page.waitForSelector('#catalog-result table');
    const firstUpload = await page.textContent('#catalog-result');
    assert.ok(firstUpload.includes('no, stored'), firstUpload);
    await page.click('#catalog-form button[value="check"]');
    await page.waitForFunction(() => document.querySelector('#catalog-result').textContent.includes('Duplicate of'));

    await page.setInputFiles('#catalog-file', garments[4].path);
    await page.click('#catalog-form button[value="caption"]');
    await page.waitForFunction(() => document.querySelector('#catalog-result').textContent.includes('generated name'));
    await page.click('#catalog-shots');
    await page.waitForSelector('#catalog-gallery .gallery figure', {timeout: 120_000});
    const images = await page.$$eval('#catalog-gallery img', (imgs) => imgs.map((i) => i.getAttribute('src')));
    assert.equal(images.length, 4);
    await page.waitForFunction(() => [...document.querySelectorAll('#catalog-gallery img')].every((i) => i.complete && i.naturalWidth > 0));
    const zip = await page.getAttribute('#catalog-gallery p:has-text("All shots") a', 'href');
    const zipResponse = await fetch(new URL(zip, iris.base));
    assert.equal(zipResponse.status, 200, zip);
    assert.equal(Buffer.from(await zipResponse.arrayBuffer()).subarray(0, 2).toString(), 'PK');
    await screenshot('console-catalog');
    assertNoConsoleErrors();
  });

  it('lists models, readiness and live figures', async () => {
    await openView('models');
    await page.waitForSelector('#models-body tr[data-model="yolox-nano"]');
    assert.match(await page.textContent('#models-body tr[data-model="yolox-nano"]'), /yes/);
    await page.waitForFunction(() => /\d/.test(document.querySelector('#live-figures')?.textContent || '') &&
      !document.querySelector('#live-figures').textContent.includes('measuring'));
    assert.match(await page.textContent('#health-checks'), /ok/);
    assertNoConsoleErrors();
  });

  it('sends the API key of the header field with every call; a refused key shows its error', async () => {
    // The server is on loopback (keys optional), where a key that is sent is still checked.
    const key = execFileSync(join(buildDir, 'iris'), ['keys', 'create', '--name', 'console', '--read-only',
      '--data-dir', join(iris.work, 'data'), '--log-level', 'warn'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
    assert.match(key, /^iris_[0-9a-f]{12}_[0-9a-f]{64}$/);
    const setKey = async (value) => {
      await page.fill('#api-key', value);
      await page.dispatchEvent('#api-key', 'change');
    };
    const sent = [];
    const onRequest = (r) => { if (new URL(r.url()).pathname.startsWith('/v1/')) sent.push(r.headers().authorization || ''); };
    await openView('collections');
    await setKey(key);
    page.on('request', onRequest);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', {state: 'attached'});
    assert.equal(await page.inputValue('#api-key'), key, 'the key stays for the tab');
    await page.waitForSelector('#collection-select option[value="garments"]', {state: 'attached'});
    await page.selectOption('#collection-select', 'garments');
    // Thumbnails cannot send a header from <img src>: they are fetched with the key and shown as blob: URLs.
    await page.waitForFunction(() => {
      const thumbs = [...document.querySelectorAll('#view-collections img.thumb')];
      return thumbs.length > 0 && thumbs.every((i) => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0);
    });
    page.off('request', onRequest);
    assert.ok(sent.length > 0 && sent.every((h) => h === `Bearer ${key}`), JSON.stringify(sent));

    await setKey(`iris_000000000000_${'0'.repeat(64)}`);
    await page.click('#collection-refresh');
    await page.waitForSelector('#view-collections .alert:not([hidden])');
    assert.equal((await page.textContent('#view-collections .alert')).trim(), 'invalid API key');
    // The browser logs the refused request itself; nothing else may be logged.
    assert.ok(consoleErrors.every((e) => e.includes('Failed to load resource')), consoleErrors.join('\n'));
    consoleErrors = [];
    await setKey('');
    await page.click('#collection-refresh');
    await page.waitForSelector('#view-collections .alert', {state: 'hidden'});
    assertNoConsoleErrors();
  });

  it('works on a phone-sized screen and from the keyboard', async () => {
    await page.setViewportSize({width: 390, height: 844});
    await openView('analyse');
    await page.setInputFiles('#analyse-file', facePhotos[1]);
    await page.waitForSelector('#view-analyse[data-state="done"]', {timeout: 60_000});
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await screenshot('console-phone');
    await page.goto(`${iris.base}/`);
    await page.waitForSelector('body[data-ready="true"]', {state: 'attached'});
    const reached = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.dataset.view || document.activeElement?.id || ''));
    }
    assert.ok(reached.includes('collections') && reached.includes('jobs'), `Tab reached ${reached}`);
    await page.keyboard.press('Enter');
    assertNoConsoleErrors();
  });
});
