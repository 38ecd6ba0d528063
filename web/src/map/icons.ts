// Map icons drawn on a canvas at run time: the style has no sprite and no glyphs, so nothing is
// fetched, and labels (call signs, incident numbers) are drawn into the icon itself with the
// system's own fonts.
import { priorityColor, unitStatusColor } from '../colors';

export interface IconImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export const font = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", sans-serif';

export function canvas(width: number, height: number, ratio: number) {
  const c = document.createElement('canvas');
  c.width = Math.ceil(width * ratio);
  c.height = Math.ceil(height * ratio);
  const ctx = c.getContext('2d')!;
  ctx.scale(ratio, ratio);
  return { c, ctx };
}

export function image(c: HTMLCanvasElement): IconImage {
  const ctx = c.getContext('2d')!;
  const d = ctx.getImageData(0, 0, c.width, c.height);
  return { width: c.width, height: c.height, data: d.data };
}

// The shape tells the mode: car ■, motorcycle ◆, foot ●, bicycle ▲.
function modeShape(ctx: CanvasRenderingContext2D, mode: string, x: number, y: number, r: number) {
  ctx.beginPath();
  switch (mode) {
    case 'car':
      ctx.roundRect(x - r, y - r, 2 * r, 2 * r, 2.5);
      break;
    case 'motorcycle':
      ctx.moveTo(x, y - r - 1.5);
      ctx.lineTo(x + r + 1.5, y);
      ctx.lineTo(x, y + r + 1.5);
      ctx.lineTo(x - r - 1.5, y);
      ctx.closePath();
      break;
    case 'bicycle':
      ctx.moveTo(x, y - r - 1.5);
      ctx.lineTo(x + r + 1, y + r);
      ctx.lineTo(x - r - 1, y + r);
      ctx.closePath();
      break;
    default:
      ctx.arc(x, y, r, 0, Math.PI * 2);
  }
}

export interface TagStyle {
  fill: string; // behind the text
  border: string;
  text: string;
  dash?: number[]; // a dashed border
  inset?: number; // 0.5 puts the 1 px border on whole pixels
}

// A 22 px high icon with `text` on a tag beside a marker whose centre is at (11, h / 2); the
// caller draws the marker on the returned context.
export function taggedCanvas(text: string, tag: TagStyle, ratio: number) {
  const probe = canvas(1, 1, 1).ctx;
  probe.font = `600 12px ${font}`;
  const textW = Math.ceil(probe.measureText(text).width);
  const h = 22;
  const w = 22 + textW + 10;
  const { c, ctx } = canvas(w, h, ratio);
  const inset = tag.inset ?? 0;
  ctx.fillStyle = tag.fill;
  ctx.strokeStyle = tag.border;
  ctx.lineWidth = 1;
  ctx.setLineDash(tag.dash ?? []);
  ctx.beginPath();
  ctx.roundRect(9 + inset, 3 + inset, w - 10 - 2 * inset, h - 6 - 2 * inset, 3);
  ctx.fill();
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = tag.text;
  ctx.font = `600 12px ${font}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 22, h / 2 + 0.5);
  return { c, ctx, h };
}

// A unit: status-coloured shape by mode, and its call sign on a dark tag beside it.
export function unitIcon(callsign: string, mode: string, status: string, ratio: number): IconImage {
  const color = unitStatusColor[status] ?? '#999';
  const { c, ctx, h } = taggedCanvas(
    callsign,
    { fill: 'rgba(10, 16, 26, 0.82)', border: color, text: '#e8eef5' },
    ratio,
  );
  // The marker itself.
  modeShape(ctx, mode, 11, h / 2, 7);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#0a101a';
  ctx.stroke();
  return image(c);
}

// An incident: a pin in the priority's colour with the priority number, and a tag with the
// incident number and category. The pin's tip is the image's bottom-centre of the pin part.
export function incidentIcon(id: number, priority: number, label: string, ratio: number): IconImage {
  const text = `${id} ${label}`;
  const probe = canvas(1, 1, 1).ctx;
  probe.font = `600 12px ${font}`;
  const textW = Math.ceil(probe.measureText(text).width);
  const pinW = 24;
  const h = 32;
  const w = pinW + textW + 12;
  const { c, ctx } = canvas(w, h, ratio);
  const color = priorityColor[priority] ?? '#999';
  // Tag.
  ctx.fillStyle = 'rgba(10, 16, 26, 0.86)';
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.roundRect(pinW - 4, 3, textW + 14, 18, 3);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = '#ffffff';
  ctx.font = `600 12px ${font}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, pinW + 4, 12.5);
  // Pin: circle with a pointed bottom at (12, 31).
  const cx = 12;
  const cy = 11;
  const r = 10;
  ctx.beginPath();
  ctx.arc(cx, cy, r, Math.PI * 0.75, Math.PI * 2.25);
  ctx.lineTo(cx, h - 1);
  ctx.closePath();
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#0a101a';
  ctx.stroke();
  ctx.fillStyle = '#0a101a';
  ctx.font = `800 13px ${font}`;
  ctx.textAlign = 'center';
  ctx.fillText(String(priority), cx, cy + 1);
  return image(c);
}

// The anchor offset that puts the pin's tip (x = 12, y = 31 of the icon) on the point, for
// `icon-anchor: bottom-left` (offset in icon pixels).
export const incidentIconOffset: [number, number] = [-12, 1];
export const unitIconOffset: [number, number] = [-11, 0];
