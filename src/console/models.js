// Models and health view: the model catalog with installation state, size, licence and whether each model
// is loaded (GET /v1/models); the readiness checks (GET /readyz); live figures sampled from /metrics every
// 2 s while the view is shown: requests per second, requests in flight, average model batch size, result
// cache hit rate.
import {el, clear, showError, hideError, formatBytes} from './dom.js';
import {getJson, fetchText} from './api.js';

const SAMPLE_MS = 2000;
let view = null;
let timer = null;
let previous = null;  // {at, requests}

export function initModels(section) {
  view = section;
}

export function showModels() {
  previous = null;
  refreshModels();
  sample();
  timer = setInterval(sample, SAMPLE_MS);
}

export function hideModels() {
  clearInterval(timer);
  timer = null;
}

async function refreshModels() {
  try {
    const reply = await getJson('/v1/models');
    const loaded = new Map((reply.loaded || []).map((m) => [m.name, m]));
    clear(view.querySelector('#models-body')).append(...reply.catalog.map((m) => el('tr', {dataset: {model: m.name}},
      el('td', {}, m.name, m.name === reply.default_clip ? el('span', {class: 'summary'}, ' (default CLIP)') : null),
      el('td', {}, m.task || ''),
      el('td', {}, m.installed ? 'yes' : 'no'),
      el('td', {}, m.installed ? formatBytes(m.bytes_on_disk) : ''),
      el('td', {}, loaded.has(m.name) ? `yes, ${loaded.get(m.name).provider}` : 'no'),
      el('td', {}, m.licence || ''))),
    ...[...loaded.values()].filter((m) => !reply.catalog.some((c) => c.name === m.name)).map((m) => el('tr', {dataset: {model: m.name}},
      el('td', {}, m.name), el('td', {}, m.kind), el('td', {}, 'local files'), el('td', {}, ''),
      el('td', {}, `yes, ${m.provider}`), el('td', {}, ''))));
  } catch (error) {
    showError(view, error);
  }
}

// Prometheus text: the sum of every sample of `name` (all label sets).
export function metricSum(text, name) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

async function sample() {
  try {
    const [metrics, ready] = await Promise.all([fetchText('/metrics'), readiness()]);
    hideError(view);
    const now = performance.now();
    const requests = metricSum(metrics, 'iris_http_requests_total');
    const rate = previous ? ((requests - previous.requests) * 1000) / (now - previous.at) : null;
    previous = {at: now, requests};
    const batches = metricSum(metrics, 'iris_model_batches_total');
    const items = metricSum(metrics, 'iris_model_items_total');
    const hits = metricSum(metrics, 'iris_cache_hits_total');
    const misses = metricSum(metrics, 'iris_cache_misses_total');
    const figures = [
      ['Requests per second', rate === null ? 'measuring…' : rate.toFixed(2)],
      ['Requests in flight', String(metricSum(metrics, 'iris_http_requests_in_flight'))],
      ['Average model batch size', batches ? (items / batches).toFixed(2) : 'no batch yet'],
      ['Result cache hit rate', hits + misses ? `${((100 * hits) / (hits + misses)).toFixed(1)}% of ${hits + misses}` : 'no lookup yet'],
      ['Open connections', String(metricSum(metrics, 'iris_http_open_connections'))],
    ];
    clear(view.querySelector('#live-figures')).append(...figures.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    clear(view.querySelector('#health-checks')).append(...Object.entries(ready.checks || {}).map(([name, check]) =>
      el('li', {}, el('span', {class: `badge ${check.status === 'ok' ? 'ok' : 'failing'}`}, check.status), ` ${name}`,
        check.detail ? el('span', {class: 'summary'}, ` — ${check.detail}`) : null)));
  } catch (error) {
    showError(view, error);
  }
}

// GET /readyz answers 503 with the same JSON shape while not ready: both are a readiness report here.
export async function readiness() {
  const response = await fetch('/readyz', {headers: {Accept: 'application/json'}});
  return response.json();
}
