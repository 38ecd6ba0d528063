// The operational picture the console shows: incidents, units, reference data and the live
// feed's state. Filled over HTTP once, then kept current from /api/live deltas (no polling).
// After a reconnect the feed does not replay what was missed, so the picture is reloaded.
import { computed, reactive, shallowRef } from 'vue';
import { api, notifyUnauthorized, storedSession, token } from '../api/client';
import type {
  Category,
  FeatureCollection,
  Incident,
  LiveMessage,
  MapInfo,
  Notice,
  RoadsInfo,
  Unit,
} from '../api/types';

export type LiveState = 'connecting' | 'live' | 'down';

export const ops = reactive({
  incidents: new Map<number, Incident>(),
  units: new Map<number, Unit>(),
  categories: [] as Category[],
  channels: [] as string[],
  roads: null as RoadsInfo | null,
  // The offline base map (vector tiles); null until asked, {loaded: false} without one.
  map: null as MapInfo | null,
  // A position older than this is not used for dispatch (GET /api/dispatch/rules).
  stalePositionS: 600,
  live: 'connecting' as LiveState,
  seq: 0,
  loaded: false,
  now: Date.now(),
  // Bumped on every change, so the map redraws its sources once per change, not per field.
  incidentsVersion: 0,
  unitsVersion: 0,
  // How far back the picture holds every incident (ms before now; open ones are always held),
  // and whether that history was cut at historyCap incidents.
  historyMs: 24 * 3600 * 1000,
  historyTruncated: false,
});

// The most incidents fetched for the history (the heat layer is computed by the server and
// is not limited by this).
const historyCap = 5000;

