// Icons of the patrol plan layer, drawn like the units' (map/icons.ts) but hollow, with a dashed
// tag: a plan says where a unit should be, the unit icon where it is.
import { font, image, taggedCanvas } from './icons';
import type { IconImage } from './icons';

// A post: a ring in the post's colour with the call sign (and what is held there) beside it.
// The ring's centre is at (11, h/2), like a unit icon's marker.
export function planPostIcon(text: string, color: string, ratio: number): IconImage {
  const { c, ctx, h } = taggedCanvas(
    text,
    { fill: 'rgba(10, 16, 26, 0.72)', border: color, text: color, dash: [3, 2], inset: 0.5 },
    ratio,
  );
  // Ring with a dot: a place to be.
  ctx.beginPath();
  ctx.arc(11, h / 2, 7, 0, Math.PI * 2);
  ctx.fillStyle = 'rgba(10, 16, 26, 0.85)';
  ctx.fill();
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = color;
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(11, h / 2, 2.5, 0, Math.PI * 2);
  ctx.fillStyle = color;
  ctx.fill();
  return image(c);
}

// A duty nobody holds: a red ring with "!" and what is missing.
export function unstaffedIcon(text: string, color: string, ratio: number): IconImage {
  const { c, ctx, h } = taggedCanvas(
    text,
    { fill: 'rgba(40, 8, 10, 0.85)', border: color, text: '#ffd6d6', inset: 0.5 },
    ratio,
  );
  ctx.beginPath();
  ctx.arc(11, h / 2, 8, 0, Math.PI * 2);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#0a101a';
  ctx.stroke();
  ctx.fillStyle = '#0a101a';
  ctx.font = `800 12px ${font}`;
  ctx.textAlign = 'center';
  ctx.fillText('!', 11, h / 2 + 0.5);
  return image(c);
}

export const planIconOffset: [number, number] = [-11, 0];
