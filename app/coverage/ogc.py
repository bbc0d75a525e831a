"""OGC API - Features (Part 1: Core, GeoJSON) at /ogc, so QGIS, GDAL (the OAPIF driver)
and other GIS clients open the registry with the same bearer token as the API.

Collections: `service_points` (the points the user may see) and `villages` (the villages
of her coverage scope, with their coverage status). Items take `bbox`, `limit`,
`offset` and property filters; answers are RFC 7946 GeoJSON (WGS-84 lon/lat), with
`next`/`prev` links for paging. Errors keep the API's JSON error shape; a parameter the
collection does not know is a 400, as the standard requires.
"""
import math
import re

from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import func, literal_column, select

from app.auth.scope import coverage_scope, point_scope, require
from app.core.exceptions import DomainError, NotFound
from app.coverage.models import village_coverage as vc
from app.coverage.services import STATUSES, distance_setting, status_expr
from app.coverage.tiles import bearer_user
from app.extensions import db
from app.models import Region, ServicePoint
from app.models.points import POINT_STATUSES

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
MAX_OFFSET = 10_000_000
COMMON_PARAMS = {"bbox", "limit", "offset", "f"}
CODE = re.compile(r"^[0-9]{1,12}$")


class BadParameter(DomainError):
    """A query parameter the standard says to answer with 400."""

    status = 400
    code = "bad_parameter"

    def __init__(self, field, reason):
        super().__init__(f"参数无效 Invalid parameter: {field}", fields={field: [reason]})


def _code(value, field):
    if not CODE.match(value):
        raise BadParameter(field, "应为数字代码 Expected a numeric code")
    return value


def _one_of(choices):
    def check(value, field):
        if value not in choices:
            raise BadParameter(field, f"应为 Expected one of: {', '.join(choices)}")
        return value
    return check


def _int(value, field):
    if not re.fullmatch(r"[0-9]{1,10}", value) or int(value) > 2**31 - 1:
        raise BadParameter(field, "应为正整数 Expected a positive integer")
    return int(value)


def _points_rows(user, distance_m):
    return select(
        ServicePoint.id.label("fid"),
        func.ST_AsGeoJSON(ServicePoint.location, 7).label("geometry"),
        ServicePoint.code, ServicePoint.name, ServicePoint.status, ServicePoint.bank_id,
        ServicePoint.village_code, ServicePoint.county_code, ServicePoint.address,
        ServicePoint.opened_on,
    ).where(point_scope(user)), ServicePoint.location, ServicePoint.id


def _village_rows(user, distance_m):
    return select(
        Region.code.label("fid"),
        func.ST_AsGeoJSON(func.coalesce(Region.geom, Region.centroid), 6).label("geometry"),
        Region.code, Region.name, Region.county_code, Region.population,
        status_expr(distance_m).label("status"), vc.c.points_inside,
        func.round(vc.c.nearest_m).label("nearest_m"),
    ).join(vc, vc.c.village_code == Region.code).where(
        Region.level == "village", coverage_scope(user, Region.code)
    ), Region.geom, Region.code


# id -> title, description, rows(user, distance) -> (select, geometry column, order),
#       property filters: name -> (parser, column getter)
COLLECTIONS = {
    "service_points": dict(
        title="助农取款服务点 Service points",
        description="Service points in your scope, with status and bank.",
        rows=_points_rows,
        filters={
            "status": (_one_of(POINT_STATUSES), lambda d: ServicePoint.status),
            "bank_id": (_int, lambda d: ServicePoint.bank_id),
            "village_code": (_code, lambda d: ServicePoint.village_code),
            "county_code": (_code, lambda d: ServicePoint.county_code),
        },
    ),
    "villages": dict(
        title="行政村覆盖 Villages and their coverage",
        description="Villages in your scope with their coverage status.",
        rows=_village_rows,
        filters={
            "status": (_one_of(STATUSES), lambda d: status_expr(d)),
            "county_code": (_code, lambda d: Region.county_code),
            "code": (_code, lambda d: Region.code),
        },
    ),
}
PREFIX_FILTERS = {"village_code", "county_code", "code"}  # a code matches as a prefix


def _collection(cid):
    if cid not in COLLECTIONS:
        raise NotFound(f"无此数据集 No such collection: {cid[:40]}")
    return COLLECTIONS[cid]


def _bbox(raw):
    parts = raw.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise BadParameter("bbox", "应为四个数字 Expected minlon,minlat,maxlon,maxlat") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise BadParameter("bbox", "应为有限数字 Expected finite numbers")
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise BadParameter("bbox", "范围无效 Expected -180<=minlon<=maxlon<=180, -90<=minlat<=maxlat<=90")
    return west, south, east, north


def _link(endpoint, rel, type_, title=None, **values):
    link = {"href": url_for(endpoint, _external=True, **values), "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _collection_doc(cid, info):
    return {
        "id": cid, "title": info["title"], "description": info["description"],
        "itemType": "feature", "crs": [CRS84],
        # The whole WGS-84 extent: the data's own would cost a scan of the table.
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]], "crs": CRS84}},
        "links": [
            _link("ogc.collection", "self", "application/json", collection_id=cid),
            _link("ogc.items", "items", GEOJSON, info["title"], collection_id=cid),
        ],
    }


