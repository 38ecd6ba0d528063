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
