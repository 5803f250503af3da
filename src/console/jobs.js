// Jobs view: the recent background jobs (GET /tasks), refreshed every second while the view is shown, with
// a progress bar, the per-item errors (GET /tasks/{id}) and a Cancel button for queued or running jobs.
import {el, clear, showError, hideError, withBusy} from './dom.js';
import {request, getJson, seg} from './api.js';

const REFRESH_MS = 1000;
let timer = null;
let body = null;
let errorsPanel = null;
let view = null;

export function initJobs(section) {
  view = section;
  body = section.querySelector('#jobs-body');
  errorsPanel = section.querySelector('#job-errors');
}

export function showJobs() {
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

export function hideJobs() {
  clearInterval(timer);
  timer = null;
}

async function refresh() {
  try {
    const {tasks} = await getJson('/tasks?limit=20');
    hideError(view);
    render(tasks);
  } catch (error) {
    showError(view, error);
  }
}

function render(tasks) {
  clear(body);
  if (!tasks.length) body.append(el('tr', {}, el('td', {colspan: 6, class: 'summary'}, 'No jobs yet')));
  for (const task of tasks) {
    const {done = 0, total = 0} = task.progress || {};
    const percent = total ? Math.floor((100 * done) / total) : (task.status === 'succeeded' ? 100 : 0);
    const active = task.status === 'queued' || task.status === 'running';
    const failed = task.failed_items || 0;
    body.append(el('tr', {dataset: {task: task.task_id, status: task.status, percent}},
      el('td', {class: 'mono'}, task.task_id),
      el('td', {}, task.kind || ''),
      el('td', {}, task.status, task.error ? el('div', {class: 'summary'}, task.error) : null),
      el('td', {}, el('progress', {max: 100, value: percent, 'aria-label': `progress of ${task.task_id}`}),
        ` ${done}/${total} (${percent}%)`),
      el('td', {}, failed ? el('button', {type: 'button', class: 'secondary',
        on: {click: () => showErrors(task.task_id)}}, `${failed} failed`) : '0'),
      el('td', {}, active ? el('button', {type: 'button', class: 'danger',
        on: {click: (e) => cancel(task.task_id, e.currentTarget)}}, 'Cancel') : '')));
  }
}

async function showErrors(id) {
  await withBusy(view, null, async () => {
    const task = await getJson(`/tasks/${seg(id)}`);
    clear(errorsPanel).append(el('h3', {}, `Errors of ${id}`), el('table', {},
      el('thead', {}, el('tr', {}, el('th', {}, 'Item'), el('th', {}, 'Message'), el('th', {}, 'Attempts'))),
      el('tbody', {}, (task.errors || []).map((e) => el('tr', {}, el('td', {}, String(e.item)), el('td', {}, e.message),
        el('td', {}, String(e.attempts ?? '')))))));
    errorsPanel.hidden = false;
  });
}

async function cancel(id, button) {
  await withBusy(view, button, async () => {
    await request('DELETE', `/tasks/${seg(id)}`);
    await refresh();
  });
}
