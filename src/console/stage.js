// The image stage: a reduced preview of the chosen image (at most PREVIEW_SIDE px on its longer side, drawn
// on a canvas: a 12-MP photo is never laid out at full size) under an SVG overlay whose viewBox is the
// ORIGINAL image's pixel grid, so boxes from the API are drawn with their own coordinates.
// Each drawn box carries data-kind and data-box="x1,y1,x2,y2" (original pixels) for tests and tools.
import {el, svgEl, clear} from './dom.js';

export const PREVIEW_SIDE = 1280;

// Decodes `blob` and draws the preview into `figure` (cleared first). Returns {width, height, svg} where
// width/height are the original dimensions. Throws when the browser cannot decode the image.
export async function showPreview(figure, blob, label) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new Error('The browser cannot show this file as an image (the server may still read it)');
  }
  const {width, height} = bitmap;
  const scale = Math.min(1, PREVIEW_SIDE / Math.max(width, height));
  const canvas = el('canvas', {width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)),
    role: 'img', 'aria-label': label || 'preview'});
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const svg = svgEl('svg', {viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', 'aria-hidden': 'true'});
  clear(figure).append(canvas, svg);
  figure.hidden = false;
  figure.dataset.width = width;
  figure.dataset.height = height;
  return {width, height, svg};
}

// A box [x1, y1, x2, y2] in original pixels, with a class (person/object/face/section/match, + prominent)
// and an optional caption drawn above it.
export function drawBox(svg, box, kind, classes, caption) {
  const [x1, y1, x2, y2] = box.map(Number);
  const group = svgEl('g', {});
  group.append(svgEl('rect', {x: x1, y: y1, width: Math.max(0, x2 - x1), height: Math.max(0, y2 - y1),
    class: classes, dataset: {kind, box: [x1, y1, x2, y2].join(',')}}, svgEl('title', {}, caption || kind)));
  if (caption) {
    const fontSize = Math.max(12, svg.viewBox.baseVal.height / 40);
    group.append(svgEl('text', {x: x1 + 3, y: Math.max(fontSize, y1 - 4), 'font-size': fontSize}, caption));
  }
  svg.append(group);
}

export function drawPoint(svg, [x, y], kind) {
  const r = Math.max(2, svg.viewBox.baseVal.width / 250);
  svg.append(svgEl('circle', {cx: x, cy: y, r, dataset: {kind, point: `${x},${y}`}}));
}
