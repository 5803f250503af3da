// Calls to the Iris HTTP API of the server that served the page (relative paths only: the console sends
// nothing anywhere else). Failures become ApiError with the JSON error's `detail` as the message.
// With an API key set (the header's field; kept in sessionStorage, so it is gone when the tab closes) every
// call sends it as `Authorization: Bearer`.

const KEY_STORAGE = 'iris.apiKey';
let memoryKey = '';  // used when sessionStorage is disabled

export function apiKey() {
  try { return sessionStorage.getItem(KEY_STORAGE) || memoryKey; } catch { return memoryKey; }
}

export function setApiKey(key) {
  memoryKey = key;
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key); else sessionStorage.removeItem(KEY_STORAGE);
  } catch { /* storage disabled: the key lasts until the page reloads */ }
}

function withKey(headers = {}) {
  const key = apiKey();
  return key ? {...headers, Authorization: `Bearer ${key}`} : headers;
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function detailOf(body, status, statusText) {
  if (body && typeof body === 'object' && 'detail' in body) {
    return typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail);
  }
  return `HTTP ${status} ${statusText}`.trim();
}

// request('POST', '/v1/zero-shot', {form}) or {json}: the parsed JSON reply; throws ApiError.
export async function request(method, path, {json, form, signal} = {}) {
  if (!path.startsWith('/') || path.startsWith('//')) throw new Error(`not a path on this server: ${path}`);
  const init = {method, signal, headers: withKey({Accept: 'application/json'})};
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, `The server could not be reached (${error.message})`);
  }
  const text = await response.text();
  let body = null;
  if (text) {
    try { body = JSON.parse(text); } catch { body = null; }
  }
  if (!response.ok) throw new ApiError(response.status, detailOf(body, response.status, response.statusText));
  if (body === null && text) throw new ApiError(response.status, 'The server answered something that is not JSON');
  return body;
}

export const getJson = (path, options) => request('GET', path, options);

// GET of a non-JSON resource (a stored image, /metrics): a Blob or text; throws ApiError.
export async function fetchBlob(path) {
  const response = await fetch(path, {headers: withKey()});
  if (!response.ok) {
    let detail = `HTTP ${response.status}`;
    try { detail = detailOf(await response.json(), response.status, ''); } catch { /* not JSON */ }
    throw new ApiError(response.status, detail);
  }
  return response.blob();
}

// Shows the server image at `path` in `img` and returns `img`. An <img src> cannot send the API key, so with
// a key set the bytes are fetched with it and shown from a blob: URL.
export function showServerImage(img, path) {
  if (!apiKey()) {
    img.src = path;
  } else {
    fetchBlob(path).then((blob) => { img.src = URL.createObjectURL(blob); }, () => { img.alt += ' (not loaded)'; });
  }
  return img;
}

export async function fetchText(path) {
  return (await fetchBlob(path)).text();
}

// A path segment: encodeURIComponent, so ids with '/', '?' or '#' stay one segment.
export const seg = encodeURIComponent;

// Whether `url` (absolute or relative) is on this server: only such URLs are loaded as images.
export function sameOrigin(url) {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

export const SHA256 = /^[0-9a-f]{64}$/;
