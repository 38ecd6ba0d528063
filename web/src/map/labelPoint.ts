// One label point per jurisdiction. A symbol layer over the polygons themselves would name
// an area once per tile it touches; these points name it once, inside it, where it is widest.
import type { Feature, Point } from 'geojson';
import type { FeatureCollection } from '../api/types';

type Ring = [number, number][];

function ringArea(r: Ring): number {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] - r[i][0]) * (r[j][1] + r[i][1]);
  return Math.abs(a / 2);
}

// Where the polygon (outer ring and holes) is widest along a few horizontal lines: the middle
// of that widest inside stretch.
function widestPoint(rings: Ring[]): [number, number] | null {
  const outer = rings[0];
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const [, y] of outer) {
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  let best: [number, number] | null = null;
  let bestW = -1;
  const lines = 9;
  for (let k = 1; k <= lines; k++) {
    // Lines nearer the middle win ties: visit them first.
    const f = 0.5 + ((k % 2 === 0 ? 1 : -1) * Math.floor(k / 2)) / (lines + 1);
    const y = y0 + (y1 - y0) * f;
    const xs: number[] = [];
    for (const r of rings) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const [xa, ya] = r[j];
        const [xb, yb] = r[i];
        if (ya > y !== yb > y) xs.push(xa + ((y - ya) / (yb - ya)) * (xb - xa));
      }
    }
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const w = xs[i + 1] - xs[i];
      if (w > bestW * 1.15) {
        bestW = w;
        best = [(xs[i] + xs[i + 1]) / 2, y];
      }
    }
  }
  return best;
}

export function labelPoints(fc: FeatureCollection): Feature<Point>[] {
  const out: Feature<Point>[] = [];
  for (const f of fc.features) {
    const g = f.geometry;
    if (!g) continue;
    const polygons: Ring[][] =
      g.type === 'Polygon' ? [g.coordinates as Ring[]] : g.type === 'MultiPolygon' ? (g.coordinates as Ring[][]) : [];
    let largest: Ring[] | null = null;
    let area = -1;
    for (const p of polygons) {
      const a = p[0] ? ringArea(p[0]) : 0;
      if (a > area) {
        area = a;
        largest = p;
      }
    }
    const at = largest ? widestPoint(largest) : null;
    if (!at) continue;
    out.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: at },
      properties: { id: f.properties.id, name: f.properties.name, level: f.properties.level },
    });
  }
  return out;
}
