// Collections view: list collections, browse or search one (by text or by image) as a grid of thumbnails
// with scores, open an item (metadata, its near-duplicates with the reason, delete), add images, start a
// duplicate scan. Thumbnails come only from this server: an item whose metadata holds `image_sha256` (the
// console stores every image it adds with POST /v1/images first) shows /v1/images/{sha256}.
//
// One collection at a time: switching bumps `generation`, clears what is shown, and every answer that
// arrives for an older generation is dropped, so one collection's items never appear under another.
import {el, clear, showError, hideError, withBusy, formatScore} from './dom.js';
import {request, getJson, fetchBlob, seg, SHA256, showServerImage} from './api.js';

const PAGE = 24;
let generation = 0;
let current = null;  // name of the collection shown
let nodes = null;

export function initCollections(view) {
  nodes = {
    view,
    select: view.querySelector('#collection-select'),
    detail: view.querySelector('#collection-detail'),
    summary: view.querySelector('#collection-summary'),
    grid: view.querySelector('#collection-grid'),
    title: view.querySelector('#collection-results-title'),
    item: view.querySelector('#collection-item'),
  };
  nodes.select.addEventListener('change', () => choose(nodes.select.value));
  view.querySelector('#collection-refresh').addEventListener('click', () => loadList());
  view.querySelector('#collection-create-form').addEventListener('submit', createCollection);
  view.querySelector('#collection-search-form').addEventListener('submit', search);
  view.querySelector('#collection-browse').addEventListener('click', () => browse(0));
  view.querySelector('#collection-add').addEventListener('change', addImages);
  view.querySelector('#collection-scan').addEventListener('click', scan);
  view.querySelector('#collection-delete').addEventListener('click', deleteCollection);
}

export function showCollections() {
  loadList();
}

async function loadList(select) {
  await withBusy(nodes.view, null, async () => {
    const {collections} = await getJson('/v1/collections');
    const wanted = select ?? current;
    clear(nodes.select).append(el('option', {value: ''}, collections.length ? '— choose —' : '— none yet —'),
      ...collections.map((c) => el('option', {value: c.name, selected: c.name === wanted}, `${c.name} (${c.count})`)));
    if (wanted && collections.some((c) => c.name === wanted)) {
      if (wanted !== current) await choose(wanted); else await describe(wanted, generation);
    } else if (current) {
      await choose('');
    }
  });
}

async function choose(name) {
  const mine = ++generation;
  current = name || null;
  clear(nodes.grid);
  clear(nodes.item).hidden = true;
  nodes.title.textContent = '';
  nodes.summary.textContent = '';
  nodes.view.dataset.collection = name || '';
  nodes.detail.hidden = !name;
  hideError(nodes.view);
  if (!name) return;
  await describe(name, mine);
  if (mine === generation) await browse(0);
}

async function describe(name, mine) {
  try {
    const c = await getJson(`/v1/collections/${seg(name)}`);
    if (mine !== generation) return;
    nodes.summary.textContent = `${c.count} item(s) · model ${c.model} · ${c.dim}-d · ${c.metric}`;
  } catch (error) {
    if (mine === generation) showError(nodes.view, error);
  }
}

async function browse(offset) {
  const name = current;
  const mine = generation;
  if (!name) return;
  await withBusy(nodes.view, null, async () => {
    const page = await getJson(`/v1/collections/${seg(name)}/items?offset=${offset}&limit=${PAGE}`);
    const items = await Promise.all(page.ids.map((id) => getJson(`/v1/collections/${seg(name)}/items/${seg(id)}`)
      .catch(() => ({id, metadata: {}}))));
    if (mine !== generation) return;
    nodes.title.textContent = `Items ${offset + 1}–${offset + page.ids.length} of ${page.count}`;
    showCards(items.map((item) => ({id: item.id, metadata: item.metadata})), name, mine);
    if (offset + page.ids.length < page.count) {
      nodes.grid.append(el('li', {}, el('button', {type: 'button', class: 'secondary', on: {click: () => browse(offset + PAGE)}},
        'Next page')));
    }
  });
}

async function search(event) {
  event.preventDefault();
  const name = current;
  const mine = generation;
  if (!name) return;
  const text = nodes.view.querySelector('#collection-search-text').value.trim();
  const fileInput = nodes.view.querySelector('#collection-search-image');
  const topN = Number(nodes.view.querySelector('#collection-top-n').value) || 12;
  const button = event.submitter;
  await withBusy(nodes.view, button, async () => {
    let reply;
    if (fileInput.files.length) {
      const form = new FormData();
      form.append('file', fileInput.files[0]);
      form.append('top_n', String(topN));
      reply = await request('POST', `/v1/collections/${seg(name)}/search`, {form});
    } else if (text) {
      reply = await request('POST', `/v1/collections/${seg(name)}/search`, {json: {text, top_n: topN}});
    } else {
      throw new Error('Type a text or choose an image to search with');
    }
    if (mine !== generation) return;
    nodes.title.textContent = `${reply.hits.length} closest to ${fileInput.files.length ? fileInput.files[0].name : `“${text}”`}`;
    showCards(reply.hits, name, mine);
  });
}

function thumbnailOf(metadata) {
  const sha = metadata && metadata.image_sha256;
  return typeof sha === 'string' && SHA256.test(sha) ? `/v1/images/${sha}` : null;
}

