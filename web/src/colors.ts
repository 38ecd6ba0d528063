// One palette for map and lists, chosen to read on a dark screen at night.
export const priorityColor: Record<number, string> = {
  1: '#ff4d4f',
  2: '#ff9c2a',
  3: '#f5d547',
  4: '#8fa3b8',
};

export const unitStatusColor: Record<string, string> = {
  available: '#3ddc84',
  dispatched: '#ffb020',
  en_route: '#4aa8ff',
  on_scene: '#ff5c8a',
  busy: '#b58cff',
  off_duty: '#5d6b7a',
};

export const incidentStatusColor: Record<string, string> = {
  received: '#ff4d4f',
  dispatched: '#ffb020',
  on_scene: '#4aa8ff',
  handling: '#b58cff',
  closed: '#5d6b7a',
  cancelled: '#5d6b7a',
};

export const routeColor = '#4aa8ff';
export const routeSelectedColor = '#ffe066';

// The heat layer, by density: cool and quiet where little happens, hot where much (and urgent).
export const heatColors: [number, string][] = [
  [0.1, 'rgba(40, 90, 160, 0.35)'],
  [0.3, 'rgba(60, 150, 200, 0.55)'],
  [0.5, 'rgba(120, 200, 170, 0.7)'],
  [0.7, 'rgba(245, 213, 71, 0.8)'],
  [0.85, 'rgba(255, 140, 40, 0.85)'],
  [1, 'rgba(255, 77, 79, 0.9)'],
];

// The risk forecast layer, by the share of the district's area at least as hot as the cell
// (`top_percent` of GET /api/risk): a sequential ramp from purple to bright yellow on the dark
// map, so the hottest stand out, and more opaque the hotter (streets show through all).
export const riskClasses: { upTo: number; color: string; opacity: number }[] = [
  { upTo: 1, color: '#ffe45c', opacity: 0.72 },
  { upTo: 2.5, color: '#ff9d3a', opacity: 0.62 },
  { upTo: 5, color: '#f0524d', opacity: 0.52 },
  { upTo: 10, color: '#b13f9e', opacity: 0.42 },
];
// Its legend's hours: the chosen slot, the others.
export const riskSlotColor = '#ff9d3a';
export const riskOtherHourColor = '#3d5a80';

// The patrol plan layer: a unit's post by what it holds there, and duties nobody holds.
export const planPostColor: Record<string, string> = {
  patrol: '#3fd6c6',
  school_post: '#ffd54a',
  key_area: '#ff8fd1',
  duty: '#9ad0ff',
  unstaffed: '#ff4d4f',
};

// Places by category (the places view's map and chips): hazardous units red, trades amber, key
// units blue; rented homes, by far the most numerous, a calm green so they do not drown the rest.
export const placeCategoryColor: Record<string, string> = {
  hazardous: '#ff4d4f',
  trade: '#ffb020',
  key_unit: '#4aa8ff',
  rental_housing: '#6fbf73',
  nine_small: '#c08cff',
  enterprise: '#3fd6c6',
  key_project: '#ff8fd1',
};

// A hazard case by how it stands.
export const hazardStateColor: Record<string, string> = {
  open: '#ffb020',
  rectified: '#4aa8ff',
  closed: '#5d6b7a',
  overdue: '#ff4d4f',
};
