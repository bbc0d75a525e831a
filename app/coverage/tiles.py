"""GET /tiles/<layer>/<z>/<x>/<y>.mvt: Mapbox vector tiles made by ST_AsMVT.

Layers: `points` (the points the user may see, with status and dormancy) and `villages`
(the villages of her coverage scope, with their coverage status).

One round trip: a tile request sends one statement (TILE_STATEMENT) on an autocommit
pool of its own -- no pre-ping, no BEGIN or ROLLBACK -- which checks the bearer token
(the SQL function token_signed_in, resolve_token's rule, with the user's role and
organisation unchanged since her scope's statement was built), reads the data version,
makes the ETag and, unless the token is refused or the client holds that ETag, the tile.
A token's first tile is checked through the ORM as well (401, 403), which compiles the
statement of her scope; nothing about a token's validity is kept in memory, so a
revoked token, device or user, or an expired token, is refused on its next tile.

Caching: a tile's ETag is a hash of the layer, the tile, the user's scope and the data
version (coverage_state, bumped by the triggers of migration 0006 on every change of
points or villages), so a revalidation answers 304 without making the tile. Tiles of
low zooms, which hold tens of thousands of points, are kept in a small in-process cache
under that same key; higher zooms are a few index probes and are made each time.
"""
import math
import re
import threading
from collections import OrderedDict
from typing import NamedTuple

import psycopg
from flask import Blueprint, Response, current_app, request
from sqlalchemy import Integer, String, bindparam, cast, create_engine, func, literal_column, select
from sqlalchemy.exc import OperationalError

from app.auth.scope import coverage_scope, describe, point_scope, require
from app.auth.tokens import SignIn, still_signed_in
from app.core.exceptions import InvalidField, NotFound, Unauthenticated
from app.core.clock import today
from app.coverage.models import village_coverage as vc
from app.coverage.services import distance_setting, dormant_expr, dormant_setting, status_expr
from app.extensions import db
from app.models import Region, ServicePoint

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

LAYERS = ("points", "villages")
MAX_ZOOM = 20
EXTENT, BUFFER = 4096, 64
STORED_ZOOMS = 8           # tiles at zoom <= this are stored (coverage_tiles) and cached
CACHE_BYTES = 64 * 1024 * 1024  # per worker; a zoom-6 tile of the national scope is ~2 MB
# How long a stored low-zoom tile may still be served after the data it was made from
# changed: at zoom 8 and below one point is a pixel, and remaking a national tile after
# every edit would put a second in front of the map. Clients keep a tile 60 s anyway.
STALE_SECONDS = 300
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
# Per request: the sign-in's check (app.auth.tokens.still_signed_in), the tag's key, and
# the tags the client already holds.
REQUEST_PARAMS = TILE_PARAMS + ("tag_key", "known", "tag", "stale_seconds")
_compiled: dict = {}

# One statement answers a tile request: is the token still good for this scope, the
# tile's tag (the data version with the key), and the tile itself unless the token is
# not good or the client holds that tag already (a CASE runs its subquery only when
# taken). OFFSET 0 keeps the check and the version from being computed twice.
TILE_STATEMENT = """SELECT s.ok, {tag}, CASE WHEN s.ok AND NOT {tag} = ANY (%(known)s) THEN ({tile}) END
  FROM (SELECT {signed_in} AS ok, {version} AS version OFFSET 0) s"""
# Low zooms: the check, the tag, and the stored tile's tag and whether it may be served
# (made from the current data, or within STALE_SECONDS of it), without its bytes.
CHECK_STATEMENT = """SELECT s.ok, {tag}, t.tag, (t.version = s.version
        OR t.built_at > now() - make_interval(secs => %(stale_seconds)s))
  FROM (SELECT {signed_in} AS ok, {version} AS version OFFSET 0) s
  LEFT JOIN coverage_tiles t ON s.ok AND t.key = %(tag_key)s"""
# Make a low-zoom tile and store it (for every worker), answering its tag and bytes.
BUILD_STATEMENT = """WITH b AS (SELECT {version} AS version, ({tile}) AS data)
INSERT INTO coverage_tiles AS t (key, version, tag, data, built_at)
SELECT %(tag_key)s, s.version, {tag}, s.data, now() FROM b s
ON CONFLICT (key) DO UPDATE SET version = excluded.version, tag = excluded.tag,
       data = excluded.data, built_at = excluded.built_at
RETURNING t.tag, t.data"""
STORED_STATEMENT = "SELECT data FROM coverage_tiles WHERE key = %(tag_key)s AND tag = %(tag)s"


class Statements(NamedTuple):
    tile: str
    check: str
    build: str
    fixed: dict


