// Analyse view: one image -> POST /analyze_image_upload/ with the tasks below, drawn on a reduced preview:
// every object (persons in their own colour), every face with its 5 landmarks, the prominent person and
// face dashed; dominant colours as swatches, the quality grade, the hashes. The CLIP embedding is a
// download (POST /v1/embeddings/image), not shown.
import {el, clear, showError, hideError, factTable, formatScore, download} from './dom.js';
import {request} from './api.js';
import {mountImageSource} from './image_source.js';
import {showPreview, drawBox, drawPoint} from './stage.js';

export const ANALYSE_TASKS = [
  {operation_id: 'objects', type: 'detect_objects'},
  {operation_id: 'faces', type: 'detect_faces'},
  {operation_id: 'prominent_person', type: 'detect_bounding_box', params: {target: 'prominent_person'}},
  {operation_id: 'prominent_face', type: 'detect_bounding_box', params: {target: 'prominent_face'}},
  {operation_id: 'colors', type: 'dominant_colors'},
  {operation_id: 'quality', type: 'image_quality'},
  {operation_id: 'hashes', type: 'image_hash'},
];

let sequence = 0;  // a newer image makes the answers for older ones stale

export function initAnalyse(view) {
  const figure = view.querySelector('.stage');
  const facts = view.querySelector('.facts');
  mountImageSource(view.querySelector('.image-source'), view, (image) => analyse(view, figure, facts, image),
    (error) => showError(view, error));
}

async function analyse(view, figure, facts, {blob, name}) {
  const mine = ++sequence;
  hideError(view);
  clear(facts).append(el('p', {class: 'busy'}, `Analysing ${name}…`));
  view.dataset.state = 'busy';
  const form = new FormData();
  form.append('image_file', blob, name);
  form.append('tasks_json', JSON.stringify(ANALYSE_TASKS));
  const [preview, reply] = await Promise.allSettled([showPreview(figure, blob, name),
    request('POST', '/analyze_image_upload/', {form})]);
  if (mine !== sequence) return;
  if (reply.status === 'rejected') {
    clear(facts);
    showError(view, reply.reason);
    view.dataset.state = 'error';
    return;
  }
  const answeredAt = performance.now();
  const results = reply.value.results || {};
  clear(facts);
  if (preview.status === 'fulfilled') {
    drawResults(preview.value.svg, results);
  } else {
    figure.hidden = true;
    facts.append(el('p', {class: 'summary'}, preview.reason.message));
  }
  facts.append(...describeResults(results));
  facts.append(el('div', {class: 'row'}, el('button', {type: 'button', class: 'secondary',
    on: {click: (event) => downloadEmbedding(view, event.currentTarget, blob, name)}}, 'Download CLIP embedding (JSON)')));
  view.dataset.renderMs = (performance.now() - answeredAt).toFixed(1);
  view.dataset.state = 'done';
}

function ok(result) {
  return result && result.status === 'success';
}

function drawResults(svg, results) {
  if (ok(results.objects)) {
    for (const object of results.objects.data) {
      const kind = object.label === 'person' ? 'person' : 'object';
      drawBox(svg, object.box, kind, kind, `${object.label} ${formatScore(object.score)}`);
    }
  }
  if (ok(results.faces)) {
    for (const face of results.faces.data) {
      drawBox(svg, face.box, 'face', 'face', `face ${formatScore(face.score)}`);
      for (const point of Object.values(face.landmarks || {})) if (Array.isArray(point)) drawPoint(svg, point, 'landmark');
    }
  }
  for (const [id, kind] of [['prominent_person', 'prominent-person'], ['prominent_face', 'prominent-face']]) {
    const result = results[id];
    if (ok(result) && Array.isArray(result.data)) {
      drawBox(svg, result.data, kind, `${id === 'prominent_person' ? 'person' : 'face'} prominent`,
        id === 'prominent_person' ? 'prominent person' : 'prominent face');
    }
  }
}

function taskError(result) {
  return el('span', {class: 'summary'}, result ? result.error_message || result.status : 'not run');
}

function describeResults(results) {
  const nodes = [];
  const objects = results.objects;
  nodes.push(el('h3', {}, 'Objects'));
  if (ok(objects)) {
    nodes.push(objects.data.length
      ? el('div', {class: 'table-scroll'}, el('table', {class: 'objects'},
          el('thead', {}, el('tr', {}, el('th', {}, 'Label'), el('th', {}, 'Score'), el('th', {}, 'Box'))),
          el('tbody', {}, objects.data.map((o) => el('tr', {}, el('td', {}, o.label), el('td', {}, formatScore(o.score)),
            el('td', {class: 'mono'}, o.box.join(', ')))))))
      : el('p', {class: 'summary'}, 'none found'));
  } else nodes.push(taskError(objects));

  nodes.push(el('h3', {}, 'Faces'));
  nodes.push(ok(results.faces) ? el('p', {}, `${results.faces.data.length} face(s), landmarks drawn as dots`)
    : taskError(results.faces));

  const colors = results.colors;
  nodes.push(el('h3', {}, 'Dominant colours'));
  nodes.push(ok(colors) ? el('ul', {class: 'swatches'}, colors.data.map((c) => el('li', {},
    el('span', {class: 'swatch', style: null, dataset: {hex: c.hex}, title: c.hex}),
    `${c.name} ${(c.share * 100).toFixed(0)}%`))) : taskError(colors));

  const quality = results.quality;
  nodes.push(el('h3', {}, 'Quality'));
  if (ok(quality)) {
    const q = quality.data;
    nodes.push(factTable([
      ['Grade', el('span', {class: 'grade'}, q.grade)],
      ['Size', `${q.width} × ${q.height} (${q.megapixels} MP)`],
      ['Sharpness', String(q.sharpness)], ['Exposure', String(q.exposure)],
      ['Issues', q.issues && q.issues.length ? q.issues.join('; ') : 'none'],
    ]));
  } else nodes.push(taskError(quality));

  nodes.push(el('h3', {}, 'Hashes'));
  nodes.push(ok(results.hashes) ? factTable(Object.entries(results.hashes.data).map(([k, v]) => [k, el('span', {class: 'mono'}, v)]))
    : taskError(results.hashes));
  paintSwatches(nodes);
  return nodes;
}

// Swatch colours are set through the CSSOM (style attributes would need 'unsafe-inline' in the CSP), and only
// from a #rrggbb value.
function paintSwatches(nodes) {
  for (const node of nodes) {
    if (!(node instanceof Element)) continue;
    for (const swatch of node.querySelectorAll('.swatch')) {
      if (/^#[0-9a-fA-F]{6}$/.test(swatch.dataset.hex)) swatch.style.backgroundColor = swatch.dataset.hex;
    }
  }
}

async function downloadEmbedding(view, button, blob, name) {
  button.disabled = true;
  try {
    const form = new FormData();
    form.append('file', blob, name);
    const reply = await request('POST', '/v1/embeddings/image', {form});
    download(`${name.replace(/[^\w.-]+/g, '_')}.embedding.json`, JSON.stringify(reply));
  } catch (error) {
    showError(view, error);
  } finally {
    button.disabled = false;
  }
}
