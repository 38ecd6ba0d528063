// Formatting of codes, times and durations through the message catalogues.
import { i18n } from './i18n';
import type { Incident, Sla } from './api/types';

const g = i18n.global;

// Translates an API code under `group` (e.g. "status", "reason"); unknown codes fall back to
// the server's label when one is given, else to the code itself.
export function codeLabel(group: string, code: string, fallback?: string): string {
  const key = `${group}.${code}`;
  if (code && g.te(key)) return g.t(key);
  return fallback || code;
}

export function categoryLabel(i: { category: string; category_label?: string }): string {
  return codeLabel('category', i.category, i.category_label);
}

export function subtypeLabel(i: { category: string; subtype: string; subtype_label?: string }): string {
  return codeLabel(`subtype.${i.category}`, i.subtype, i.subtype_label);
}

export function priorityShort(p: number): string {
  return g.t('priority.short', { n: p });
}

export function priorityLong(p: number): string {
  return codeLabel('priority.long', String(p));
}

const pad = (n: number) => String(n).padStart(2, '0');

// "18:49:07", local time.
export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// "11-23 18:49", local time.
export function shortDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// "2026-11-23 18:49:07", local time.
export function fullDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(iso)}`;
}

// A duration as "m:ss" below an hour, "h:mm:ss" above.
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

export function age(iso: string | null | undefined, now: number): string {
  if (!iso) return g.t('common.never');
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 60) return g.t('common.secondsAgo', { n: Math.floor(s) });
  if (s < 3600) return g.t('common.minutesAgo', { n: Math.floor(s / 60) });
  if (s < 86400) return g.t('common.hoursAgo', { n: Math.floor(s / 3600) });
  return g.t('common.daysAgo', { n: Math.floor(s / 86400) });
}

export function distance(m: number): string {
  return m >= 1000 ? g.t('common.km', { n: (m / 1000).toFixed(1) }) : g.t('common.m', { n: Math.round(m) });
}

export interface SlaState {
  sla: Sla;
  remaining_s: number; // negative when past the deadline
  is_overdue: boolean;
  is_pending: boolean;
  text: string;
}

// The state of one SLA at `now` (browser clock), as text for a dispatcher.
export function slaState(sla: Sla, now: number): SlaState {
  const name = codeLabel('sla', sla.name);
  const remaining_s = (Date.parse(sla.deadline) - now) / 1000;
  const is_pending = !sla.met_at && !sla.void;
  let is_overdue = sla.overdue;
  let text: string;
  if (is_pending) {
    is_overdue = is_overdue || remaining_s < 0;
    text = is_overdue
      ? g.t('sla.over', { name, time: duration(-remaining_s) })
      : g.t('sla.left', { name, time: duration(remaining_s) });
  } else {
    text = is_overdue ? g.t('sla.metLate', { name }) : g.t('sla.met', { name });
  }
  return { sla, remaining_s, is_overdue, is_pending, text };
}

// The SLA a dispatcher should look at now: the first one still pending, if any.
export function pendingSla(incident: Incident, now: number): SlaState | null {
  if (incident.terminal) return null;
  for (const s of incident.sla ?? []) {
    if (!s.met_at && !s.void) return slaState(s, now);
  }
  return null;
}

export function isOverdue(incident: Incident, now: number): boolean {
  if (incident.terminal) return false;
  if (incident.overdue) return true;
  return pendingSla(incident, now)?.is_overdue ?? false;
}

export function errorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const code = err?.code ?? 'http';
  const base = g.te(`errors.${code}`) ? g.t(`errors.${code}`) : g.t('errors.http');
  return err?.message ? g.t('errors.withDetail', { error: base, detail: err.message }) : base;
}