def compiled_tile_sql(user, layer, distance_m, dormant_days):
    """The statements of a layer's tiles for this user's scope (Statements, with their
    fixed parameters), compiled once per scope and setting: building and compiling
    costs more than running the statement at high zooms."""
    key = (layer, scope_key(user), distance_m, dormant_days, today())
    hit = _compiled.get(key)
    if hit is None:
        dialect = db.engine.dialect
        z, x, y, *bounds = (bindparam(name) for name in TILE_PARAMS)
        tile = tile_query(user, layer, z, x, y, distance_m, dormant_days, bounds).compile(dialect=dialect)
        signed_in = still_signed_in().compile(dialect=dialect)
        version = data_version().compile(dialect=dialect)
        parts = {"signed_in": str(signed_in), "tile": str(tile), "version": str(version), "tag": TAG_SQL}
        fixed = {k: v for k, v in {**version.params, **tile.params}.items() if k not in REQUEST_PARAMS}
        hit = Statements(*(sql.format(**parts) for sql in (
            TILE_STATEMENT, CHECK_STATEMENT, BUILD_STATEMENT)), fixed)
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
    and the last visit stored (a visit can make a village visits_only): the SQL function
    coverage_version (migration 0009). The visits are read, not counted by a trigger, so
    field pushes never queue on one state row."""
    return func.coverage_version(type_=String)


# A tile's ETag: SHA-256 of what the tile depends on (tag_key: layer, address, scope,
# settings) and the data version it was made from (s.version in the statements), made
# by the database in the statement that reads the version.
TAG_SQL = "encode(sha256(convert_to(%(tag_key)s || s.version, 'UTF8')), 'hex')"


def tag_key(scope, layer, z, x, y, distance_m, dormant_days):
    return f"{layer}/{z}/{x}/{y}|{scope}|{distance_m}|{dormant_days}|"


# Token hash -> (SignIn, scope key): the scope a token's statements were compiled for.
# Not a cache of the token's validity: every statement checks the token again
# (still_signed_in), so a revoked token, device or user fails on its very next tile.
_sign_ins: dict[str, tuple] = {}
MAX_SIGN_INS = 10_000


def _sign_in(raw, digest):
    """The full check of a token through the ORM (resolve_token), the first time it asks
    for a tile, when its statement said no, or when its scope's statement is not
    compiled yet: 401 if it is not valid, 403 without the map's permission; else its
    SignIn, scope key and user, the first two remembered for its next tiles."""
    from app.auth.tokens import resolve_token

    token = resolve_token(raw)
    if token is None:
        raise _unauthenticated()
    user = token.user
    require(user, "coverage.read")
    sign_in, scope = SignIn.of(token), scope_key(user)
    if len(_sign_ins) >= MAX_SIGN_INS:
        _sign_ins.clear()
    _sign_ins[digest] = (sign_in, scope)
    return sign_in, scope, user


def _unauthenticated():
    return Unauthenticated("请先登录 Sign-in required (missing, expired or revoked token)",
                           headers={"WWW-Authenticate": "Bearer"})


def tile(raw_token, layer, z, x, y, if_none_match=None):
    """(ETag, bytes or None when the client's copy is current) for a tile request.

    A warm request is one round trip on the tiles' own autocommit pool (no ping, no
    BEGIN, no ROLLBACK): the token check, the data version and the tile in one
    statement. A low zoom (stored, STORED_ZOOMS) or a request that may match any tag
    (`*`) first reads the check, the tag and the stored tile's tag, then takes the
    tile from memory, from the table or makes it. A token seen for the first time (or
    refused by its statement) is checked through the ORM first, once."""
    from app.auth.tokens import token_digest

    digest = token_digest(raw_token)
    distance_m, dormant_days = distance_setting(), dormant_setting()
    known = list(if_none_match.as_set()) if if_none_match else []
    star = bool(if_none_match and if_none_match.star_tag)
    stored = z <= STORED_ZOOMS
    for retry in (False, True):
        remembered = None if retry else _sign_ins.get(digest)
        statements = None
        if remembered is not None:
            sign_in, scope = remembered
            statements = _compiled.get((layer, scope, distance_m, dormant_days, today()))
        if statements is None:
            sign_in, scope, user = _sign_in(raw_token, digest)
            statements = compiled_tile_sql(user, layer, distance_m, dormant_days)
        params = {**statements.fixed, **sign_in.params(), "known": known,
                  "tag_key": tag_key(scope, layer, z, x, y, distance_m, dormant_days)}
        params.update(zip(TILE_PARAMS, (z, x, y, *lonlat_bounds(z, x, y))))
        if not (stored or star):
            ok, tag, data = _run(statements.tile, params)
            if not ok:
                _sign_ins.pop(digest, None)
                continue
            return tag, (None if data is None else bytes(data))
        ok, tag, stored_tag, usable = _run(statements.check, {**params, "stale_seconds": STALE_SECONDS})
        if not ok:
            _sign_ins.pop(digest, None)
            continue
        if stored_tag is not None and usable:
            tag = stored_tag
        if star or tag in known:
            return tag, None
        return _stored_tile(statements, params, tag if tag == stored_tag else None)
    # Valid when checked through the ORM, refused by the statement just after: revoked
    # (or changed) in between.
    raise _unauthenticated()


def _stored_tile(statements, params, tag):
    """A low-zoom tile: the stored one under `tag` (from this worker's memory, or from
    the table), or, with no tag or if it has just been replaced, made and stored now."""
    if tag is not None:
        with _cache_lock:
            data = _cache.get(tag)
            if data is not None:
                _cache.move_to_end(tag)
                return tag, data
        row = _run(STORED_STATEMENT, {"tag_key": params["tag_key"], "tag": tag})
        if row is not None:
            data = bytes(row[0])
            _remember(tag, data)
            return tag, data
    tag, data = _run(statements.build, params)
    data = bytes(data)
    _remember(tag, data)
    return tag, data


def prebuild(user, max_zoom=6, layers=LAYERS, jobs=2):
    """Make and store, for this user's scope, every tile of zoom <= max_zoom that holds
    one of her points or villages (by centroid: a village's polygon reaching into a
    neighbouring tile leaves that tile to be made on its first request), over `jobs`
    connections. Returns the number of tiles made."""
    from concurrent.futures import ThreadPoolExecutor

    n = 2 ** max_zoom

    def grid(lon, lat):
        x = func.floor((lon + 180.0) / 360.0 * n)
        y = func.floor((1 - func.ln(func.tan(func.radians(lat)) + 1 / func.cos(func.radians(lat)))
                        / math.pi) / 2 * n)
        return cast(x, Integer), cast(y, Integer)

    shape = func.coalesce(Region.centroid, func.ST_PointOnSurface(Region.geom))
    queries = [
        select(*grid(func.ST_X(ServicePoint.location), func.ST_Y(ServicePoint.location)))
        .where(point_scope(user)).distinct(),
        select(*grid(func.ST_X(shape), func.ST_Y(shape)))
        .where(Region.level == "village", coverage_scope(user, Region.code), shape.is_not(None)).distinct(),
    ]
    finest = {(x, y) for q in queries for x, y in db.session.execute(q)
              if 0 <= x < n and 0 <= y < n}
    tiles = {(z, x >> (max_zoom - z), y >> (max_zoom - z)) for z in range(max_zoom + 1) for x, y in finest}
    distance_m, dormant_days = distance_setting(), dormant_setting()
    scope, engine = scope_key(user), _engine()
    work = []
    for layer in layers:
        statements = compiled_tile_sql(user, layer, distance_m, dormant_days)
        for z, x, y in sorted(tiles):
            params = {**statements.fixed, "tag_key": tag_key(scope, layer, z, x, y, distance_m, dormant_days)}
            params.update(zip(TILE_PARAMS, (z, x, y, *lonlat_bounds(z, x, y))))
            work.append((statements.build, params))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(lambda item: _run(*item, engine=engine), work))
    return len(work)


def _remember(tag, data):
    """Keep a low-zoom tile, dropping the least recently used beyond CACHE_BYTES."""
    global _cache_size
    with _cache_lock:
        _cache_size -= len(_cache.pop(tag, b""))
        _cache[tag] = data
        _cache_size += len(data)
        while _cache_size > CACHE_BYTES and _cache:
            _, dropped = _cache.popitem(last=False)
            _cache_size -= len(dropped)


def _engine():
    """The tiles' own small pool of autocommit connections on the app's database: a
    tile statement needs no transaction, and a pooled checkout without the pre-ping
    saves a round trip. A connection found dead is replaced and the statement retried
    once. Planned with each tile's values (no prepared statements): a generic plan for
    a bounding box cannot know how many rows it holds."""
    engine = current_app.extensions.get("tiles_engine")
    if engine is None:
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                               pool_size=2, max_overflow=8, connect_args={"prepare_threshold": None})
        current_app.extensions["tiles_engine"] = engine
    return engine


def _run(sql, params, engine=None):
    engine = engine or _engine()
    for attempt in (1, 2):
        conn = engine.raw_connection()
        try:
            row = conn.driver_connection.execute(sql, params, prepare=False).fetchone()
        except psycopg.OperationalError as error:
            conn.invalidate()
            if attempt == 2:
                raise OperationalError(sql, None, error, hide_parameters=True) from error
            continue
        except BaseException:
            conn.invalidate()
            raise
        conn.close()
        return row


def bearer_user():
    """The signed-in user, as login_required resolves her, raised as a domain error so
    the answer is the API's JSON error shape outside /api too."""
    from app.auth.tokens import _bearer, resolve_token

    raw = _bearer()
    token = resolve_token(raw) if raw else None
    if token is None:
        raise _unauthenticated()
    return token.user


@bp.get("/<layer>/<z>/<x>/<path:y>")
def get_tile(layer, z, x, y):
    from app.auth.tokens import _bearer

    if not y.endswith(".mvt"):
        raise NotFound("瓦片地址应以.mvt结尾 Tile addresses end in .mvt")
    address = parse(layer, z, x, y[: -len(".mvt")])
    raw = _bearer()
    if raw is None:
        raise _unauthenticated()
    tag, data = tile(raw, layer, *address, if_none_match=request.if_none_match)
    # Private: the tile depends on who asks. A minute fresh, then a cheap revalidation.
    headers = {"ETag": f'"{tag}"', "Cache-Control": "private, max-age=60", "Vary": "Authorization"}
    if data is None:
        return Response(status=304, headers=headers)
    return Response(data, status=200, mimetype=MVT, headers=headers)
