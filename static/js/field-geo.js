// Which pulled village holds a GPS fix: point-in-polygon on the phone, with no network.
// Boundaries arrive as GeoJSON MultiPolygons in WGS-84 (app/field/sync.py); at village
// scale a planar ray-casting test on longitude/latitude is exact enough.

function inRing(lon, lat, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** True when (lon, lat) lies in the polygon: in its outer ring, in none of its holes. */
function inPolygon(lon, lat, rings) {
  return inRing(lon, lat, rings[0]) && !rings.slice(1).some((hole) => inRing(lon, lat, hole));
}

export function contains(geometry, lon, lat) {
  if (!geometry) return false;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.some((rings) => inPolygon(lon, lat, rings));
}

/** The village whose boundary holds the fix; her assigned villages win a tie. */
export function villageAt(villages, lon, lat) {
  const hits = villages.filter((v) => contains(v.boundary, lon, lat));
  return hits.find((v) => v.assigned) || hits[0] || null;
}
