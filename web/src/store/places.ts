// The places view's state (场所, GET /api/places and friends): the categories and their
// sub-kinds as the server declares them, the list's filters and page, the counts by category
// and station, and the campaigns. The map asks for its own box (components/PlacesMap.vue) with
// the same filters. Filters are kept for the browser session, as the other views' are.
import { reactive, watch } from 'vue';
import { api, token } from '../api/client';
import type { Campaign, CampaignDetail, Place, PlaceCategoryInfo, PlaceSummary } from '../api/types';
import { i18n } from '../i18n';
import { codeLabel, errorText } from '../format';

const g = i18n.global;
const filtersKey = 'pingan.placeFilters';

// The categories in the order docs/registry.md lists them (the server's order).
export const placeCategoryCodes = [
  'hazardous',
  'trade',
  'key_unit',
  'rental_housing',
  'nine_small',
  'enterprise',
  'key_project',
];

export interface PlaceFilters {
  category: string;
  subKind: string;
  station: string;
  q: string;
}

function savedFilters(): PlaceFilters {
  const base: PlaceFilters = { category: '', subKind: '', station: '', q: '' };
  try {
    const raw = sessionStorage.getItem(filtersKey);
    if (raw) return { ...base, ...(JSON.parse(raw) as Partial<PlaceFilters>) };
  } catch {
    // A damaged entry is forgotten.
  }
  return base;
}

export const placeFilters = reactive<PlaceFilters>(savedFilters());
watch(placeFilters, (f) => sessionStorage.setItem(filtersKey, JSON.stringify(f)), { deep: true });

export function resetPlaceFilters(): void {
  Object.assign(placeFilters, { category: '', subKind: '', station: '', q: '' });
}

// The filters as GET /api/places parameters (the map adds its box).
export function placeQuery(): Record<string, string> {
  return {
    category: placeFilters.category,
    sub_kind: placeFilters.category ? placeFilters.subKind : '',
    station_id: placeFilters.station,
    q: placeFilters.q.trim(),
  };
}

export const placeRef = reactive({
  categories: [] as PlaceCategoryInfo[],
  loaded: false,
  error: '',
});

export async function loadPlaceCategories(): Promise<void> {
  if (placeRef.loaded) return;
  try {
    placeRef.categories = (await api.placeCategories()).categories;
    placeRef.loaded = true;
    placeRef.error = '';
  } catch (e) {
    placeRef.error = errorText(e);
  }
}

export function placeCategoryLabel(code: string, fallback?: string | null): string {
  return codeLabel('placeCategory', code, fallback ?? placeRef.categories.find((c) => c.code === code)?.label);
}

export function subKindLabel(category: string, code: string, fallback?: string | null): string {
  if (!code) return '';
  const server = placeRef.categories.find((c) => c.code === category)?.sub_kinds.find((k) => k.code === code)?.label;
  return codeLabel(`placeSubKind.${category}`, code, fallback ?? server ?? code);
}

export function subKindsOf(category: string): string[] {
  return placeRef.categories.find((c) => c.code === category)?.sub_kinds.map((k) => k.code) ?? [];
}

// One page of the list.
export const placeList = reactive({
  places: [] as Place[],
  total: 0,
  page: 1,
  pageSize: 50,
  loading: false,
  error: '',
});

let listGeneration = 0;
export async function loadPlaces(): Promise<void> {
  const mine = ++listGeneration;
  placeList.loading = true;
  try {
    const page = await api.listPlaces({
      ...placeQuery(),
      limit: placeList.pageSize,
      offset: (placeList.page - 1) * placeList.pageSize,
    });
    if (mine !== listGeneration) return;
    placeList.places = page.places;
    placeList.total = page.total;
    placeList.error = '';
  } catch (e) {
    if (mine === listGeneration) placeList.error = errorText(e);
  } finally {
    if (mine === listGeneration) placeList.loading = false;
  }
}

// Counts by category and station, and the campaigns with the counts of the one shown.
export const placeCounts = reactive({
  summary: null as PlaceSummary | null,
  campaigns: [] as Campaign[],
  campaign: null as CampaignDetail | null,
  campaignId: null as number | null, // the campaign shown; null: the first active one
  error: '',
});

export async function loadPlaceCounts(): Promise<void> {
  try {
    const [summary, campaigns] = await Promise.all([api.placeSummary(), api.campaigns()]);
    placeCounts.summary = summary;
    placeCounts.campaigns = campaigns.campaigns;
    const list = campaigns.campaigns;
    const chosen =
      list.find((c) => c.id === placeCounts.campaignId) ?? list.find((c) => c.status === 'active') ?? list[0];
    placeCounts.campaign = chosen ? await api.campaign(chosen.id) : null;
    placeCounts.error = '';
  } catch (e) {
    placeCounts.error = errorText(e);
  }
}

export function campaignStatusLabel(status: string): string {
  return g.t(`places.campaignStatus.${status}`);
}

// Today in the district (China Standard Time), 'YYYY-MM-DD'.
export function districtToday(now = Date.now()): string {
  return new Date(now + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

// Photos are behind the login like everything else, so an <img> cannot fetch them itself: they
// are fetched with the session's token and shown from object URLs, kept for the page's life.
const photoUrls = new Map<string, Promise<string>>();
export function photoUrl(id: string): Promise<string> {
  let url = photoUrls.get(id);
  if (!url) {
    url = fetch(`/api/photos/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${token()}` } }).then(
      async (res) => {
        if (!res.ok) throw new Error(`${res.status}`);
        return URL.createObjectURL(await res.blob());
      },
    );
    url.catch(() => photoUrls.delete(id));
    photoUrls.set(id, url);
  }
  return url;
}
