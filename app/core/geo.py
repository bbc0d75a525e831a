"""Geometry in one place: WGS-84 (EPSG:4326) points between Python, SQL and JSON.

Points are stored as PostGIS geometry(Point, 4326). Python reads and writes them as
(lon, lat) through shapely; SQL reads them with ST_X/ST_Y when a query returns rows,
not objects; bulk loads write EWKT.
"""
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import func

SRID = 4326


def point(lon: float, lat: float):
    """A value for a geometry column from WGS-84 degrees."""
    return from_shape(Point(lon, lat), srid=SRID)


def lonlat(geometry) -> tuple[float, float] | None:
    """(lon, lat) of a stored point (or of a centroid), None when there is none."""
    if geometry is None:
        return None
    shape = to_shape(geometry)
    return shape.x, shape.y


def lon_column(column, name="lon"):
    return func.ST_X(column).label(name)


def lat_column(column, name="lat"):
    return func.ST_Y(column).label(name)


def ewkt(lon: float, lat: float) -> str:
    """EWKT for bulk inserts and COPY; repr keeps every digit of the float."""
    return f"SRID={SRID};POINT({lon!r} {lat!r})"
