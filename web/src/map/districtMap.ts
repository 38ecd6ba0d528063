// One way to make a map of the district, for the command view and the places view: no rotation
// (north stays up for a dispatcher reading directions aloud), zoom buttons and a scale, Chinese
// labels in the machine's own CJK font (there is no glyphs server), and the roads' attribution.
import * as maplibregl from 'maplibre-gl';
import type { StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { mapFont } from './baseStyle';
import { ops } from '../store/ops';

maplibregl.setWorkerUrl(workerUrl);

export function createDistrictMap(container: HTMLElement, style: StyleSpecification): maplibregl.Map {
  const map = new maplibregl.Map({
    container,
    style,
    center: [116.397, 39.909],
    zoom: 12,
    attributionControl: false,
    maplibreLogo: false,
    dragRotate: false,
    pitchWithRotate: false,
    fadeDuration: 0,
    localIdeographFontFamily: mapFont.join(', '),
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  return map;
}

// Puts where the roads come from in the corner, replacing `previous`: the server's word
// (OpenStreetMap, or the demo's generated town) once it has said, else `fallback`. The text is
// fixed when the control is made, so a language switch calls this again with the control it
// returned.
export function setAttribution(
  map: maplibregl.Map,
  previous: maplibregl.AttributionControl | null,
  fallback: string,
): maplibregl.AttributionControl {
  if (previous) map.removeControl(previous);
  const text = ops.map?.loaded && ops.map.attribution ? ops.map.attribution : fallback;
  const control = new maplibregl.AttributionControl({ compact: true, customAttribution: text });
  map.addControl(control, 'bottom-right');
  return control;
}
