// An image picker: a drop zone that is also a file input (keyboard: Tab then Enter/Space), paste anywhere
// in the view, and a URL field. A URL is fetched by the server (POST /v1/images stores it, then the page
// reads it back from /v1/images/{sha256}), so the browser itself never contacts another host.
import {el} from './dom.js';
import {request, fetchBlob, seg} from './api.js';

// mount(container, view, onImage): onImage({blob, name}) is called for each image chosen. Errors of the URL
// path are reported through onError.
export function mountImageSource(container, view, onImage, onError) {
  const id = `${container.dataset.source}-file`;
  const input = el('input', {type: 'file', id, accept: 'image/*'});
  const zone = el('label', {class: 'drop', for: id},
    el('strong', {}, 'Drop an image here'), ', paste one, or choose a file ', input);
  const urlInput = el('input', {type: 'url', placeholder: 'https://… image URL', 'aria-label': 'Image URL'});
  const urlButton = el('button', {type: 'submit', class: 'secondary'}, 'Fetch URL');
  const urlForm = el('form', {class: 'row'}, urlInput, urlButton);
  container.append(zone, urlForm);

  input.addEventListener('change', () => {
    if (input.files.length) onImage({blob: input.files[0], name: input.files[0].name});
    input.value = '';
  });
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const file = [...event.dataTransfer.files].find((f) => f.type.startsWith('image/')) || event.dataTransfer.files[0];
    if (file) onImage({blob: file, name: file.name});
  });
  view.addEventListener('paste', (event) => {
    const file = [...(event.clipboardData?.files || [])][0];
    if (file) {
      event.preventDefault();
      onImage({blob: file, name: file.name || 'pasted image'});
    }
  });
  urlForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const url = urlInput.value.trim();
    if (!url) return;
    urlButton.disabled = true;
    try {
      const stored = await request('POST', '/v1/images', {json: {image_url: url}});
      const blob = await fetchBlob(`/v1/images/${seg(stored.sha256)}`);
      onImage({blob, name: url});
    } catch (error) {
      onError(error);
    } finally {
      urlButton.disabled = false;
    }
  });
}
