// Shapes of the HTTP API's JSON (docs/api.md, api/json_codec.cc). Times are ISO 8601 UTC.

export interface Session {
  token: string;
  username: string;
  role: string;
  display_name: string;
  station_id: string;
  expires_at: string;
}

export interface Assignment {
  unit_id: number;
  callsign: string;
  status: string;
  dispatched_at: string;
  en_route_at: string | null;
  on_scene_at: string | null;
  cleared_at: string | null;
  travel_time_s: number | null;
}

export interface Sla {
  name: string; // "dispatch" | "arrival"
  deadline: string;
  met_at: string | null;
  void: boolean;
  overdue: boolean;
  escalation_level: number;
}

export interface TimelineEntry {
  seq: number;
  at: string;
  actor: string;
  type: string; // "incident.received", "incident.dispatch", ...
  detail: Record<string, unknown>;
}

export interface Incident {
  id: number;
  status: string; // received | dispatched | on_scene | handling | closed | cancelled
  terminal: boolean;
  channel: string;
  category: string;
  category_label: string;
  subtype: string;
  subtype_label: string;
  priority: number; // 1 (most urgent) .. 4
  lon: number | null;
  lat: number | null;
  address: string;
  caller_name: string;
  caller_phone: string;
  personal_data_masked: boolean;
  narrative: string;
  station_id: string;
  post_id: string;
  grid_id: string;
  disposition: string;
  received_at: string;
  received_by: string;
  dispatched_at: string | null;
  on_scene_at: string | null;
  closed_at: string | null;
  response_time_s: number | null;
  handling_time_s: number | null;
  overdue: boolean;
  assignments: Assignment[];
  sla: Sla[];
  timeline?: TimelineEntry[];
}

export interface Position {
  lon: number;
  lat: number;
  time: string;
}

export interface Unit {
  id: number;
  callsign: string;
  force: string; // patrol | station | hq | guard | volunteer
  mode: string; // car | motorcycle | foot | bicycle
  station_id: string;
  members: string[];
  status: string; // off_duty | available | dispatched | en_route | on_scene | busy
  status_at: string;
  active_incident_id: number | null;
  position: Position | null;
  created_at: string;
}

export interface Subtype {
  code: string;
  label: string;
}

export interface Category {
  code: string;
  label: string;
  subtypes: Subtype[];
}

export interface Categories {
  categories: Category[];
  channels: string[];
}

export interface LineString {
  type: 'LineString';
  coordinates: [number, number][];
}

export interface Recommendation {
  unit_id: number;
  callsign: string;
  force: string;
  mode: string;
  eta_s: number;
  distance_m: number;
  straight_line_m: number;
  reason: string;
  detail: string;
  route: LineString;
}

export interface PassedOver {
  unit_id: number;
  callsign: string;
  reason: string;
  detail: string;
}

export interface Recommendations {
  recommendations: Recommendation[];
  passed_over: PassedOver[];
  units_needed: number;
  units_available: number;
  shortfall: number;
  units_not_ranked: number;
  scene_snap_distance_m: number;
  scene_off_road: boolean;
}

export interface JurisdictionProperties {
  id: string;
  parent_id: string | null;
  name: string;
  level: string; // bureau | station | post | grid
  area_m2: number;
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    properties: JurisdictionProperties;
    geometry: { type: string; coordinates: unknown } | null;
  }[];
}

export interface Located {
  bureau_id: string | null;
  station_id: string | null;
  post_id: string | null;
  grid_id: string | null;
  station_name: string | null;
  grid_name: string | null;
}

export interface RoadsInfo {
  loaded: boolean;
  nodes?: number;
  bounds?: [number, number, number, number];
}

// GET /api/map: the offline base map (vector tiles cut from the road network).
export interface MapInfo {
  loaded: boolean;
  bounds?: [number, number, number, number];
  center?: [number, number];
  tiles?: string; // "/api/map/tiles/{z}/{x}/{y}.mvt", relative to the server
  minzoom?: number;
  maxzoom?: number;
  attribution?: string; // where the road network comes from, in the server's words
}

// GET /api/map/search: streets and named places.
export interface PlaceResult {
  name: string;
  kind: string; // "street", "intersection" or a place kind: school, mall, hospital, police, ...
  lon: number;
  lat: number;
  station_id: string | null;
}