function showCards(entries, name, mine) {
  clear(nodes.grid).dataset.collection = name;
  for (const entry of entries) {
    const thumb = thumbnailOf(entry.metadata);
    const card = el('button', {type: 'button', class: 'card', dataset: {id: entry.id},
      on: {click: () => openItem(name, entry.id, mine)}},
      thumb ? showServerImage(el('img', {class: 'thumb', alt: entry.id, loading: 'lazy'}), thumb) : el('div', {class: 'thumb'}),
      el('div', {class: 'caption'}, el('strong', {class: 'item-id'}, entry.id),
        entry.similarity !== undefined ? el('div', {class: 'score'}, `similarity ${formatScore(entry.similarity)}`) : null,
        entry.metadata && entry.metadata.file_name ? el('div', {class: 'summary'}, String(entry.metadata.file_name)) : null));
    nodes.grid.append(el('li', {}, card));
  }
  if (!entries.length) nodes.grid.append(el('li', {class: 'summary'}, 'nothing'));
}

async function openItem(name, id, mine) {
  await withBusy(nodes.view, null, async () => {
    const item = await getJson(`/v1/collections/${seg(name)}/items/${seg(id)}`);
    if (mine !== generation) return;
    const panel = clear(nodes.item);
    panel.hidden = false;
    panel.dataset.id = id;
    const duplicates = el('div', {class: 'duplicates'});
    const thumb = thumbnailOf(item.metadata);
    panel.append(el('h3', {}, `Item ${id}`),
      thumb ? showServerImage(el('img', {class: 'item-image', alt: id, width: 240}), thumb) : null,
      el('p', {class: 'summary'}, `${item.vector.length}-d vector`),
      el('pre', {class: 'metadata'}, JSON.stringify(item.metadata, null, 2)),
      el('div', {class: 'row'},
        thumb ? el('button', {type: 'button', class: 'secondary',
          on: {click: (e) => findDuplicates(name, thumb, duplicates, mine, e.currentTarget)}}, 'Find its duplicates') : null,
        el('button', {type: 'button', class: 'danger', on: {click: (e) => deleteItem(name, id, mine, e.currentTarget)}}, 'Delete item')),
      duplicates);
    panel.scrollIntoView({block: 'nearest'});
  });
}

async function findDuplicates(name, imagePath, target, mine, button) {
  await withBusy(nodes.view, button, async () => {
    const form = new FormData();
    form.append('file', await fetchBlob(imagePath));
    const reply = await request('POST', `/v1/collections/${seg(name)}/duplicates`, {form});
    if (mine !== generation) return;
    clear(target).append(el('h4', {}, 'Duplicates'), reply.duplicates.length
      ? el('table', {},
        el('thead', {}, el('tr', {}, ['Item', 'Reason', 'Hash distance', 'Similarity', 'Inliers'].map((h) => el('th', {}, h)))),
        el('tbody', {}, reply.duplicates.map((d) => el('tr', {}, el('td', {}, d.id), el('td', {}, d.reason ?? ''),
          el('td', {}, d.hash_distance ?? ''), el('td', {}, formatScore(d.similarity)), el('td', {}, d.inliers ?? '')))))
      : el('p', {class: 'summary'}, 'No duplicates (the item itself is not counted when it was indexed with its image).'));
  });
}

async function deleteItem(name, id, mine, button) {
  if (button.dataset.confirm !== 'yes') {
    button.dataset.confirm = 'yes';
    button.textContent = `Really delete ${id}?`;
    return;
  }
  await withBusy(nodes.view, button, async () => {
    await request('DELETE', `/v1/collections/${seg(name)}/items/${seg(id)}`);
    if (mine !== generation) return;
    clear(nodes.item).hidden = true;
    await describe(name, mine);
    await browse(0);
  });
}

async function createCollection(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const name = form.elements.name.value.trim();
  const model = form.elements.model.value.trim();
  await withBusy(nodes.view, event.submitter, async () => {
    await request('POST', '/v1/collections', {json: model ? {name, model} : {name}});
    form.reset();
    await loadList(name);
  });
}

async function addImages(event) {
  const input = event.currentTarget;
  const files = [...input.files];
  const name = current;
  const mine = generation;
  if (!name || !files.length) return;
  await withBusy(nodes.view, null, async () => {
    let done = 0;
    for (const file of files) {
      if (mine !== generation) return;
      nodes.title.textContent = `Adding ${done + 1} of ${files.length}: ${file.name}`;
      const stored = new FormData();
      stored.append('file', file);
      const {sha256} = await request('POST', '/v1/images', {form: stored});
      const item = new FormData();
      item.append('file', file);
      item.append('metadata', JSON.stringify({file_name: file.name, image_sha256: sha256}));
      await request('PUT', `/v1/collections/${seg(name)}/items/${seg(file.name.replace(/\.[^.]*$/, '') || sha256)}`, {form: item});
      done++;
    }
    input.value = '';
    if (mine !== generation) return;
    await describe(name, mine);
    await browse(0);
  });
}

async function scan(event) {
  const name = current;
  if (!name) return;
  await withBusy(nodes.view, event.currentTarget, async () => {
    await request('POST', `/v1/collections/${seg(name)}/duplicates/scan`);
    location.hash = '#jobs';
  });
}

async function deleteCollection(event) {
  const button = event.currentTarget;
  const name = current;
  if (!name) return;
  if (button.dataset.confirm !== name) {
    button.dataset.confirm = name;
    button.textContent = `Really delete ${name} and all its items?`;
    return;
  }
  await withBusy(nodes.view, button, async () => {
    await request('DELETE', `/v1/collections/${seg(name)}`);
    button.dataset.confirm = '';
    button.textContent = 'Delete collection';
    await choose('');
    await loadList('');
  });
}
