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

/** [maplibregl, config] for a map in `container`, or null (and a note in its place) when
 *  the library cannot load. */
async function loadInto(container) {
  container.classList.add('map');
  try {
    return await load();
  } catch {
    container.replaceChildren(h('p', { class: 'muted' }, ct('map_unavailable')));
    return null;
  }
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
  const loaded = await loadInto(container);
  if (!loaded) return null;
  const [maplibregl, config] = loaded;
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

// The coverage map: villages and points as vector tiles from /tiles (made for the
// signed-in user, so each request carries her bearer token), a legend's worth of
// colours, popups on click, and siting suggestions as numbered markers.
export const COVERAGE_COLOURS = {
  in_village: '#1e7b34', within_distance: '#8cc56f', visits_only: '#f2b233', uncovered: '#c62828',
};

function tileUrl(layer) {
  return `${location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt`;
}

function popupBody(props, layer) {
  if (layer === 'points') {
    return h('div', { class: 'map-popup' },
      h('strong', {}, props.name),
      h('div', {}, ct(`status_${props.status}`), props.dormant === true || props.dormant === 'true' ? ` · ${ct('cov_point_dormant')}` : ''),
      h('a', { href: `#points/${props.id}` }, ct('cov_open_point')));
  }
  return h('div', { class: 'map-popup' },
    h('strong', {}, props.name),
    h('div', {}, ct(`cov_status_${props.status}`)),
    h('div', { class: 'muted' }, `${ct('cov_population')} ${props.population ?? '—'}`),
    props.nearest_m !== undefined && props.nearest_m !== null
      ? h('div', { class: 'muted' }, ct('cov_nearest', { km: (Number(props.nearest_m) / 1000).toFixed(1) })) : null,
    // Drill down from the map: the figures of the village's township or county.
    props.code ? h('div', { class: 'popup-links' },
      h('a', { href: `#coverage?region=${String(props.code).slice(0, 9)}` }, ct('cov_drill_township')),
      ' · ',
      h('a', { href: `#coverage?region=${String(props.code).slice(0, 6)}` }, ct('cov_drill_county'))) : null);
}

/** The coverage map in `container`; `view` is {center, zoom} or {bounds}. Resolves to the
 *  map (null without WebGL). The container keeps the map as `container.map` (tests read
 *  the rendered features from it) and gets data-ready=true once the first tiles drew. */
export async function coverageMap(container, { token, view, onSignedOut }) {
  const loaded = await loadInto(container);
  if (!loaded) return null;
  const [maplibregl, config] = loaded;
  const s = style(config);
  s.sources.villages = { type: 'vector', tiles: [tileUrl('villages')], minzoom: 0, maxzoom: 16 };
  s.sources.points = { type: 'vector', tiles: [tileUrl('points')], minzoom: 0, maxzoom: 16 };
  s.sources.suggestions = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
  const statusColour = ['match', ['get', 'status'],
    'in_village', COVERAGE_COLOURS.in_village, 'within_distance', COVERAGE_COLOURS.within_distance,
    'visits_only', COVERAGE_COLOURS.visits_only,
    COVERAGE_COLOURS.uncovered];
  s.layers.push(
    { id: 'villages-fill', type: 'fill', source: 'villages', 'source-layer': 'villages',
      paint: { 'fill-color': statusColour, 'fill-opacity': 0.5 } },
    { id: 'villages-line', type: 'line', source: 'villages', 'source-layer': 'villages',
      paint: { 'line-color': '#555', 'line-width': 0.6 } },
    { id: 'villages-focus', type: 'line', source: 'villages', 'source-layer': 'villages',
      filter: ['==', ['get', 'code'], ''], paint: { 'line-color': '#1a3c8c', 'line-width': 3 } },
    { id: 'suggestions', type: 'circle', source: 'suggestions',
      paint: { 'circle-radius': 13, 'circle-color': '#6a1b9a', 'circle-opacity': 0.7,
        'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
    { id: 'points', type: 'circle', source: 'points', 'source-layer': 'points',
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 3, 12, 7],
        'circle-color': ['case', ['==', ['get', 'dormant'], true], '#9e9e9e',
          ['match', ['get', 'status'], 'active', '#0d47a1', 'suspended', '#b7791f', '#6b6b6b']],
        'circle-stroke-color': ['case', ['==', ['get', 'dormant'], true], '#000', '#fff'],
        'circle-stroke-width': ['case', ['==', ['get', 'dormant'], true], 2, 1.5],
      } },
  );
  let map;
  try {
    map = new maplibregl.Map({
      container,
      style: s,
      ...(view.bounds ? { bounds: view.bounds, fitBoundsOptions: { padding: 40, maxZoom: 11 } }
        : { center: view.center, zoom: view.zoom }),
      attributionControl: config.basemap ? {} : false,
      dragRotate: false,
      pitchWithRotate: false,
      transformRequest: (url) => (url.startsWith(`${location.origin}/tiles/`) && token
        ? { url, headers: { Authorization: `Bearer ${token}` } } : { url }),
    });
  } catch {
    container.replaceChildren(h('p', { class: 'muted' }, ct('map_unavailable')));
    return null;
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  container.map = map;
  // The router replaces the page on every hash change: free the map's WebGL context with it
  // (a browser keeps only a few), rather than one per region drilled into.
  const release = () => {
    if (container.isConnected) return;
    window.removeEventListener('hashchange', release);
    map.remove();
  };
  window.addEventListener('hashchange', release);
  // A tile answered 401: her session has expired or was revoked.
  map.on('error', (e) => { if (e.error && e.error.status === 401 && onSignedOut) onSignedOut(); });
  // Ready once the first tiles have drawn (idle may come in the same frame as load).
  map.once('idle', () => { container.dataset.ready = 'true'; });
  await new Promise((resolve) => map.once('load', resolve));
  for (const layer of ['points', 'villages-fill', 'suggestions']) {
    map.on('click', layer, (e) => {
      const f = e.features[0];
      if (layer === 'villages-fill' && map.queryRenderedFeatures(e.point, { layers: ['points', 'suggestions'] }).length) return;
      const body = layer === 'suggestions'
        ? h('div', { class: 'map-popup' }, h('strong', {}, f.properties.name), h('p', {}, f.properties.reason))
        : popupBody(f.properties, layer === 'points' ? 'points' : 'villages');
      new maplibregl.Popup({ maxWidth: '280px' }).setLngLat(e.lngLat).setDOMContent(body).addTo(map);
    });
    map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
  }
  return map;
}

/** Show only the villages of these statuses, the points of these kinds (active, dormant,
 *  suspended) and, when `bank` is given, of that bank (its head office id). */
export function setCoverageFilter(map, { statuses, points, bank = null }) {
  const filter = ['in', ['get', 'status'], ['literal', statuses]];
  map.setFilter('villages-fill', filter);
  map.setFilter('villages-line', filter);
  const kind = ['case', ['==', ['get', 'dormant'], true], 'dormant',
    ['==', ['get', 'status'], 'active'], 'active', 'suspended'];
  const pointFilter = ['all', ['in', kind, ['literal', points]]];
  if (bank !== null) pointFilter.push(['==', ['get', 'head_bank_id'], bank]);
  map.setFilter('points', pointFilter);
}

/** Fly to a village and outline it. */
export function focusVillage(map, code, center) {
  map.setFilter('villages-focus', ['==', ['get', 'code'], code]);
  map.flyTo({ center, zoom: Math.max(map.getZoom(), 12.5), essential: true });
}

/** The siting suggestions as numbered circles, the map fitted to them. */
export function showSuggestions(map, items) {
  map.getSource('suggestions').setData({
    type: 'FeatureCollection',
    features: items.map((s, i) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { rank: i + 1, code: s.village_code, name: `${i + 1}. ${s.village_name}`, reason: s.reason },
    })),
  });
  if (items.length > 1) {
    const lons = items.map((s) => s.lon);
    const lats = items.map((s) => s.lat);
    map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]],
      { padding: 90, maxZoom: 12 });
  } else if (items.length === 1) {
    map.flyTo({ center: [items[0].lon, items[0].lat], zoom: Math.max(map.getZoom(), 11) });
  }
}
