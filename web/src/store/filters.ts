// The command view's filters: station, category, status and time window. They select the
// incidents in the list and on the map, and (station, category, window) the heat layer; the
// category also chooses what the risk forecast layer predicts (store/risk.ts).
// Kept for the browser session, so a dispatcher coming back from an incident finds them as left.
import { reactive, watch } from 'vue';
import type { Incident } from '../api/types';
import { isOverdue } from '../format';

export type StatusFilter =
  | 'open'
  | 'overdue'
  | 'received'
  | 'dispatched'
  | 'on_scene'
  | 'handling'
  | 'closed'
  | 'cancelled'
  | 'all';
export type TimeWindow = '24h' | '7d' | '30d';

export const statusFilters: StatusFilter[] = [
  'open',
  'overdue',
  'received',
  'dispatched',
  'on_scene',
  'handling',
  'closed',
  'cancelled',
  'all',
];
export const timeWindows: TimeWindow[] = ['24h', '7d', '30d'];
export const windowMs: Record<TimeWindow, number> = {
  '24h': 24 * 3600 * 1000,
  '7d': 7 * 24 * 3600 * 1000,
  '30d': 30 * 24 * 3600 * 1000,
};

interface Filters {
  station: string; // '' = all stations
  category: string; // '' = all categories
  status: StatusFilter;
  window: TimeWindow;
  heat: boolean; // the heat layer of the window
  risk: boolean; // the risk forecast layer (store/risk.ts)
  plan: boolean; // the published patrol plan layer (store/plan.ts), when there is one
}

const key = 'pingan.filters';
const defaults = (): Filters => ({
  station: '',
  category: '',
  status: 'open',
  window: '24h',
  heat: false,
  risk: false,
  plan: false,
});

function restore(): Filters {
  const f = defaults();
  try {
    const saved = JSON.parse(sessionStorage.getItem(key) ?? '{}') as Partial<Filters>;
    if (typeof saved.station === 'string') f.station = saved.station;
    if (typeof saved.category === 'string') f.category = saved.category;
    if (saved.status && statusFilters.includes(saved.status)) f.status = saved.status;
    if (saved.window && timeWindows.includes(saved.window)) f.window = saved.window;
    if (typeof saved.heat === 'boolean') f.heat = saved.heat;
    if (typeof saved.risk === 'boolean') f.risk = saved.risk;
    if (typeof saved.plan === 'boolean') f.plan = saved.plan;
  } catch {
    // A damaged entry is ignored.
  }
  return f;
}

export const filters = reactive<Filters>(restore());
watch(filters, (f) => sessionStorage.setItem(key, JSON.stringify(f)), { deep: true });

export function resetFilters(): void {
  // The layer switches are not filters: a reset keeps them.
  const { heat, risk, plan } = filters;
  Object.assign(filters, defaults(), { heat, risk, plan });
}

export function filtersActive(): boolean {
  return filters.station !== '' || filters.category !== '' || filters.status !== 'open' || filters.window !== '24h';
}

// Station and category: the filters the heat layer and the hourly chart follow too.
export function matchesPlace(i: Incident): boolean {
  return (!filters.station || i.station_id === filters.station) && (!filters.category || i.category === filters.category);
}

export function matchesStatus(i: Incident, now: number): boolean {
  switch (filters.status) {
    case 'all':
      return true;
    case 'open':
      return !i.terminal;
    case 'overdue':
      return isOverdue(i, now);
    default:
      return i.status === filters.status;
  }
}

export function windowStart(now: number): number {
  return now - windowMs[filters.window];
}

// All four filters: what the list shows and the map draws on the command view.
export function matches(i: Incident, now: number): boolean {
  return matchesPlace(i) && matchesStatus(i, now) && Date.parse(i.received_at) >= windowStart(now);
}