// GET /api/incidents/heat: [lon, lat, weight], weight in (0, 1], higher for more urgent.
export interface HeatResult {
  count: number;
  points: [number, number, number][];
}

// GET /api/risk: the forecast risk surface for a slot of hours (a model fitted on the incident
// history), as the hottest 150 m cells covering `top_percent` of the area, hottest first.
export interface RiskCellProps {
  risk: number; // expected incidents in this cell during the slot
  rank: number; // 1 = hottest cell of the district
  top_percent: number; // share of the area (%) of the cells as hot or hotter
}

export interface RiskResult {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    id: number;
    geometry: { type: 'Polygon'; coordinates: [number, number][][] };
    properties: RiskCellProps;
  }[];
  slot: { begin_hour: number; end_hour: number; label: string; from: string; to: string };
  expected_incidents: number; // district-wide, in the slot
  expected_in_features: number; // in the cells returned
  hours: number[]; // 24: expected incidents district-wide in each hour of the coming day
  history: number; // incidents the model learned from (0: no forecast possible)
  cell_m: number;
  model: string;
  category: string | null;
  built_at: string;
  top_percent: number;
}

// Patrol plans (GET /api/plans, GET /api/plans/{date}/{version}). Stop and duty times are ISO
// 8601 with the district's offset ("2026-11-23T07:30:00+08:00").
export interface PlanStats {
  units: number;
  covered_share: number; // mean over hours of the risk within reach of a post (risk plans)
  duty_slots: number;
  duty_slots_held: number;
  revisit_misses: number;
  total_ms: number;
}

export interface PlanSummary {
  id: string; // "2026-11-23/v2"
  date: string;
  version: number;
  kind: 'risk' | 'uniform';
  status: 'draft' | 'published' | 'superseded';
  created_at: string;
  created_by: string;
  published_at: string | null;
  published_by: string | null;
  superseded_at: string | null;
  superseded_by: number | null;
  stats: PlanStats;
}

export interface PlanList {
  date: string;
  published: string | null; // the id of the published version
  versions: PlanSummary[];
  unreadable: { file: string; error: string }[];
}

export interface PlanStop {
  from: string;
  to: string;
  lon: number;
  lat: number;
  duty: string; // the fixed duty held here (its id), '' on patrol
  cell: number;
}

export interface PlanUnit {
  unit_id: number;
  callsign: string;
  mode: string;
  station_id: string;
  shift: { begin_hour: number; end_hour: number };
  stops: PlanStop[];
}

export interface PlanDuty {
  duty: string; // "school_post:实验小学@07:30"
  kind: string; // "school_post" (护学岗) | "key_area" (重点区域) | …
  place: string;
  lon: number;
  lat: number;
  from: string;
  to: string;
  slot: number;
  callsign: string | null; // null: nobody could be given it
  unit_id: number | null;
}

export interface PlanResult extends PlanSummary {
  from: string;
  to: string;
  units: PlanUnit[];
  duties: PlanDuty[];
}