// Large and never edited: kept out of Vue's deep reactivity.
export const jurisdictions = shallowRef<FeatureCollection | null>(null);
// The stations by name, for every station picker.
export const stations = computed(() =>
  (jurisdictions.value?.features ?? [])
    .filter((f) => f.properties.level === 'station')
    .map((f) => ({ id: f.properties.id, name: f.properties.name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN')),
);

// A jurisdiction's name by id (the id itself when unknown).
const names = computed(() => {
  const m = new Map<string, string>();
  for (const f of jurisdictions.value?.features ?? []) m.set(f.properties.id, f.properties.name);
  return m;
});
export function jurisdictionName(id: string | null | undefined): string {
  if (!id) return '';
  return names.value.get(id) || id;
}

type NoticeListener = (n: Notice) => void;
type IncidentListener = (i: Incident, before: Incident | undefined) => void;
const noticeListeners = new Set<NoticeListener>();
const incidentListeners = new Set<IncidentListener>();

export function onNotice(l: NoticeListener): () => void {
  noticeListeners.add(l);
  return () => noticeListeners.delete(l);
}

// Called with every incident the live feed reports changed (masked view, no timeline), and
// what the picture held before (undefined for a new incident).
export function onIncidentChanged(l: IncidentListener): () => void {
  incidentListeners.add(l);
  return () => incidentListeners.delete(l);
}

export function putIncident(i: Incident): void {
  const { timeline: _timeline, ...listed } = i;
  const old = ops.incidents.get(i.id);
  // A reply to our own write may be unmasked. The shared picture keeps only masked personal
  // data (what the live feed sends); until that arrives it keeps none.
  if (!i.personal_data_masked) {
    listed.caller_name = old?.caller_name ?? '';
    listed.caller_phone = old?.caller_phone ?? '';
    listed.personal_data_masked = true;
  }
  ops.incidents.set(i.id, listed as Incident);
  ops.incidentsVersion++;
}

function putUnit(u: Unit): void {
  ops.units.set(u.id, u);
  ops.unitsVersion++;
}

let clock: number | undefined;
let socket: WebSocket | null = null;
let retryTimer: number | undefined;
let retryDelay = 1000;
let stopped = true;
let loading = 0;
let buffered: LiveMessage[] = [];

export async function loadReference(): Promise<void> {
  const [cats, fc, roads, rules, map] = await Promise.all([
    api.categories(),
    api.jurisdictions(),
    api.roads().catch(() => ({ loaded: false }) as RoadsInfo),
    api.dispatchRules().catch(() => ({}) as { stale_position_s?: number }),
    // A server without the base map route (or without roads) draws no streets, nothing more.
    api.map().catch(() => ({ loaded: false }) as MapInfo),
  ]);
  ops.map = map;
  if (rules.stale_position_s) ops.stalePositionS = rules.stale_position_s;
  ops.categories = cats.categories;
  ops.channels = cats.channels;
  jurisdictions.value = fc;
  ops.roads = roads;
}

// Incidents received in [from, to), newest first, page by page up to `cap`.
async function listRange(
  from: string,
  to: string | undefined,
  cap: number,
): Promise<{ incidents: Incident[]; truncated: boolean }> {
  const out: Incident[] = [];
  let cursor: number | null = null;
  for (;;) {
    const q: Record<string, string | number> = { from, limit: 500 };
    if (to) q.to = to;
    if (cursor != null) q.cursor = cursor;
    const page = await api.listIncidents(q);
    out.push(...page.incidents);
    cursor = page.next_cursor;
    if (cursor == null) return { incidents: out, truncated: false };
    if (out.length >= cap) return { incidents: out, truncated: true };
  }
}

// While a load runs, deltas are held and applied afterwards, so an older HTTP answer never
// hides a newer delta.
function beginLoad(): void {
  loading++;
}
function endLoad(): void {
  loading--;
  if (loading > 0) return;
  const held = buffered;
  buffered = [];
  for (const m of held) apply(m);
}

// Loads units, open incidents and the incidents of the history window over HTTP.
async function loadPicture(): Promise<void> {
  beginLoad();
  try {
    const historyMs = ops.historyMs;
    const since = new Date(Date.now() - historyMs).toISOString();
    const [units, open, recent] = await Promise.all([
      api.units(),
      api.listIncidents({ open: true, limit: 500 }),
      listRange(since, undefined, historyCap),
    ]);
    ops.units.clear();
    for (const u of units.units) ops.units.set(u.id, u);
    ops.incidents.clear();
    for (const i of [...recent.incidents, ...open.incidents]) ops.incidents.set(i.id, i);
    loadedHistoryMs = historyMs;
    ops.historyTruncated = recent.truncated;
    ops.unitsVersion++;
    ops.incidentsVersion++;
    ops.loaded = true;
  } finally {
    endLoad();
  }
  // The window was widened while this load ran.
  if (ops.historyMs > loadedHistoryMs) void ensureHistory(ops.historyMs).catch(() => {});
}

// Makes the picture hold every incident of the last `ms` (the command view's time window):
// fetches only the part older than what is already held.
let loadedHistoryMs = 0;
let historyLoad: Promise<void> | null = null;
export async function ensureHistory(ms: number): Promise<void> {
  if (ms > ops.historyMs) ops.historyMs = ms;
  while (historyLoad) await historyLoad;
  if (!ops.loaded || loadedHistoryMs >= ops.historyMs || ops.historyTruncated) return;
  const want = ops.historyMs;
  const now = Date.now();
  const from = new Date(now - want).toISOString();
  const to = new Date(now - loadedHistoryMs).toISOString();
  historyLoad = (async () => {
    beginLoad();
    try {
      const older = await listRange(from, to, historyCap - ops.incidents.size);
      for (const i of older.incidents) if (!ops.incidents.has(i.id)) ops.incidents.set(i.id, i);
      loadedHistoryMs = want;
      ops.historyTruncated = older.truncated;
      ops.incidentsVersion++;
    } finally {
      endLoad();
      historyLoad = null;
    }
  })();
  await historyLoad;
}

function apply(m: LiveMessage): void {
  if (m.type === 'hello') return;
  if (loading > 0) {
    buffered.push(m);
    return;
  }
  if (m.seq) ops.seq = Math.max(ops.seq, m.seq);
  for (const u of m.units ?? []) putUnit(u);
  for (const i of m.incidents ?? []) {
    const before = ops.incidents.get(i.id);
    putIncident(i);
    for (const l of incidentListeners) l(i, before);
  }
  if (m.positions?.length) {
    for (const p of m.positions) {
      const u = ops.units.get(p.unit_id);
      if (u) u.position = { lon: p.lon, lat: p.lat, time: p.time };
    }
    ops.unitsVersion++;
  }
  for (const n of m.notices ?? []) for (const l of noticeListeners) l(n);
}

function connect(): void {
  if (stopped) return;
  if (!storedSession()) {
    // The session ran out while we were away: back to the login page.
    notifyUnauthorized();
    return;
  }
  ops.live = 'connecting';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}/api/live?access_token=${encodeURIComponent(token())}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onmessage = (ev) => {
    let m: LiveMessage;
    try {
      m = JSON.parse(String(ev.data)) as LiveMessage;
    } catch {
      return;
    }
    if (m.type === 'hello') {
      ops.live = 'live';
      retryDelay = 1000;
      ops.seq = m.seq;
      void loadPicture().catch(() => {});
      return;
    }
    apply(m);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    if (stopped) return;
    ops.live = 'down';
    retryTimer = window.setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  };
  ws.onerror = () => ws.close();
}

export async function startLive(): Promise<void> {
  if (!stopped) return;
  stopped = false;
  clock = window.setInterval(() => (ops.now = Date.now()), 1000);
  await loadReference();
  connect();
}

export function stopLive(): void {
  stopped = true;
  window.clearInterval(clock);
  window.clearTimeout(retryTimer);
  socket?.close();
  socket = null;
  ops.incidents.clear();
  ops.units.clear();
  ops.loaded = false;
  ops.live = 'connecting';
  ops.historyMs = 24 * 3600 * 1000;
  ops.historyTruncated = false;
  loadedHistoryMs = 0;
}
