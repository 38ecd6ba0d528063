// What the views ask of the one shared map: pick a point (intake), show routes
// (recommendations), highlight an incident, move the camera.
import { reactive, shallowRef } from 'vue';
import type { HeatResult } from '../api/types';

export interface RouteLine {
  unit_id: number;
  callsign: string;
  coordinates: [number, number][];
}

export const mapState = reactive({
  // Intake: while true, a click on the map sets `picked` instead of opening features.
  picking: false,
  picked: null as { lon: number; lat: number } | null,
  selectedIncidentId: null as number | null,
  routes: [] as RouteLine[],
  selectedRouteUnitId: null as number | null,
  // Camera requests; `seq` changes on each request so the same target can be asked twice.
  focus: null as { lon: number; lat: number; zoom?: number; seq: number } | null,
  fitRoutesSeq: 0,
  // The command view is shown: its filters (store/filters.ts) select the incidents drawn, and
  // its heat layer may show.
  commandView: false,
  // Camera request: frame one jurisdiction (by id).
  fitJurisdiction: null as { id: string; seq: number } | null,
});

// The heat layer's points, or null when the layer is off. Large: kept out of deep reactivity.
export const heat = shallowRef<HeatResult | null>(null);

export function frameJurisdiction(id: string): void {
  mapState.fitJurisdiction = { id, seq: ++focusSeq };
}

let focusSeq = 0;
export function focusOn(lon: number, lat: number, zoom?: number): void {
  mapState.focus = { lon, lat, zoom, seq: ++focusSeq };
}
