// The cases view's list (GET /api/cases) and its filters, and how a case's codes, fields and
// deadlines read. Cases do not come over the live feed: the list is asked again every
// refreshMs while the view is open, after each action, and when an incident closes (a closed
// incident opens a callback).
// The filters are kept for the browser session, as the command view's are.
import { reactive, watch } from 'vue';
import { api } from '../api/client';
import type { CaseRecord, CaseSla } from '../api/types';
import { i18n } from '../i18n';
import { codeLabel, duration, errorText, fullDateTime, shortDateTime } from '../format';
import { jurisdictionName } from './ops';

const g = i18n.global;

// The kinds the server declares (cases/case_kinds.cc), in the order of the view's tabs.
export const caseKinds = ['callback', 'rectification', 'request', 'fund_warning', 'hazard', 'dispute'];

// Each kind's states, in workflow order (the state filter offers those of the chosen kind).
export const caseStates: Record<string, string[]> = {
  callback: ['scheduled', 'sms_sent', 'phone_task', 'answered', 'unreachable', 'cancelled'],
  rectification: ['open', 'replied', 'closed'],
  request: ['received', 'assigned', 'responded', 'closed', 'rejected'],
  fund_warning: ['received', 'contacted', 'closed'],
  hazard: ['open', 'rectified', 'closed'],
  dispute: ['registered', 'mediating', 'resolved', 'referred'],
};

// Actions the system takes itself (the SMS gateway's texts): never offered as buttons.
export const systemActions = new Set(['send_sms', 'remind']);
// Actions only leaders and admins may take (the server answers 403 to anyone else).
export const leaderActions = new Set(['sign_off', 'send_back']);
export function mayTake(action: string, role: string | undefined): boolean {
  return !leaderActions.has(action) || role === 'leader' || role === 'admin';
}

