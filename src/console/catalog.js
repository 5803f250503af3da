// Catalog view (the jewelry seeds): upload to POST /image_similarity_search ("is it a duplicate? else store
// it") or POST /generate_caption (duplicate check, caption through the provider, store); then generate
// product shots of the stored image (POST /generate-images) shown as a gallery with the ZIP link. Images
// whose URL is on another host (an S3 bucket) are links, not loaded: the page contacts only this server.
import {el, clear, withBusy, factTable} from './dom.js';
import {request, sameOrigin, showServerImage} from './api.js';

let stored = null;  // {url, website, type} of the image the last upload stored or matched

export function initCatalog(view) {
  const form = view.querySelector('#catalog-form');
  const result = view.querySelector('#catalog-result');
  const shotsRow = view.querySelector('#catalog-shots-row');
  const gallery = view.querySelector('#catalog-gallery');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const action = event.submitter?.value || 'check';
    const website = form.elements.website.value.trim();
    const type = form.elements.type.value.trim();
    const file = form.querySelector('#catalog-file').files[0];
    clear(result);
    clear(gallery);
    shotsRow.hidden = true;
    stored = null;
    await withBusy(view, event.submitter, async () => {
      if (!file) throw new Error('Choose an image first');
      const body = new FormData();
      body.append('file', file);
      if (website) body.append('website', website);
      if (action === 'caption') body.append('type', type);
      const reply = await request('POST', action === 'caption' ? '/generate_caption' : '/image_similarity_search', {form: body});
      result.append(describe(reply));
      const url = reply.s3_url || reply.results?.[0]?.s3_url || reply.results?.[0]?.image_url;
      if (url) {
        stored = {url, website, type};
        shotsRow.hidden = false;
      }
    });
  });
  view.querySelector('#catalog-shots').addEventListener('click', (event) => generate(view, event.currentTarget, gallery));
}

function link(url) {
  return el('a', {href: url, target: '_blank', rel: 'noopener noreferrer'}, url);
}

function describe(reply) {
  const rows = [];
  if ('duplicate_found' in reply) rows.push(['Duplicate', reply.duplicate_found ? 'yes' : 'no, stored']);
  if (reply.duplicate) rows.push(['Duplicate', reply.duplicate]);
  for (const key of ['display_name', 'generated_name', 'description', 'color', 'attributes', 'quality', 'prompt']) {
    if (reply[key] !== undefined) rows.push([key.replace('_', ' '), typeof reply[key] === 'string' ? reply[key] : JSON.stringify(reply[key])]);
  }
  if (reply.s3_url) rows.push(['Stored at', link(reply.s3_url)]);
  const table = factTable(rows);
  if (!Array.isArray(reply.results) || !reply.results.length) return table;
  return el('div', {}, table, el('h3', {}, 'Duplicate of'), el('table', {},
    el('thead', {}, el('tr', {}, el('th', {}, 'Image'), el('th', {}, 'Distance'))),
    el('tbody', {}, reply.results.map((r) => el('tr', {}, el('td', {}, link(r.s3_url || r.image_url || r.id || '')),
      el('td', {}, String(r.distance)))))));
}

async function generate(view, button, gallery) {
  if (!stored) return;
  await withBusy(view, button, async () => {
    clear(gallery).append(el('p', {class: 'busy'}, 'Generating product shots…'));
    const json = {s3_urls: stored.url, product_type: stored.type};
    if (stored.website) json.website = stored.website;
    const reply = await request('POST', '/generate-images', {json});
    clear(gallery);
    gallery.append(el('div', {class: 'gallery'}, (reply.gen_images || []).map((g) => el('figure', {},
      sameOrigin(g.image_url) ? showServerImage(el('img', {alt: g.image_type_name || `type ${g.image_type}`}), g.image_url) : link(g.image_url),
      el('figcaption', {}, `${g.image_type_name || 'type'} ${g.image_type}`)))));
    if (reply.zip_url) gallery.append(el('p', {}, 'All shots: ', link(reply.zip_url)));
    if (reply.failed && reply.failed.length) gallery.append(el('p', {class: 'alert'}, `Failed: ${JSON.stringify(reply.failed)}`));
  });
}
