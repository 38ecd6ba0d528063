// A printable QR poster for the 接诉即办 resident page, as SVG (uqr: pure JavaScript, no native
// code). The page's address depends on where the bureau serves Pingan, so it is given here:
//
//   node web/scripts/jiesu-qr.mjs https://pingan.example.gov.cn/jiesu/ > jiesu-qr.svg
//   node web/scripts/jiesu-qr.mjs URL OUT.svg [--title 莱山分局]
import { writeFileSync } from 'node:fs';
import { encode } from 'uqr';

const args = process.argv.slice(2);
const titleAt = args.indexOf('--title');
const title = titleAt >= 0 ? args.splice(titleAt, 2)[1] : '平安';
const [url, out] = args;
if (!url || !/^https?:\/\//.test(url)) {
  console.error('usage: jiesu-qr.mjs URL [OUT.svg] [--title NAME]   (URL of /jiesu/, http or https)');
  process.exit(2);
}

const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
// Level M survives a smudged or partly covered print; a 4-module quiet zone is the standard's.
const qr = encode(url, { ecc: 'M', border: 4 });
const cell = 8;
const side = qr.size * cell;
let path = '';
qr.data.forEach((row, y) =>
  row.forEach((dark, x) => {
    if (dark) path += `M${x * cell} ${y * cell}h${cell}v${cell}h-${cell}z`;
  }),
);
const width = Math.max(side, 460);
const left = (width - side) / 2;
const top = 96;
const height = top + side + 96;
const font = 'font-family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" text-anchor="middle"';
const svg = `<?xml version="1.0" encoding="utf-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="${width / 2}" y="44" ${font} font-size="30" font-weight="700" fill="#1d4f91">${escape(title)} · 接诉即办</text>
  <text x="${width / 2}" y="78" ${font} font-size="17" fill="#1f2d3d">扫码反映问题 · 咨询 投诉 建议 · 24 小时受理</text>
  <g transform="translate(${left} ${top})"><path d="${path}" fill="#000"/></g>
  <text x="${width / 2}" y="${top + side + 34}" ${font} font-size="16" fill="#c0392b">紧急情况请拨打 110</text>
  <text x="${width / 2}" y="${top + side + 64}" ${font} font-size="13" fill="#6b7785">${escape(url)}</text>
</svg>
`;
if (out) writeFileSync(out, svg);
else process.stdout.write(svg);
