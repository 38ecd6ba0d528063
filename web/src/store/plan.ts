// The published patrol plan of the district's day (GET /api/plans, docs/patrol.md): whether one
// exists, the plan itself, and what the map draws of it for an hour. The hour is the risk
// layer's (store/risk.ts): the plan follows its slider and shortcuts, "now" included, so both
// layers read together; with the risk layer off, the plan's own controls move the same hour.
// Times are district times: China Standard Time (UTC+8), whatever the browser's zone.
import { reactive, shallowRef } from 'vue';
import { api, ApiError } from '../api/client';
import type { PlanDuty, PlanResult } from '../api/types';
import { districtHour, riskState } from './risk';

const hourMs = 3600 * 1000;
const offsetMs = 8 * hourMs;
// How often the console asks whether another version was published.
const pollMs = 60 * 1000;

export const planState = reactive({
  date: '', // the district day asked about, YYYY-MM-DD
  published: '', // its published version's id ("2026-11-23/v2"), '' when none
  error: '', // the server's message when the last request failed
});

// A stop with its times parsed (ms since the epoch).
export interface TimedStop {
  from: number;
  to: number;
  lon: number;
  lat: number;
  duty: string;
}

export interface PreparedPlan {
  plan: PlanResult;
  dayStart: number; // the district day's 00:00, ms since the epoch
  stops: TimedStop[][]; // per unit of plan.units
  dutyKind: Map<string, string>; // duty id → kind
  unstaffed: PlanDuty[]; // duties nobody could be given, by start
}

// The published plan of today, or null when none is. Large: kept out of deep reactivity.
export const plan = shallowRef<PreparedPlan | null>(null);

// "2026-11-23": the district's date at `ms`.
export function districtDate(ms: number): string {
  return new Date(ms + offsetMs).toISOString().slice(0, 10);
}

// The hour the plan layer shows: the risk layer's first hour, or the current one for "now".
export function planHour(now: number): number {
  return riskState.choice === 'now' ? districtHour(now) : riskState.begin;
}

export function prepare(p: PlanResult): PreparedPlan {
  const dutyKind = new Map<string, string>();
  for (const d of p.duties) dutyKind.set(d.duty, d.kind);
  return {
    plan: p,
    dayStart: Date.parse(`${p.date}T00:00:00+08:00`),
    stops: p.units.map((u) =>
      u.stops.map((s) => ({ from: Date.parse(s.from), to: Date.parse(s.to), lon: s.lon, lat: s.lat, duty: s.duty })),
    ),
    dutyKind,
    unstaffed: p.duties.filter((d) => d.callsign === null).sort((a, b) => a.from.localeCompare(b.from)),
  };
}

export type PostKind = 'patrol' | 'school_post' | 'key_area' | 'duty';

// Where a unit stands in an hour: its post, and the loop it drives through the hour's stops.
export interface PlanPost {
  unitIndex: number;
  unitId: number;
  callsign: string;
  mode: string;
  lon: number;
  lat: number;
  from: number;
  to: number;
  kind: PostKind;
  place: string; // the duty's place, '' on patrol
  loop: [number, number][]; // the hour's stops in order (two or more to draw a line)
}

function postKind(kind: string | undefined): PostKind {
  if (!kind) return 'patrol';
  return kind === 'school_post' || kind === 'key_area' ? kind : 'duty';
}

// Each unit's post in the district hour `hour` of the plan's day: the duty it holds then if
// any, else, when `now` falls in the hour, the stop it is at or heading to, else the stop it
// spends longest at. Units with no stop in the hour have no post.
export function postsInHour(p: PreparedPlan, hour: number, now?: number): PlanPost[] {
  const begin = p.dayStart + hour * hourMs;
  const end = begin + hourMs;
  const live = now !== undefined && now >= begin && now < end;
  const posts: PlanPost[] = [];
  p.plan.units.forEach((u, k) => {
    const inHour = p.stops[k].filter((s) => s.to > begin && s.from < end);
    if (inHour.length === 0) return;
    const overlap = (s: TimedStop) => Math.min(s.to, end) - Math.max(s.from, begin);
    let post = inHour.find((s) => s.duty !== '');
    if (!post && live) post = inHour.find((s) => s.to > now!);
    if (!post) post = inHour.reduce((a, b) => (overlap(b) > overlap(a) ? b : a));
    const kind = post.duty ? postKind(p.dutyKind.get(post.duty)) : 'patrol';
    posts.push({
      unitIndex: k,
      unitId: u.unit_id,
      callsign: u.callsign,
      mode: u.mode,
      lon: post.lon,
      lat: post.lat,
      from: post.from,
      to: post.to,
      kind,
      place: post.duty ? dutyPlace(post.duty) : '',
      loop: inHour.map((s) => [s.lon, s.lat]),
    });
  });
  return posts;
}

// Unstaffed duties whose window touches the hour.
export function unstaffedInHour(p: PreparedPlan, hour: number): PlanDuty[] {
  const begin = p.dayStart + hour * hourMs;
  const end = begin + hourMs;
  return p.unstaffed.filter((d) => Date.parse(d.to) > begin && Date.parse(d.from) < end);
}

// "school_post:实验小学@07:30" → "实验小学".
export function dutyPlace(id: string): string {
  const colon = id.indexOf(':');
  const at = id.lastIndexOf('@');
  return colon >= 0 && at > colon ? id.slice(colon + 1, at) : id;
}

// "07:30" of an ISO time, in district time.
export function districtClock(iso: string | number): string {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  return new Date(ms + offsetMs).toISOString().slice(11, 16);
}

let seq = 0;
// Asks whether today has a published plan, and fetches it when that is a new version.
export async function refreshPlan(now = Date.now()): Promise<void> {
  const mine = ++seq;
  const date = districtDate(now);
  try {
    const list = await api.plans(date);
    if (mine !== seq) return;
    const id = list.published ?? '';
    if (!id) {
      plan.value = null;
    } else if (id !== planState.published || !plan.value) {
      const whole = await api.plan(id);
      if (mine !== seq) return;
      plan.value = prepare(whole);
    }
    Object.assign(planState, { date, published: id, error: '' });
  } catch (e) {
    if (mine !== seq) return;
    // What is drawn stays until a later answer says otherwise.
    planState.error = e instanceof ApiError ? e.message || e.code : String(e);
  }
}

let watchers = 0;
let timer: number | undefined;
// Keeps the plan current while something shows it (the command view); returns the stop.
export function watchPlan(): () => void {
  if (++watchers === 1) {
    void refreshPlan();
    timer = window.setInterval(() => void refreshPlan(), pollMs);
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (--watchers === 0) window.clearInterval(timer);
  };
}