// Fields kept out of the detail's list: tokens and internal references.
const hiddenFields = new Set(['open311_token']);
// The order the detail lists fields in: who and what first, then what was done (the server
// sends them by name); any other field after these.
const fieldOrder = [
  'tracking_no', 'type', 'topic', 'description', 'citizen_name', 'citizen_phone', 'citizen_email',
  'victim_name', 'victim_phone', 'fraud_type', 'amount_at_risk', 'source', 'party_names',
  'party_phones', 'incident_ids', 'reason', 'address', 'routed_by', 'routed_from', 'station_id',
  'send_at', 'to', 'sms_id', 'reminder_sms_id', 'link_code', 'satisfaction', 'text', 'via',
  'contact_method', 'outcome', 'amount_stopped', 'amount_frozen', 'amount_returned', 'reply',
  'verdict', 'response', 'result', 'rectification', 'inspector', 'mediator', 'agreement',
  'referred_to', 'note',
];
export function shownFields(fields: Record<string, unknown>): [string, unknown][] {
  const rank = (k: string) => {
    const i = fieldOrder.indexOf(k);
    return i < 0 ? fieldOrder.length : i;
  };
  return Object.entries(fields)
    .filter(([k, v]) => !hiddenFields.has(k) && v !== '' && v != null)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

// Optional fields an action's form offers beside the required ones.
export const optionalFields: Record<string, string[]> = {
  'fund_warning:record_outcome': ['amount_stopped', 'amount_frozen', 'amount_returned'],
  'rectification:sign_off': ['note'],
};
// Fields that hold an amount of money (yuan) and are sent as numbers.
export const amountFields = new Set(['amount_at_risk', 'amount_stopped', 'amount_frozen', 'amount_returned']);
// Fields written as a paragraph rather than a line.
export const longFields = new Set([
  'reply',
  'response',
  'note',
  'agreement',
  'rectification',
  'reason',
  'description',
  'text',
]);

export function kindLabel(kind: string, fallback?: string): string {
  return codeLabel('caseKind', kind, fallback);
}
export function kindShort(kind: string): string {
  return codeLabel('caseKindShort', kind, kindLabel(kind));
}
export function stateLabel(kind: string, state: string): string {
  return codeLabel(`caseState.${kind}`, state, state);
}
export function actionLabel(kind: string, action: string): string {
  return codeLabel(`caseAction.${kind}`, action, codeLabel('caseAction.common', action));
}
export function fieldLabel(name: string): string {
  return codeLabel('caseField', name);
}
export function choiceLabel(field: string, value: string): string {
  return codeLabel(`caseChoice.${field}`, value, value);
}
export function ownerLabel(owner: string): string {
  return owner ? codeLabel('caseOwner', owner) : '';
}
export function slaLabel(name: string): string {
  return codeLabel('caseSla', name);
}

const yuan = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' });

// A field's value as text: choices by their label, times, stations and amounts readable.
export function fieldValue(name: string, value: unknown): string {
  if (value == null || value === '') return '—';
  if (Array.isArray(value)) return value.map((v) => fieldValue(name, v)).join('、');
  if (typeof value === 'number') {
    if (amountFields.has(name)) return yuan.format(value);
    if (name.endsWith('_at') && value > 1e12) return fullDateTime(new Date(value).toISOString());
    return String(value);
  }
  if (typeof value === 'boolean') return g.t(value ? 'cases.yes' : 'cases.no');
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  if (name === 'station_id') return jurisdictionName(text);
  if (name === 'sla') return slaLabel(text);
  if (name === 'notify') return codeLabel('caseNotify', text);
  return choiceLabel(name, text);
}

// What a row says about the case in one line, by kind.
export function caseSummaryLine(c: CaseRecord): string {
  const f = c.fields;
  const text = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : '');
  const parts: string[] = [];
  switch (c.kind) {
    case 'callback':
      if (f.satisfaction != null) parts.push(choiceLabel('satisfaction', String(f.satisfaction)));
      if (text('to')) parts.push(g.t('cases.smsTo', { to: text('to') }));
      else if (c.state === 'scheduled' && typeof f.send_at === 'number')
        parts.push(g.t('cases.smsDue', { time: shortDateTime(new Date(f.send_at).toISOString()) }));
      break;
    case 'rectification':
      if (c.parent_id) parts.push(g.t('cases.fromCallback', { id: c.parent_id }));
      if (text('reply')) parts.push(text('reply'));
      break;
    case 'request':
      if (text('topic')) parts.push(choiceLabel('topic', text('topic')));
      if (text('description')) parts.push(text('description'));
      break;
    case 'fund_warning':
      if (text('fraud_type')) parts.push(text('fraud_type'));
      if (typeof f.amount_at_risk === 'number') parts.push(yuan.format(f.amount_at_risk));
      if (text('victim_name')) parts.push(text('victim_name'));
      if (text('outcome')) parts.push(choiceLabel('outcome', text('outcome')));
      break;
    default:
      for (const k of ['description', 'hazard', 'reason', 'agreement']) if (text(k)) parts.push(text(k));
  }
  if (parts.length === 0 && text('address')) parts.push(text('address'));
  return parts.join(' · ');
}

// "2 天 3 小时" beyond two days, "h:mm:ss" below.
function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 48 * 3600) return g.t('cases.days', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
  return duration(s);
}

export interface Countdown {
  text: string; // "剩 3:12:09", "已超时 0:41:10"
  time: string; // the span alone: "3:12:09", "0:41:10"
  is_overdue: boolean;
}

// The next deadline of an open case at `now` (browser clock), or null when none is pending.
export function countdown(c: CaseRecord, now: number): Countdown | null {
  if (!c.is_open || !c.next_deadline) return null;
  const left = (Date.parse(c.next_deadline) - now) / 1000;
  if (c.overdue || left < 0) {
    // Past a deadline: how long past the earliest one missed.
    const missed = c.slas.filter((s) => !s.met_at && !s.is_void).map((s) => Date.parse(s.deadline));
    const since = (now - Math.min(...missed, Date.parse(c.next_deadline))) / 1000;
    const time = span(since);
    return { text: g.t('cases.overdueBy', { time }), time, is_overdue: true };
  }
  const time = span(left);
  return { text: g.t('cases.left', { time }), time, is_overdue: false };
}

// A case's state chip: grey once closed, red when overdue, blue while the system has it (an SMS
// on its way), amber while a person must act.
export function stateColor(c: CaseRecord, now: number): string {
  if (!c.is_open) return '#5d6b7a';
  if (countdown(c, now)?.is_overdue) return '#ff4d4f';
  return c.owner === 'system' ? '#4aa8ff' : '#ffb020';
}

