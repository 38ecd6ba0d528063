// A thin fetch wrapper for the Pingan HTTP API: Bearer token from the session, JSON in and
// out, and errors as ApiError carrying the server's {error, field, message}.
import type {
  ApiErrorBody,
  CaseRecord,
  CaseSummary,
  Campaign,
  CampaignDetail,
  Categories,
  FeatureCollection,
  InspectionRecord,
  NewCampaign,
  NewInspection,
  Place,
  PlaceCategories,
  PlacePage,
  PlaceSummary,
  StoredPhoto,
  Incident,
  HeatResult,
  Located,
  MapInfo,
  PlaceResult,
  PlanList,
  PlanResult,
  Recommendations,
  RiskResult,
  RoadsInfo,
  Session,
  TimelineEntry,
  Unit,
} from './types';

const tokenKey = 'pingan.session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string, // "conflict", "unauthorized", ... or "network"
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

// Called when the server says the token is no longer valid (401 on an authenticated call).
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export function notifyUnauthorized(): void {
  onUnauthorized();
}

export function storedSession(): Session | null {
  const raw = sessionStorage.getItem(tokenKey);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    if (Date.parse(s.expires_at) <= Date.now()) return null;
    return s;
  } catch {
    return null;
  }
}

export function clearSession(): void {
  sessionStorage.removeItem(tokenKey);
}

export function token(): string {
  return storedSession()?.token ?? '';
}

// A Blob body (a photo) goes as it is, with its own type; anything else as JSON.
async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  const raw = body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', undefined, String(e));
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = (data ?? {}) as ApiErrorBody;
    if (res.status === 401 && t) onUnauthorized();
    throw new ApiError(res.status, err.error ?? 'http', err.field, err.message ?? res.statusText);
  }
  return data as T;
}

export async function login(username: string, password: string): Promise<Session> {
  const s = await request<Session>('POST', '/api/session', { username, password });
  sessionStorage.setItem(tokenKey, JSON.stringify(s));
  return s;
}

export async function logout(): Promise<void> {
  try {
    await request('DELETE', '/api/session');
  } finally {
    clearSession();
  }
}

export interface NewIncident {
  category: string;
  subtype?: string;
  priority: number;
  channel?: string;
  lon?: number;
  lat?: number;
  address?: string;
  caller_name?: string;
  caller_phone?: string;
  narrative?: string;
}

export interface IncidentAction {
  action: string;
  unit_id?: number;
  disposition?: string;
  note?: string;
  station_id?: string;
}

