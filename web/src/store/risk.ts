// The risk forecast layer (GET /api/risk): which hours of the day it shows, and what the server
// answered. The command view chooses the slot (RiskControls.vue) and asks the server; the map
// draws the cells and the legend (map/OpsMap.vue). Hours are district hours: China Standard
// Time (UTC+8, no daylight saving), whatever the browser's own time zone.
import { reactive, shallowRef } from 'vue';
import type { RiskResult } from '../api/types';

// Shift slots offered as shortcuts: [begin, end) in district hours; end may pass midnight.
export interface RiskShortcut {
  key: 'morning' | 'evening' | 'nightlife' | 'night';
  begin: number;
  hours: number;
}
export const riskShortcuts: RiskShortcut[] = [
  { key: 'morning', begin: 7, hours: 2 }, // 早高峰 07–09
  { key: 'evening', begin: 17, hours: 2 }, // 晚高峰 17–19
  { key: 'nightlife', begin: 19, hours: 3 }, // 晚间 19–22
  { key: 'night', begin: 22, hours: 4 }, // 夜间 22–02
];

// The share of the district's area the console asks for (the hottest cells covering it).
export const riskTopPercent = 10;

export type RiskChoice = 'now' | 'hour' | RiskShortcut['key'];

export const riskState = reactive({
  // 'now': the current hour, moving on with the clock; 'hour': one hour picked on the slider;
  // else a shortcut's slot.
  choice: 'now' as RiskChoice,
  begin: districtHour(Date.now()),
  hours: 1,
  loading: false,
  error: '' as string, // the server's message (or the error code) when the last request failed
});

// The last answer for the slot and category asked, or null when the layer is off. Large: kept
// out of deep reactivity.
export const risk = shallowRef<RiskResult | null>(null);

// The district's hour of day (0..23) at `ms` since the epoch.
export function districtHour(ms: number): number {
  return Math.floor((ms / 3600000 + 8) % 24);
}

const pad = (h: number) => String(h % 24).padStart(2, '0');

// "07–09" for a slot.
export function slotRange(begin: number, hours: number): string {
  return `${pad(begin)}–${pad(begin + hours)}`;
}

// The `slot` query parameter: "20" for one hour, "22-2" for a range.
export function slotParam(begin = riskState.begin, hours = riskState.hours): string {
  return hours <= 1 ? String(begin) : `${begin}-${(begin + hours) % 24}`;
}

// Whether hour h (0..23) falls in [begin, begin + hours), across midnight too.
export function inSlot(h: number, begin = riskState.begin, hours = riskState.hours): boolean {
  return (h - begin + 24) % 24 < hours;
}

export function chooseNow(now = Date.now()): void {
  Object.assign(riskState, { choice: 'now', begin: districtHour(now), hours: 1 });
}

export function chooseHour(h: number): void {
  Object.assign(riskState, { choice: 'hour', begin: ((h % 24) + 24) % 24, hours: 1 });
}

export function chooseShortcut(s: RiskShortcut): void {
  Object.assign(riskState, { choice: s.key, begin: s.begin, hours: s.hours });
}