def items(user, cid, params):
    """One page of a collection's features as a GeoJSON FeatureCollection."""
    require(user, "coverage.read")
    info = _collection(cid)
    unknown = set(params) - COMMON_PARAMS - set(info["filters"])
    if unknown:
        name = sorted(unknown)[0]
        raise BadParameter(name[:40], "未知参数 Unknown parameter (filters: "
                           + ", ".join(info["filters"]) + ")")
    if params.get("f") not in (None, "json", "geojson"):
        raise BadParameter("f", "仅支持json Only f=json")
    limit = _int(params["limit"], "limit") if "limit" in params else DEFAULT_LIMIT
    offset = _int(params["offset"], "offset") if "offset" in params else 0
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter("limit", f"应为1-{MAX_LIMIT} Expected 1-{MAX_LIMIT}")
    if offset > MAX_OFFSET:
        raise BadParameter("offset", f"最大{MAX_OFFSET} At most {MAX_OFFSET}")
    distance = distance_setting()
    stmt, geom, order = info["rows"](user, distance)
    if "bbox" in params:
        west, south, east, north = _bbox(params["bbox"])
        envelope = func.ST_MakeEnvelope(west, south, east, north, 4326)
        stmt = stmt.where(geom.op("&&")(envelope), func.ST_Intersects(geom, envelope))
    for name, (parse, column) in info["filters"].items():
        if name in params:
            value = parse(params[name], name)
            col = column(distance)
            stmt = stmt.where(col.startswith(value) if name in PREFIX_FILTERS else col == value)
    matched = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.order_by(order).limit(limit).offset(offset)).mappings().all()
    features = []
    for row in rows:
        props = {k: v for k, v in row.items() if k not in ("fid", "geometry")}
        for k, v in props.items():
            if hasattr(v, "isoformat"):
                props[k] = v.isoformat()
        features.append({"type": "Feature", "id": row["fid"],
                         "geometry": _json(row["geometry"]), "properties": props})
    links = _page_links(cid, params, limit, offset, matched)
    return {"type": "FeatureCollection", "features": features, "numberMatched": matched,
            "numberReturned": len(features), "links": links}


def _json(text):
    import json

    return json.loads(text) if text else None


def _page_links(cid, params, limit, offset, matched):
    base = {k: v for k, v in params.items() if k not in ("limit", "offset")}
    links = [_link("ogc.items", "self", GEOJSON, collection_id=cid, **base, limit=limit, offset=offset)]
    if offset + limit < matched:
        links.append(_link("ogc.items", "next", GEOJSON, "下一页 Next page", collection_id=cid,
                           **base, limit=limit, offset=offset + limit))
    if offset > 0:
        links.append(_link("ogc.items", "prev", GEOJSON, "上一页 Previous page", collection_id=cid,
                           **base, limit=limit, offset=max(0, offset - limit)))
    return links


def feature(user, cid, fid):
    require(user, "coverage.read")
    info = _collection(cid)
    stmt, _, order = info["rows"](user, distance_setting())
    if cid == "service_points":
        if not re.fullmatch(r"[0-9]{1,10}", fid) or int(fid) > 2**31 - 1:
            raise NotFound("无此要素 No such feature")
        stmt = stmt.where(ServicePoint.id == int(fid))
    else:
        stmt = stmt.where(Region.code == fid[:12])
    row = db.session.execute(stmt).mappings().first()
    if row is None:
        raise NotFound("无此要素 No such feature")
    props = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
             for k, v in row.items() if k not in ("fid", "geometry")}
    return {"type": "Feature", "id": row["fid"], "geometry": _json(row["geometry"]),
            "properties": props,
            "links": [_link("ogc.feature", "self", GEOJSON, collection_id=cid, feature_id=fid),
                      _link("ogc.collection", "collection", "application/json", collection_id=cid)]}


# Routes: each signs the user in and hands over to the functions above. -------------------

def _geojson(body):
    response = jsonify(body)
    response.mimetype = GEOJSON
    return response


@bp.get("", endpoint="landing")
@bp.get("/", endpoint="landing_slash")
def landing():
    bearer_user()
    return jsonify({
        "title": "助农服务点 OGC API - Features",
        "description": "Village payment service points and village coverage, WGS-84.",
        "links": [
            _link("ogc.landing", "self", "application/json", "本页 This document"),
            _link("ogc.conformance", "conformance", "application/json", "Conformance"),
            _link("ogc.collections", "data", "application/json", "Collections"),
            {"href": request.host_url + "api/v1/openapi.json", "rel": "service-desc",
             "type": "application/vnd.oai.openapi+json;version=3.0", "title": "OpenAPI (JSON API)"},
        ],
    })


@bp.get("/conformance")
def conformance():
    bearer_user()
    return jsonify({"conformsTo": CONFORMANCE})


@bp.get("/collections")
def collections():
    user = bearer_user()
    require(user, "coverage.read")
    return jsonify({
        "links": [_link("ogc.collections", "self", "application/json")],
        "collections": [_collection_doc(cid, info) for cid, info in COLLECTIONS.items()],
    })


@bp.get("/collections/<collection_id>")
def collection(collection_id):
    user = bearer_user()
    require(user, "coverage.read")
    return jsonify(_collection_doc(collection_id, _collection(collection_id)))


@bp.get("/collections/<collection_id>/items", endpoint="items")
def items_view(collection_id):
    return _geojson(items(bearer_user(), collection_id, request.args.to_dict()))


@bp.get("/collections/<collection_id>/items/<feature_id>", endpoint="feature")
def feature_view(collection_id, feature_id):
    return _geojson(feature(bearer_user(), collection_id, feature_id))

