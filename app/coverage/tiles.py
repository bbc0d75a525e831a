"""GET /tiles/<layer>/<z>/<x>/<y>.mvt: Mapbox vector tiles made by ST_AsMVT.

Layers: `points` (the points the user may see, with status and dormancy) and `villages`
(the villages of her coverage scope, with their coverage status).

Caching: a tile's ETag is a hash of the layer, the tile, the user's scope and the data
version (coverage_state, bumped by the triggers of migration 0006 on every change of
points or villages), so a revalidation answers 304 without touching the data. Tiles of
low zooms, which hold tens of thousands of points, are kept in a small in-process cache
under that same key; higher zooms are a few index probes and are made each time.
"""
import hashlib
import math
import re
import threading
from collections import OrderedDict

from flask import Blueprint, Response, request
from sqlalchemy import Integer, bindparam, cast, func, literal_column, select

from app.auth.scope import coverage_scope, describe, point_scope, require
from app.core.exceptions import InvalidField, NotFound, Unauthenticated
from app.core.clock import today
from app.coverage.models import coverage_state
from app.coverage.models import village_coverage as vc
from app.coverage.services import distance_setting, dormant_expr, dormant_setting, status_expr
from app.extensions import db
from app.models import FieldVisit, Region, ServicePoint

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

LAYERS = ("points", "villages")
MAX_ZOOM = 20
EXTENT, BUFFER = 4096, 64
CACHED_ZOOMS = 8           # tiles at zoom <= this are cached in process
CACHE_BYTES = 64 * 1024 * 1024  # per worker; a zoom-6 tile of a dense province is ~1 MB
MVT = "application/vnd.mapbox-vector-tile"

_cache: OrderedDict[str, bytes] = OrderedDict()
_cache_lock = threading.Lock()
_cache_size = 0


def tile_query(user, layer, z, x, y, distance_m=None, dormant_days=None, bounds=None):
    """The ST_AsMVT select for one tile of a layer, filtered by the user's scope. The
    bounding-box test (&&) in WGS-84 uses the geometry index; ST_AsMVTGeom clips and
    moves the rows to tile coordinates in Web Mercator. z, x, y (and the bounds) may be
    bind parameters, so the statement can be compiled once and run for every tile."""
    envelope = func.ST_TileEnvelope(z, x, y)
    bounds = func.ST_MakeEnvelope(*(bounds or lonlat_bounds(z, x, y)), 4326)
    if layer == "points":
        geom = func.ST_AsMVTGeom(func.ST_Transform(ServicePoint.location, 3857), envelope, EXTENT, BUFFER, True)
        rows = select(
            geom.label("geom"), ServicePoint.id, ServicePoint.name, ServicePoint.status,
            ServicePoint.bank_id, ServicePoint.village_code,
            # The head office, as the coverage figures' by-bank lines name it (a map filter).
            cast(func.split_part(ServicePoint.bank_path, "/", 2), Integer).label("head_bank_id"),
            dormant_expr(dormant_days).label("dormant"),
        ).where(ServicePoint.location.op("&&")(bounds), point_scope(user))
    else:
        geom = func.ST_AsMVTGeom(func.ST_Transform(Region.geom, 3857), envelope, EXTENT, BUFFER, True)
        rows = select(
            geom.label("geom"), Region.code, Region.name, Region.population,
            status_expr(distance_m).label("status"), vc.c.points_inside,
            func.round(vc.c.nearest_m).label("nearest_m"),
        ).join(vc, vc.c.village_code == Region.code).where(
            Region.level == "village", Region.geom.op("&&")(bounds), coverage_scope(user, Region.code))
    tile = rows.subquery("tile")
    return select(func.coalesce(
        func.ST_AsMVT(literal_column("tile"), layer, EXTENT, "geom"), literal_column("''::bytea")
    )).select_from(tile)


TILE_PARAMS = ("z", "x", "y", "west", "south", "east", "north")
_compiled: dict = {}


def compiled_tile_sql(user, layer, distance_m, dormant_days):
    """(SQL, fixed parameters) of a layer's tile query for this user's scope, compiled
    once per scope and setting: building and compiling the statement costs more than
    running it at high zooms. The data version comes back in the same round trip."""
    key = (layer, scope_key(user), distance_m, dormant_days, today())
    hit = _compiled.get(key)
    if hit is None:
        z, x, y, *bounds = (bindparam(name) for name in TILE_PARAMS)
        stmt = tile_query(user, layer, z, x, y, distance_m, dormant_days, bounds)
        stmt = stmt.add_columns(data_version())
        compiled = stmt.compile(dialect=db.engine.dialect)
        hit = str(compiled), {k: v for k, v in compiled.params.items() if k not in TILE_PARAMS}
        if len(_compiled) > 4096:  # scopes are few; a bound all the same
            _compiled.clear()
        _compiled[key] = hit
    return hit


def lonlat_bounds(z, x, y):
    """The tile plus its buffer in WGS-84 degrees, for the index test. Computed here, not
    by transforming ST_TileEnvelope's margin, which wraps past 180 degrees at the edge."""
    n, margin = 2 ** z, BUFFER / EXTENT

    def lon(tx):
        return max(-180.0, min(180.0, tx / n * 360.0 - 180.0))

    def lat(ty):
        ty = max(0.0, min(float(n), ty))
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))

    return lon(x - margin), lat(y + 1 + margin), lon(x + 1 + margin), lat(y - margin)