export interface Notice {
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export type LiveMessage =
  | { type: 'hello'; seq: number }
  | {
      type: 'delta' | 'positions';
      seq: number;
      incidents: Incident[];
      units: Unit[];
      notices: Notice[];
      positions: ({ unit_id: number } & Position)[];
    };

export interface ApiErrorBody {
  error: string;
  field?: string;
  message?: string;
}

// Case workflows (GET /api/cases, /api/cases/{id}; api/case_routes.cc): callbacks (回访),
// rectification orders (警情交办单), 接诉即办 requests, fund warnings (预警劝阻), hazards, disputes.
export interface CaseSla {
  name: string; // "answer", "reply", "sign_off", "first_response", "handled", "contact", …
  deadline: string;
  met_at: string | null;
  is_void: boolean;
  overdue: boolean;
  escalation_level: number;
}

export interface CaseActionSpec {
  action: string;
  to: string; // the state it leads to (the same state for a note)
  required: { name: string; choices?: string[] }[];
}

export interface CaseTimelineEntry {
  at: string;
  actor: string;
  action: string; // "open", "escalate", or one of the kind's actions
  from: string;
  to: string;
  fields: Record<string, unknown>;
}

export interface CaseRecord {
  id: number;
  kind: string;
  kind_label: string; // zh-CN, from the server
  state: string;
  is_open: boolean;
  owner: string; // who is to act now: "station", "supervisor", "callback_clerk", …; '' when closed
  station_id: string;
  station_name: string | null;
  priority: number;
  incident_id: number; // 0: none
  parent_id: number; // 0: none
  opened_at: string;
  closed_at: string | null;
  location: { lon: number; lat: number } | null;
  overdue: boolean;
  next_deadline: string | null;
  slas: CaseSla[];
  fields: Record<string, unknown>; // personal data masked in lists
  actions: CaseActionSpec[];
  timeline?: CaseTimelineEntry[];
}

// One station's (or the district's) figures of a kind (GET /api/cases/summary). Rates are
// null when there is nothing to divide by.
export interface CaseTally {
  opened: number;
  closed: number;
  open: number;
  overdue: number;
  on_time: number;
  closure_rate: number | null;
  on_time_rate: number | null;
  // Callbacks only.
  answered?: number;
  satisfied?: number;
  basically_satisfied?: number;
  dissatisfied?: number;
  unreachable?: number;
  satisfaction_rate?: number | null;
  meets_target?: boolean | null;
}

export interface CaseSummary {
  kind: string;
  from: string | null;
  to: string | null;
  target?: number; // callbacks: 0.9
  total: CaseTally;
  stations: (CaseTally & { station_id: string; station_name: string | null })[];
}

// --- Places registry (docs/registry.md).
export interface PlaceSubKind {
  code: string;
  label: string;
}
export interface PlaceCategoryInfo {
  code: string;
  label: string;
  sub_kinds: PlaceSubKind[];
  other_sub_kinds_allowed: boolean;
  needs_officer: boolean;
}
export interface PlaceCategories {
  categories: PlaceCategoryInfo[];
  outreach_kinds: PlaceSubKind[];
}
export interface Place {
  id: number;
  external_id: string | null;
  name: string;
  category: string;
  category_label: string | null;
  sub_kind: string;
  sub_kind_label: string | null;
  address: string;
  lon: number | null;
  lat: number | null;
  station_id: string;
  grid_id: string;
  contact_name: string;
  contact_phone: string;
  personal_data: 'masked' | 'shown';
  officer: string;
  notes: string;
  created_at: string;
  updated_at: string;
}
export interface PlacePage {
  places: Place[];
  total: number;
  offset: number;
  limit: number;
  next_offset: number | null;
}
export interface PlaceTally {
  places: number;
  inspected_places: number;
  inspections: number;
  hazards_found: number;
  hazards_open: number;
  hazards_overdue: number;
  hazards_closed: number;
}
export interface PlaceSummary {
  total: PlaceTally;
  by_category: (PlaceTally & { category: string; label: string | null })[];
  by_station: (PlaceTally & { station_id: string })[];
  from?: string | null;
  to?: string | null;
}
export interface Campaign {
  id: number;
  name: string;
  categories: string[];
  stations: string[];
  from: string;
  to: string;
  status: 'upcoming' | 'active' | 'ended';
  notes: string;
  created_by: string;
  created_at: string;
}
export type CampaignDetail = Campaign & { counts: PlaceSummary };
export interface HazardCase {
  id: number;
  kind: string;
  state: string;
  station_id: string;
  priority: number;
  opened_at: string;
  rectify_by: string | null;
  is_overdue: boolean;
  closed_at: string | null;
}
export interface InspectionHazard {
  id: number;
  description: string;
  priority: number;
  photos: { id: string; url: string }[];
  case_id: number | null;
  case: HazardCase | null;
}
export interface InspectionRecord {
  id: number;
  place_id: number;
  campaign_id: number | null;
  date: string;
  inspector: string;
  result: 'ok' | 'hazards_found';
  notes: string;
  hazards: InspectionHazard[];
  created_by: string;
  created_at: string;
  case_errors?: { hazard_id: number; message: string }[];
}
export interface NewInspection {
  place_id: number;
  campaign_id?: number;
  date?: string;
  inspector?: string;
  result?: 'ok' | 'hazards_found';
  notes?: string;
  hazards: { description: string; priority: number; photos: string[] }[];
}
export interface NewCampaign {
  name: string;
  categories: string[];
  stations: string[];
  from: string;
  to: string;
  notes?: string;
}
export interface StoredPhoto {
  id: string;
  media_type: string;
  bytes: number;
  url: string;
}
