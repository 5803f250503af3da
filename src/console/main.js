// The console's entry point: hash routing between the six views (#analyse, #ask, #collections, #catalog,
// #jobs, #models), each view's show/hide hooks (polling only while shown), and the readiness badge.
import {initAnalyse} from './analyse.js';
import {initAsk} from './ask.js';
import {initCollections, showCollections} from './collections.js';
import {initCatalog} from './catalog.js';
import {initJobs, showJobs, hideJobs} from './jobs.js';
import {initModels, showModels, hideModels, readiness} from './models.js';
import {apiKey, setApiKey} from './api.js';

const VIEWS = {
  analyse: {init: initAnalyse},
  ask: {init: initAsk},
  collections: {init: initCollections, show: showCollections},
  catalog: {init: initCatalog},
  jobs: {init: initJobs, show: showJobs, hide: hideJobs},
  models: {init: initModels, show: showModels, hide: hideModels},
};
let shown = null;

function route() {
  const name = location.hash.slice(1) in VIEWS ? location.hash.slice(1) : 'analyse';
  if (name === shown) return;
  if (shown) {
    VIEWS[shown].hide?.();
    document.getElementById(`view-${shown}`).hidden = true;
  }
  shown = name;
  document.getElementById(`view-${name}`).hidden = false;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  VIEWS[name].show?.();
  document.body.dataset.view = name;
}

async function updateBadge() {
  const badge = document.getElementById('readiness');
  try {
    const report = await readiness();
    badge.textContent = report.status === 'ready' ? 'ready' : 'not ready';
    badge.className = `badge ${report.status === 'ready' ? 'ok' : 'failing'}`;
  } catch {
    badge.textContent = 'unreachable';
    badge.className = 'badge failing';
  }
}

// The API key field: every later call sends the key (api.js); the field shows whether one is set.
const keyField = document.getElementById('api-key');
keyField.value = apiKey();
keyField.addEventListener('change', () => setApiKey(keyField.value.trim()));

for (const [name, view] of Object.entries(VIEWS)) view.init(document.getElementById(`view-${name}`));
window.addEventListener('hashchange', route);
route();
updateBadge();
setInterval(updateBadge, 5000);
document.body.dataset.ready = 'true';