def parse(layer, z, x, y):
    """Validate a tile address: a known layer, a zoom in range, x and y on its grid."""
    if layer not in LAYERS:
        raise NotFound(f"无此图层 No such layer: {layer[:40]} (layers: {', '.join(LAYERS)})")
    values = {}
    for name, raw in (("z", z), ("x", x), ("y", y)):
        if not re.fullmatch(r"[0-9]{1,7}", raw):
            raise InvalidField(name, "应为非负整数 Expected a non-negative integer")
        values[name] = int(raw)
    if values["z"] > MAX_ZOOM:
        raise InvalidField("z", f"缩放级别应为0-{MAX_ZOOM} Zoom must be 0-{MAX_ZOOM}")
    size = 2 ** values["z"]
    for name in ("x", "y"):
        if values[name] >= size:
            raise InvalidField(name, f"超出第{values['z']}级瓦片范围 Outside the zoom-{values['z']} grid (0-{size - 1})")
    return values["z"], values["x"], values["y"]


def scope_key(user):
    """What the user's tiles depend on: her scope in words, and her organisation's region
    (a bank's staff see the villages of that region)."""
    return f"{describe(user)}|{user.org.region_code if user.org else ''}"


def data_version():
    """The version and time of the last change of points or villages (the time keeps
    versions unique even if the state row is ever emptied and the count starts again),
    and the last visit stored (a visit can make a village visits_only). The visits are
    read, not counted by a trigger, so field pushes never queue on one state row."""
    last_visit = select(func.coalesce(func.max(FieldVisit.seq), 0)).scalar_subquery()
    return select(func.concat(coverage_state.c.version, "@",
                              func.extract("epoch", coverage_state.c.changed_at), "/", last_visit)
                  ).scalar_subquery()


def etag(user, layer, z, x, y, distance_m, dormant_days, version):
    key = f"{layer}/{z}/{x}/{y}|{scope_key(user)}|{distance_m}|{dormant_days}|{version or 0}"
    return hashlib.sha1(key.encode()).hexdigest()


def tile(user, layer, z, x, y, if_none_match=()):
    """(ETag, bytes or None when the client's copy is current) for a tile request.

    A revalidation, or a low zoom (cached here), first reads the data version to know
    the tag; any other tile is made and tagged in one round trip."""
    require(user, "coverage.read")
    distance_m, dormant_days = distance_setting(), dormant_setting()
    cached = z <= CACHED_ZOOMS
    if cached or if_none_match:
        tag = etag(user, layer, z, x, y, distance_m, dormant_days, db.session.scalar(select(data_version())))
        if tag in if_none_match:
            return tag, None
        if cached:
            with _cache_lock:
                data = _cache.get(tag)
                if data is not None:
                    _cache.move_to_end(tag)
                    return tag, data
    sql, fixed = compiled_tile_sql(user, layer, distance_m, dormant_days)
    params = dict(zip(TILE_PARAMS, (z, x, y, *lonlat_bounds(z, x, y))), **fixed)
    # Planned with this tile's values (prepare=False): a generic plan for a bounding box
    # cannot know how many rows it holds.
    conn = db.session.connection().connection.driver_connection
    data, version = conn.execute(sql, params, prepare=False).fetchone()
    data = bytes(data or b"")
    tag = etag(user, layer, z, x, y, distance_m, dormant_days, version)
    if cached:
        _remember(tag, data)
    return tag, data


def _remember(tag, data):
    """Keep a low-zoom tile, dropping the least recently used beyond CACHE_BYTES."""
    global _cache_size
    with _cache_lock:
        if tag in _cache:
            return
        _cache[tag] = data
        _cache_size += len(data)
        while _cache_size > CACHE_BYTES and _cache:
            _, dropped = _cache.popitem(last=False)
            _cache_size -= len(dropped)


def bearer_user():
    """The signed-in user, as login_required resolves her, raised as a domain error so
    the answer is the API's JSON error shape outside /api too."""
    from app.auth.tokens import _bearer, resolve_token

    raw = _bearer()
    token = resolve_token(raw) if raw else None
    if token is None:
        raise Unauthenticated("请先登录 Sign-in required (missing, expired or revoked token)",
                              headers={"WWW-Authenticate": "Bearer"})
    return token.user


@bp.get("/<layer>/<z>/<x>/<path:y>")
def get_tile(layer, z, x, y):
    if not y.endswith(".mvt"):
        raise NotFound("瓦片地址应以.mvt结尾 Tile addresses end in .mvt")
    address = parse(layer, z, x, y[: -len(".mvt")])
    user = bearer_user()
    tag, data = tile(user, layer, *address, if_none_match=request.if_none_match)
    # Private: the tile depends on who asks. A minute fresh, then a cheap revalidation.
    headers = {"ETag": f'"{tag}"', "Cache-Control": "private, max-age=60", "Vary": "Authorization"}
    if data is None:
        return Response(status=304, headers=headers)
    return Response(data, status=200, mimetype=MVT, headers=headers)
