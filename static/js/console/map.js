// Small maps (maplibre-gl from static/vendor, loaded only when a map is drawn): points
// from the API as GeoJSON circles on a plain background. A raster basemap is drawn only
// when the server names one (/console/config.json, CONSOLE_BASEMAP_URL).
import { h } from './dom.js';
import { ct } from './strings.js';

const VENDOR = '/static/vendor/maplibre-gl';
let library = null;
let settings = null;

function load() {
  if (!document.querySelector('link[data-maplibre]')) {
    document.head.append(h('link', { rel: 'stylesheet', href: `${VENDOR}/maplibre-gl.css`, 'data-maplibre': 'true' }));
  }
  library ??= import(`${VENDOR}/maplibre-gl.mjs`);
  settings ??= fetch('/console/config.json').then((r) => r.json()).catch(() => ({}));
  return Promise.all([library, settings]);
}

/** The points of an API page as a GeoJSON FeatureCollection. */
export function toGeoJSON(points) {
  return {
    type: 'FeatureCollection',
    features: points.map((p) => ({
      type: 'Feature',
      id: p.id,
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
      properties: { id: p.id, name: p.name, status: p.status },
    })),
  };
}

function style(config) {
  const s = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0ea' } }],
  };
  if (config.basemap) {
    s.sources.basemap = { type: 'raster', tiles: [config.basemap], tileSize: 256, attribution: config.basemap_attribution || '' };
    s.layers.push({ id: 'basemap', type: 'raster', source: 'basemap' });
  }
  return s;
}

/** Draw `points` in `container`; resolves to the map (null when WebGL is missing).
 *  `onPick(id)` is called when a point is clicked. */
export async function pointsMap(container, points, { onPick, single = false } = {}) {
  container.classList.add('map');
  let maplibregl;
  let config;
  try {
    [maplibregl, config] = await load();
  } catch {
    container.replaceChildren(h('p', { class: 'muted' }, ct('map_unavailable')));
    return null;
  }
  const data = toGeoJSON(points);
  let map;
  try {
    map = new maplibregl.Map({
      container,
      style: style(config),
      center: points.length ? [points[0].lon, points[0].lat] : [116.4, 39.9],
      zoom: single ? 12 : 8,
      attributionControl: config.basemap ? {} : false,
      dragRotate: false,
      pitchWithRotate: false,
    });
  } catch {
    container.replaceChildren(h('p', { class: 'muted' }, ct('map_unavailable')));
    return null;
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  await new Promise((resolve) => map.once('load', resolve));
  map.addSource('points', { type: 'geojson', data });
  map.addLayer({
    id: 'points',
    type: 'circle',
    source: 'points',
    paint: {
      'circle-radius': single ? 8 : 6,
      'circle-color': ['match', ['get', 'status'], 'active', '#1e7b34', 'suspended', '#b7791f', '#6b6b6b'],
      'circle-stroke-color': '#fff',
      'circle-stroke-width': 1.5,
    },
  });
  if (points.length > 1) {
    const lons = points.map((p) => p.lon);
    const lats = points.map((p) => p.lat);
    map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]],
      { padding: 30, maxZoom: 13, animate: false });
  }
  if (onPick) {
    map.on('click', 'points', (e) => onPick(e.features[0].properties.id));
    map.on('mouseenter', 'points', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'points', () => { map.getCanvas().style.cursor = ''; });
  }
  container.dataset.ready = 'true';
  return map;
}

/** minlon,minlat,maxlon,maxlat of what the map shows, as the API's bbox. */
export function bboxOf(map) {
  const b = map.getBounds();
  const r = (x) => Math.round(x * 1e5) / 1e5;
  return [r(b.getWest()), r(b.getSouth()), r(b.getEast()), r(b.getNorth())].join(',');
}
