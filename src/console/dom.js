// DOM helpers. Every string reaches the page through textContent or setAttribute, never innerHTML, so
// whatever the server returns (item ids, metadata, captions, error text) is shown as text, not run.

// el('td', {class: 'mono', dataset: {id}}, 'text', childNode...): an element with attributes and children.
// Attribute values and text children are set as text; `on: {click: fn}` adds listeners.
export function el(tag, props = {}, ...children) {
  return build(document.createElement(tag), props, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svgEl(tag, props = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(node, props, children) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (key === 'dataset') {
      for (const [name, text] of Object.entries(value)) node.dataset[name] = String(text);
    } else if (key === 'text') {
      node.textContent = String(value);
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// The view's role="alert" box shows an error's text (the API's JSON detail when there is one).
export function showError(view, error) {
  const box = view.querySelector('.alert');
  box.textContent = error instanceof Error ? error.message : String(error);
  box.hidden = false;
}

export function hideError(view) {
  const box = view.querySelector('.alert');
  box.hidden = true;
  box.textContent = '';
}

// Runs `work` with `button` disabled, reporting a failure in the view's alert box. Returns work's value.
export async function withBusy(view, button, work) {
  hideError(view);
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (error) {
    showError(view, error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function formatScore(x) {
  return typeof x === 'number' ? x.toFixed(3) : '';
}

// A two-column table of [label, value] rows; a value may be a Node.
export function factTable(rows) {
  return el('table', {}, el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', {scope: 'row'}, k), el('td', {}, v)))));
}

// Offers `data` to the user as a file download (a blob: URL: nothing leaves the browser).
export function download(name, data, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([data], {type}));
  const a = el('a', {href: url, download: name});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
