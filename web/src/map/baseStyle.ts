// The offline base map: the server's vector tiles (GET /api/map, layers `roads` and `places`)
// drawn dark and calm for a screen watched all night. Streets are quiet blue-greys, the big
// roads a little warmer, so that units, incidents and routes stay the brightest things on the
// map. No glyphs URL and no sprite: MapLibre draws label text locally (TinySDF) with the
// machine's fonts, and place markers are circles.
import type {
  DataDrivenPropertyValueSpecification,
  ExpressionSpecification,
  LayerSpecification,
  SymbolLayerSpecification,
  VectorSourceSpecification,
} from 'maplibre-gl';
import type { MapInfo } from '../api/types';

export const baseSourceId = 'base';

// The font stack for map labels (the CSS families the browser draws with).
export const mapFont = ['Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', 'Source Han Sans SC', 'sans-serif'];
export const mapFontFamily = mapFont.map((f) => (f.includes(' ') ? `"${f}"` : f)).join(', ');

export const baseColors = {
  background: '#0d1520',
  casing: '#070b11',
  label: '#8ea0b5',
  labelMajor: '#a9b8c9',
  halo: '#0b121c',
};

type RoadGroup = 'major' | 'primary' | 'secondary' | 'tertiary' | 'minor' | 'service' | 'path';

const groupClasses: Record<RoadGroup, string[]> = {
  major: ['motorway', 'trunk'],
  primary: ['primary'],
  secondary: ['secondary'],
  tertiary: ['tertiary'],
  minor: ['unclassified', 'residential', 'living_street'],
  service: ['service', 'track'],
  path: ['pedestrian', 'footway', 'cycleway', 'path', 'steps'],
};

const groupColor: Record<RoadGroup, string> = {
  major: '#7a6642',
  primary: '#5a6a80',
  secondary: '#4d5b6f',
  tertiary: '#435063',
  minor: '#354152',
  service: '#2a3441',
  path: '#3a4656',
};

// Line width (px) at zoom 10, 13, 16 and 18.
const groupWidth: Record<RoadGroup, [number, number, number, number]> = {
  major: [1.4, 3, 9, 20],
  primary: [1, 2.4, 7.5, 17],
  secondary: [0.7, 1.9, 6.5, 15],
  tertiary: [0.5, 1.5, 5.5, 13],
  minor: [0.2, 0.7, 3.8, 10],
  service: [0, 0.3, 2, 5.5],
  path: [0, 0.3, 1.3, 2.5],
};

const drawOrder: RoadGroup[] = ['path', 'service', 'minor', 'tertiary', 'secondary', 'primary', 'major'];

function classIn(groups: RoadGroup[]): ExpressionSpecification {
  return ['in', ['get', 'class'], ['literal', groups.flatMap((g) => groupClasses[g])]];
}

function byClass(value: (g: RoadGroup) => number | string): ExpressionSpecification {
  const e: unknown[] = ['match', ['get', 'class']];
  for (const g of drawOrder) e.push(groupClasses[g], value(g));
  e.push(value('minor'));
  return e as ExpressionSpecification;
}

function width(extra: number): DataDrivenPropertyValueSpecification<number> {
  const stops = [10, 13, 16, 18];
  const e: unknown[] = ['interpolate', ['exponential', 1.5], ['zoom']];
  stops.forEach((z, k) => {
    e.push(z, byClass((g) => (groupWidth[g][k] > 0 ? groupWidth[g][k] + (k === 0 ? 0 : extra) : 0)));
  });
  return e as DataDrivenPropertyValueSpecification<number>;
}

// Place markers by kind: police in the console's accent blue, hospitals red, schools yellow...
export const placeKindColor: Record<string, string> = {
  police: '#4aa8ff',
  hospital: '#ff6b6b',
  school: '#e6c84f',
  mall: '#b58cff',
  market: '#e0a05a',
  night_market: '#ff9c5a',
  park: '#4fb477',
  nightlife: '#e07aa8',
  transport: '#5cc8d6',
  landmark: '#d8dee6',
  other: '#8a9aad',
};

function placeColor(): ExpressionSpecification {
  const e: unknown[] = ['match', ['get', 'kind']];
  for (const [k, c] of Object.entries(placeKindColor)) if (k !== 'other') e.push(k, c);
  e.push(placeKindColor.other);
  return e as ExpressionSpecification;
}

// The tiles URL must be absolute for MapLibre's worker. The server gives a path; it is resolved
// against the page, so the console works on its own origin, under `vite preview` (proxy) or
// under a prefix. `new URL` escapes the braces of the {z}/{x}/{y} template: they are put back.
export function tilesUrl(template: string): string {
  return new URL(template, window.location.href).href.replace(/%7B/gi, '{').replace(/%7D/gi, '}');
}