export const api = {
  listIncidents: (query: Record<string, string | number | boolean>) =>
    request<{ incidents: Incident[]; next_cursor: number | null }>(
      'GET',
      `/api/incidents?${new URLSearchParams(
        Object.entries(query).map(([k, v]) => [k, String(v)]),
      )}`,
    ),
  // Unmasked for roles that may see personal data; the server audits the read.
  getIncident: (id: number) => request<Incident>('GET', `/api/incidents/${id}`),
  // Masked and not audited: used to refresh the timeline when the live feed says it changed.
  getTimeline: (id: number) =>
    request<{ id: number; timeline: TimelineEntry[] }>('GET', `/api/incidents/${id}/timeline`),
  createIncident: (body: NewIncident) => request<Incident>('POST', '/api/incidents', body),
  act: (id: number, body: IncidentAction) =>
    request<Incident>('POST', `/api/incidents/${id}/actions`, body),
  recommendations: (id: number, k = 5) =>
    request<Recommendations>('GET', `/api/incidents/${id}/recommendations?k=${k}`),
  units: () => request<{ units: Unit[] }>('GET', '/api/units'),
  categories: () => request<Categories>('GET', '/api/categories'),
  jurisdictions: () => request<FeatureCollection>('GET', '/api/jurisdictions'),
  locate: (lon: number, lat: number) =>
    request<Located>('GET', `/api/jurisdictions/locate?lon=${lon}&lat=${lat}`),
  roads: () => request<RoadsInfo>('GET', '/api/roads'),
  map: () => request<MapInfo>('GET', '/api/map'),
  searchPlaces: (q: string, limit = 10) =>
    request<{ results: PlaceResult[] }>(
      'GET',
      `/api/map/search?${new URLSearchParams({ q, limit: String(limit) })}`,
    ),
  heat: (query: { from: string; to: string; category?: string; station_id?: string }) =>
    request<HeatResult>(
      'GET',
      `/api/incidents/heat?${new URLSearchParams(
        Object.entries(query).filter((e): e is [string, string] => !!e[1]),
      )}`,
    ),
  // slot: "20" or "20-22" (district hours, CST); category: '' for all.
  risk: (query: { slot: string; category?: string; top?: number }) =>
    request<RiskResult>(
      'GET',
      `/api/risk?${new URLSearchParams(
        Object.entries(query)
          .filter((e) => e[1] !== undefined && e[1] !== '')
          .map(([k, v]) => [k, String(v)]),
      )}`,
    ),
  // Patrol plans of a district day (YYYY-MM-DD, CST) and one version whole ("2026-11-23/v2").
  plans: (date: string) => request<PlanList>('GET', `/api/plans?date=${encodeURIComponent(date)}`),
  plan: (id: string) => request<PlanResult>('GET', `/api/plans/${id}`),
  // Cases, newest first; personal data masked in the list.
  listCases: (query: Record<string, string | number | boolean>) =>
    request<{ cases: CaseRecord[]; next_cursor: number | null }>(
      'GET',
      `/api/cases?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`,
    ),
  // With its timeline; unmasked for roles that may see personal data (the server audits it).
  getCase: (id: number) => request<CaseRecord>('GET', `/api/cases/${id}`),
  actOnCase: (id: number, action: string, fields: Record<string, unknown>) =>
    request<CaseRecord>('POST', `/api/cases/${id}/actions`, { action, fields }),
  // from/to: ISO 8601, cases opened in [from, to).
  caseSummary: (query: { kind: string; from?: string; to?: string }) =>
    request<CaseSummary>(
      'GET',
      `/api/cases/summary?${new URLSearchParams(
        Object.entries(query).filter((e): e is [string, string] => !!e[1]),
      )}`,
    ),
  // The places registry (docs/registry.md). Lists mask contacts; getPlace unmasks them for
  // roles that may see personal data (the server audits the read).
  placeCategories: () => request<PlaceCategories>('GET', '/api/places/categories'),
  listPlaces: (query: Record<string, string | number>) =>
    request<PlacePage>(
      'GET',
      `/api/places?${new URLSearchParams(
        Object.entries(query)
          .filter((e) => e[1] !== '' && e[1] !== undefined)
          .map(([k, v]) => [k, String(v)]),
      )}`,
    ),
  getPlace: (id: number) => request<Place>('GET', `/api/places/${id}`),
  placeInspections: (id: number, limit = 50) =>
    request<{ place_id: number; inspections: InspectionRecord[] }>('GET', `/api/places/${id}/inspections?limit=${limit}`),
  placeSummary: (query: { category?: string; station_id?: string; from?: string; to?: string } = {}) =>
    request<PlaceSummary>(
      'GET',
      `/api/places/summary?${new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1]))}`,
    ),
  campaigns: () => request<{ campaigns: Campaign[] }>('GET', '/api/campaigns'),
  campaign: (id: number) => request<CampaignDetail>('GET', `/api/campaigns/${id}`),
  createCampaign: (body: NewCampaign) => request<Campaign>('POST', '/api/campaigns', body),
  createInspection: (body: NewInspection) => request<InspectionRecord>('POST', '/api/inspections', body),
  uploadPhoto: (file: Blob) => request<StoredPhoto>('POST', '/api/photos', file),
  dispatchRules: () => request<{ stale_position_s?: number }>('GET', '/api/dispatch/rules'),
};
