// Ask view: a text prompt over an image -> POST /process-image (debug and masks on, for the candidates'
// boxes): the matched section drawn bold, every other candidate dashed, their scores in a table.
import {el, clear, showError, hideError, formatScore} from './dom.js';
import {request} from './api.js';
import {mountImageSource} from './image_source.js';
import {showPreview, drawBox} from './stage.js';

let sequence = 0;
let current = null;  // the chosen image {blob, name}

export function initAsk(view) {
  const figure = view.querySelector('.stage');
  const facts = view.querySelector('.facts');
  const form = view.querySelector('#ask-form');
  const prompt = view.querySelector('#ask-prompt');
  mountImageSource(view.querySelector('.image-source'), view, async (image) => {
    current = image;
    try {
      await showPreview(figure, image.blob, image.name);
    } catch (error) {
      showError(view, error);
    }
    if (prompt.value.trim()) ask(view, figure, facts, prompt.value.trim());
  }, (error) => showError(view, error));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) {
      showError(view, 'Choose an image first');
      return;
    }
    ask(view, figure, facts, prompt.value.trim());
  });
}

function xywhToBox([x, y, w, h]) {
  return [x, y, x + w, y + h];
}

async function ask(view, figure, facts, prompt) {
  const mine = ++sequence;
  hideError(view);
  view.dataset.state = 'busy';
  clear(facts).append(el('p', {class: 'busy'}, 'Looking for the region (the first look at an image takes a while)…'));
  const form = new FormData();
  form.append('file', current.blob, current.name);
  form.append('prompt', prompt);
  form.append('debug', 'true');
  form.append('include_mask', 'true');
  let reply;
  let stage;
  try {
    [reply, stage] = await Promise.all([request('POST', '/process-image', {form}),
      showPreview(figure, current.blob, current.name)]);
  } catch (error) {
    if (mine !== sequence) return;
    clear(facts);
    showError(view, error);
    view.dataset.state = 'error';
    return;
  }
  if (mine !== sequence) return;
  const sections = new Map((reply.mask_result?.sections || []).map((s) => [s.id, s]));
  const matchStage = (reply.debug || []).find((d) => d.stage === 'match');
  const scores = matchStage?.scores || reply.filtered_section_ids.map((id) => ({id, score: null}));
  for (const {id} of scores) {
    const section = sections.get(id);
    if (section && (!reply.match || id !== reply.match.id)) drawBox(stage.svg, xywhToBox(section.bbox), 'section', 'section', id);
  }
  clear(facts);
  if (reply.match) {
    drawBox(stage.svg, xywhToBox(reply.match.bbox), 'match', 'match', `${reply.match.id} ${reply.match.type}`);
    facts.append(el('p', {}, 'Match: ', el('strong', {}, `${reply.match.type} (${reply.match.id})`),
      ` score ${formatScore(reply.match.score)} — ${(reply.match.visual_elements || []).join(', ')}`));
  } else {
    facts.append(el('p', {}, 'No section matches this prompt.'));
  }
  facts.append(el('h3', {}, 'Candidate sections'));
  facts.append(scores.length ? el('table', {},
    el('thead', {}, el('tr', {}, el('th', {}, 'Section'), el('th', {}, 'Type'), el('th', {}, 'Score'))),
    el('tbody', {}, scores.map(({id, score}) => el('tr', {dataset: {section: id}}, el('td', {}, id),
      el('td', {}, sections.get(id)?.type || ''), el('td', {}, formatScore(score))))))
    : el('p', {class: 'summary'}, 'none passed the filter'));
  view.dataset.state = 'done';
}