export function baseSource(info: MapInfo): VectorSourceSpecification {
  const src: VectorSourceSpecification = {
    type: 'vector',
    tiles: [tilesUrl(info.tiles ?? '/api/map/tiles/{z}/{x}/{y}.mvt')],
    minzoom: info.minzoom ?? 10,
    maxzoom: info.maxzoom ?? 16,
  };
  if (info.bounds) src.bounds = info.bounds;
  return src;
}

// The base map's layers, bottom to top. Inserted under the jurisdiction, heat, route, unit and
// incident layers.
export function baseLayers(): LayerSpecification[] {
  const layers: LayerSpecification[] = [];
  const src = { source: baseSourceId, 'source-layer': 'roads' } as const;
  layers.push({
    id: 'base-paths',
    type: 'line',
    ...src,
    minzoom: 14,
    filter: classIn(['path']),
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: {
      'line-color': groupColor.path,
      'line-width': width(0),
      'line-dasharray': [2, 1.5],
      'line-opacity': 0.8,
    },
  });
  // Casings under the fills of ordinary streets and up, from zoom 13, where there is room.
  layers.push({
    id: 'base-roads-casing',
    type: 'line',
    ...src,
    minzoom: 13,
    filter: classIn(['minor', 'tertiary', 'secondary', 'primary', 'major']),
    layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': byClass((g) => drawOrder.indexOf(g)) },
    paint: { 'line-color': baseColors.casing, 'line-width': width(1.6) },
  });
  layers.push({
    id: 'base-roads',
    type: 'line',
    ...src,
    filter: ['!', classIn(['path'])],
    layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': byClass((g) => drawOrder.indexOf(g)) },
    paint: { 'line-color': byClass((g) => groupColor[g]), 'line-width': width(0) },
  });
  const labelPaint = {
    'text-color': baseColors.label,
    'text-halo-color': baseColors.halo,
    'text-halo-width': 1.5,
  };
  const labelLayout = (sizes: [number, number, number, number]): SymbolLayerSpecification['layout'] => ({
    'symbol-placement': 'line',
    'text-field': ['get', 'name'],
    'text-font': mapFont,
    'text-size': ['interpolate', ['linear'], ['zoom'], sizes[0], sizes[1], sizes[2], sizes[3]],
    'text-max-angle': 30,
    'symbol-spacing': 280,
    'text-padding': 4,
  });
  layers.push({
    id: 'base-street-labels-minor',
    type: 'symbol',
    ...src,
    minzoom: 15,
    filter: ['all', ['has', 'name'], classIn(['minor', 'service', 'path'])],
    layout: labelLayout([15, 10.5, 18, 13]),
    paint: labelPaint,
  });
  layers.push({
    id: 'base-street-labels',
    type: 'symbol',
    ...src,
    minzoom: 13,
    filter: ['all', ['has', 'name'], classIn(['tertiary'])],
    layout: labelLayout([13, 10.5, 18, 14]),
    paint: labelPaint,
  });
  layers.push({
    id: 'base-street-labels-major',
    type: 'symbol',
    ...src,
    minzoom: 11,
    filter: ['all', ['has', 'name'], classIn(['secondary', 'primary', 'major'])],
    layout: labelLayout([11, 10.5, 18, 15]),
    paint: { ...labelPaint, 'text-color': baseColors.labelMajor },
  });
  const places = { source: baseSourceId, 'source-layer': 'places' } as const;
  layers.push({
    id: 'base-places',
    type: 'circle',
    ...places,
    minzoom: 13,
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 13, 2.5, 17, 5],
      'circle-color': placeColor(),
      'circle-opacity': 0.85,
      'circle-stroke-color': baseColors.background,
      'circle-stroke-width': 1,
    },
  });
  layers.push({
    id: 'base-place-labels',
    type: 'symbol',
    ...places,
    minzoom: 14,
    filter: ['has', 'name'],
    layout: {
      'text-field': ['get', 'name'],
      'text-font': mapFont,
      'text-size': ['interpolate', ['linear'], ['zoom'], 14, 11, 18, 13],
      'text-variable-anchor': ['left', 'right', 'top', 'bottom'],
      'text-radial-offset': 0.6,
      'text-justify': 'auto',
      'text-max-width': 8,
      'text-padding': 3,
    },
    paint: {
      'text-color': placeColor(),
      'text-halo-color': baseColors.halo,
      'text-halo-width': 1.5,
      'text-opacity': 0.9,
    },
  });
  return layers;
}