// One deadline in the detail: pending (counting down or overdue), met, or void.
export function slaText(s: CaseSla, now: number): { text: string; cls: string } {
  if (s.is_void) return { text: g.t('cases.slaVoid'), cls: 'met' };
  if (s.met_at) {
    const late = Date.parse(s.met_at) > Date.parse(s.deadline);
    return {
      text: g.t(late ? 'cases.slaMetLate' : 'cases.slaMet', { time: shortDateTime(s.met_at) }),
      cls: late ? 'met late' : 'met',
    };
  }
  const left = (Date.parse(s.deadline) - now) / 1000;
  if (s.overdue || left < 0) return { text: g.t('cases.overdueBy', { time: span(-left) }), cls: 'over' };
  return { text: g.t('cases.left', { time: span(left) }), cls: 'pending' };
}

// The list's filters.
interface CaseFilters {
  kind: string; // '' = all kinds
  state: string; // '' = all states (only with a kind)
  station: string; // '' = all stations
  open: boolean;
  overdue: boolean;
}
const key = 'pingan.caseFilters';
const defaults = (): CaseFilters => ({ kind: '', state: '', station: '', open: true, overdue: false });
function restore(): CaseFilters {
  try {
    const saved = JSON.parse(sessionStorage.getItem(key) ?? 'null') as Partial<CaseFilters> | null;
    const f = { ...defaults(), ...(saved ?? {}) };
    if (f.kind && !caseKinds.includes(f.kind)) f.kind = '';
    if (!f.kind || !caseStates[f.kind]?.includes(f.state)) f.state = '';
    return f;
  } catch {
    return defaults();
  }
}
export const caseFilters = reactive<CaseFilters>(restore());
watch(caseFilters, (f) => sessionStorage.setItem(key, JSON.stringify(f)), { deep: true });
export function resetCaseFilters(): void {
  Object.assign(caseFilters, defaults());
}

export const caseList = reactive({
  cases: [] as CaseRecord[],
  nextCursor: null as number | null,
  loading: false,
  error: '',
  loadedAt: 0,
});

const pageSize = 100;
const maxRefresh = 500; // the server's largest page

function query(): Record<string, string | number | boolean> {
  const q: Record<string, string | number | boolean> = {};
  if (caseFilters.kind) q.kind = caseFilters.kind;
  if (caseFilters.kind && caseFilters.state) q.state = caseFilters.state;
  if (caseFilters.station) q.station_id = caseFilters.station;
  if (caseFilters.open) q.open = true;
  if (caseFilters.overdue) q.overdue = true;
  return q;
}

// Asks for the list again: as many rows as are shown (at least a page), so a refresh never
// shortens a list the user has scrolled through. An answer to older filters is dropped.
let generation = 0;
export async function loadCases(): Promise<void> {
  const mine = ++generation;
  caseList.loading = true;
  try {
    const limit = Math.min(maxRefresh, Math.max(pageSize, caseList.cases.length));
    const page = await api.listCases({ ...query(), limit });
    if (mine !== generation) return;
    caseList.cases = page.cases;
    caseList.nextCursor = page.next_cursor;
    caseList.error = '';
    caseList.loadedAt = Date.now();
  } catch (e) {
    if (mine === generation) caseList.error = errorText(e);
  } finally {
    if (mine === generation) caseList.loading = false;
  }
}

export async function loadMoreCases(): Promise<void> {
  if (caseList.nextCursor == null) return;
  const mine = generation;
  caseList.loading = true;
  try {
    const page = await api.listCases({ ...query(), limit: pageSize, cursor: caseList.nextCursor });
    if (mine !== generation) return;
    const known = new Set(caseList.cases.map((c) => c.id));
    caseList.cases.push(...page.cases.filter((c) => !known.has(c.id)));
    caseList.nextCursor = page.next_cursor;
  } catch (e) {
    caseList.error = errorText(e);
  } finally {
    caseList.loading = false;
  }
}

// A case changed here (an action's answer, masked as the list is): the row shows it at once.
export function putCase(c: CaseRecord): void {
  const { timeline: _timeline, ...row } = c;
  const i = caseList.cases.findIndex((x) => x.id === c.id);
  if (i >= 0) caseList.cases[i] = row;
}

// The filters changed: a fresh first page (the rows held would not match).
export function reloadCases(): Promise<void> {
  caseList.cases = [];
  caseList.nextCursor = null;
  return loadCases();
}
