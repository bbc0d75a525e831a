"""Coverage figures, village statuses, dormant points and siting suggestions.

The table village_coverage holds what points decide (active points inside each village,
the nearest active point and its distance); triggers keep it current in the transaction
that changes a point. What depends on settings or on the calendar -- the status for a
distance, dormancy -- is computed here when read, so changing a setting recomputes
nothing.
"""
import os
from datetime import timedelta

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, func, literal, literal_column, or_, select, true

from app.auth.scope import coverage_scope, point_scope, require
from app.core.clock import today
from app.core.exceptions import InvalidField
from app.core.paging import paginate
from app.coverage.models import village_coverage as vc
from app.extensions import db
from app.models import FieldVisit, GridAssignment, LedgerDaily, Organisation, Region, ServicePoint, User
from app.models.regions import PREFIX_LENGTH

# Defaults from the environment, overridden by the app config (same names) and, per
# request, by query arguments.
# A villager walks or rides to a point this far away (服务半径).
DISTANCE_M = int(os.environ.get("COVERAGE_DISTANCE_M", 3000))
# No business for this long: the point exists on paper only.
DORMANT_DAYS = int(os.environ.get("DORMANT_DAYS", 90))
# A village a grid worker or a mobile team visited within this many days is served by
# visits, though no point is in reach.
VISIT_DAYS = int(os.environ.get("COVERAGE_VISIT_DAYS", 30))
MAX_K = 50          # suggestions per request; beyond that a plan is a study, not a query

# In order of precedence: the first that holds is the village's status.
STATUSES = ("in_village", "within_distance", "visits_only", "uncovered")
# Covered by a service point (what the coverage rate counts); a village served only by
# visits is counted apart, in by_status, and still wants a point.
COVERED = ("in_village", "within_distance")
# The next level down from a prefix of this length.
CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
LEVEL_OF_LENGTH = {n: level for level, n in PREFIX_LENGTH.items()}


def distance_setting(args=None) -> int:
    return (args or {}).get("distance_m") or current_app.config.get("COVERAGE_DISTANCE_M", DISTANCE_M)


def dormant_setting(args=None) -> int:
    return (args or {}).get("dormant_days") or current_app.config.get("DORMANT_DAYS", DORMANT_DAYS)


def visit_days_setting(args=None) -> int:
    return (args or {}).get("visit_days") or current_app.config.get("COVERAGE_VISIT_DAYS", VISIT_DAYS)


def last_visit():
    """Correlated on the coverage row: when a grid worker or a mobile team last visited
    the village (one backward probe of the visits' (village, started_at) index)."""
    return (
        select(func.max(FieldVisit.started_at))
        .where(FieldVisit.village_code == vc.c.village_code)
        .correlate(vc)
        .scalar_subquery()
    )


def status_expr(distance_m, visit_days=None):
    """A village's status, from its coverage row. One CASE, in precedence order."""
    days = visit_days or visit_days_setting()
    return case(
        (vc.c.points_inside > 0, literal("in_village")),
        (vc.c.nearest_m <= distance_m, literal("within_distance")),
        (last_visit() >= func.now() - timedelta(days=days), literal("visits_only")),
        else_=literal("uncovered"),
    )


def last_business_day():
    """Correlated: the point's last day with business (ledger_daily's key is (point, day,
    kind), so this is one backward index probe, not a scan of the ledger)."""
    return (
        select(func.max(LedgerDaily.day))
        .where(LedgerDaily.point_id == ServicePoint.id)
        .correlate(ServicePoint)
        .scalar_subquery()
    )


def dormant_expr(days):
    """An active point with no business for `days` days, counted from its last business,
    or from when it opened or last became active if it has had none since."""
    since = func.greatest(last_business_day(), ServicePoint.opened_on, ServicePoint.status_since)
    return and_(ServicePoint.status == "active", since < today() - timedelta(days=days))


def _region(user, prefix):
    """The region a figure or a list is about: '' (national) or an existing region's
    significant prefix; unknown codes are refused, not answered with zeros."""
    if not prefix:
        return None
    if len(prefix) not in CHILD_LENGTH and len(prefix) != 12:
        raise InvalidField("region", "地区代码应为2、4、6、9或12位 Expected 2, 4, 6, 9 or 12 digits")
    region = db.session.scalar(select(Region).where(Region.code == prefix.ljust(12, "0"),
                                                    Region.prefix == prefix))
    if region is None:
        raise InvalidField("region", "无此地区 No such region")
    return region


def _villages(user, prefix):
    """Villages of the region in the user's scope, joined to their coverage."""
    stmt = (
        select(Region.code)
        .join(vc, vc.c.village_code == Region.code)
        .where(Region.level == "village", coverage_scope(user, Region.code))
    )
    if prefix:
        stmt = stmt.where(Region.code.startswith(prefix))
    return stmt


# Figures per region ------------------------------------------------------------------

def region_figures(user, args):
    """Points, villages, covered villages, coverage rate, points per village, dormant
    points for the region, broken down by child region and by bank."""
    require(user, "coverage.read")
    prefix = args.get("region") or ""
    region = _region(user, prefix)
    distance, dormant_days = distance_setting(args), dormant_setting(args)
    child_len = CHILD_LENGTH.get(len(prefix))
    status = status_expr(distance, visit_days_setting(args))

    def village_counts(group):
        cols = [func.count().label("villages"),
                func.count().filter(status.in_(COVERED)).label("covered_villages"),
                func.coalesce(func.sum(Region.population), 0).label("population"),
                func.coalesce(func.sum(Region.population).filter(status.in_(COVERED)), 0)
                .label("covered_population")]
        cols += [func.count().filter(status == s).label(s) for s in STATUSES]
        stmt = _villages(user, prefix).with_only_columns(*([group] if group is not None else []), *cols)
        return stmt.group_by(group) if group is not None else stmt

    def point_counts(group):
        stmt = select(
            *([group] if group is not None else []),
            func.count().label("points"),
            func.count().filter(dormant_expr(dormant_days)).label("dormant_points"),
        ).where(ServicePoint.status == "active", point_scope(user),
                coverage_scope(user, ServicePoint.village_code))
        if prefix:
            stmt = stmt.where(ServicePoint.village_code.startswith(prefix))
        return stmt.group_by(group) if group is not None else stmt

    total = _figures(db.session.execute(village_counts(None)).mappings().one(),
                     db.session.execute(point_counts(None)).mappings().one())
    children = []
    if child_len:
        vgroup = func.left(Region.code, child_len).label("prefix")
        pgroup = func.left(ServicePoint.village_code, child_len).label("prefix")
        points = {r["prefix"]: r for r in db.session.execute(point_counts(pgroup)).mappings()}
        villages = {r["prefix"]: r for r in db.session.execute(village_counts(vgroup)).mappings()}
        names = _names(set(villages) | set(points))
        for key in sorted(set(villages) | set(points)):
            children.append({"code": key, "name": names.get(key), "level": LEVEL_OF_LENGTH[child_len],
                             **_figures(villages.get(key, {}), points.get(key, {}))})
    extent = func.ST_Extent(Region.geom)
    box = db.session.execute(_villages(user, prefix).with_only_columns(
        func.ST_XMin(extent), func.ST_YMin(extent), func.ST_XMax(extent), func.ST_YMax(extent))).one()
    return {
        "region": prefix, "name": region.name if region else "全国 National",
        "bbox": [round(v, 5) for v in box] if box[0] is not None else None,
        "level": region.level if region else "national",
        "distance_m": distance, "dormant_days": dormant_days,
        **total, "children": children, "banks": _bank_figures(user, prefix, dormant_days),
    }


def _figures(villages, points):
    n = villages.get("villages", 0) or 0
    covered = villages.get("covered_villages", 0) or 0
    p = points.get("points", 0) or 0
    return {
        "points": p,
        "dormant_points": points.get("dormant_points", 0) or 0,
        "villages": n,
        "covered_villages": covered,
        "coverage_rate": round(covered / n, 4) if n else None,
        "points_per_village": round(p / n, 4) if n else None,
        "population": villages.get("population", 0) or 0,
        "covered_population": villages.get("covered_population", 0) or 0,
        "by_status": {s: villages.get(s, 0) or 0 for s in STATUSES},
    }


def _names(prefixes):
    codes = {p.ljust(12, "0"): p for p in prefixes}
    rows = db.session.execute(select(Region.code, Region.name).where(Region.code.in_(list(codes))))
    return {codes[code]: name for code, name in rows}


def _bank_figures(user, prefix, dormant_days):
    """Per bank (head office, the first id of the point's bank path): its active points
    in the region, the villages with one of them inside, its dormant points. Only the
    points the user may see are counted, so a supervisor sees her own bank's line."""
    head = cast(func.split_part(ServicePoint.bank_path, "/", 2), Integer).label("bank_id")
    stmt = select(
        head,
        func.count().label("points"),
        func.count(func.distinct(ServicePoint.village_code)).label("villages_with_points"),
        func.count().filter(dormant_expr(dormant_days)).label("dormant_points"),
    ).where(ServicePoint.status == "active", point_scope(user),
            coverage_scope(user, ServicePoint.village_code)).group_by(head)
    if prefix:
        stmt = stmt.where(ServicePoint.village_code.startswith(prefix))
    rows = db.session.execute(stmt).mappings().all()
    names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.id.in_([r["bank_id"] for r in rows]))).all())
    return [{**r, "name": names.get(r["bank_id"])} for r in sorted(rows, key=lambda r: -r["points"])]


# Villages --------------------------------------------------------------------------

def list_villages(user, args):
    """Villages with their status, points inside, nearest point and distance, grid worker.

    The nearest point is named only when the user may see it; its distance always shows
    (that a point exists nearby is the coverage fact itself)."""
    require(user, "coverage.read")
    prefix = args.get("region") or ""
    _region(user, prefix)
    distance = distance_setting(args)
    status = status_expr(distance, visit_days_setting(args)).label("status")
    nearest = ServicePoint.__table__.alias("nearest")
    worker = (
        select(User.id, User.display_name)
        .join(GridAssignment, GridAssignment.user_id == User.id)
        .where(GridAssignment.village_code == Region.code, GridAssignment.ends_on.is_(None))
        .limit(1).lateral("worker")
    )
    inside = (
        select(func.coalesce(func.json_agg(
            func.json_build_object("id", ServicePoint.id, "name", ServicePoint.name)
        ), literal_column("'[]'::json")))
        .where(ServicePoint.status == "active", point_scope(user),
               func.ST_Intersects(Region.geom, ServicePoint.location))
        .correlate(Region).scalar_subquery()
    )
    visible_nearest = select(ServicePoint.id).where(point_scope(user),
                                                    ServicePoint.id == vc.c.nearest_point_id)
    stmt = (
        select(
            Region.code, Region.name, Region.county_code, Region.population,
            status, vc.c.points_inside, inside.label("points"),
            case((vc.c.nearest_point_id.in_(visible_nearest), vc.c.nearest_point_id)).label("nearest_point_id"),
            case((vc.c.nearest_point_id.in_(visible_nearest), nearest.c.name)).label("nearest_point_name"),
            func.round(vc.c.nearest_m).label("nearest_m"),
            worker.c.id.label("grid_worker_id"), worker.c.display_name.label("grid_worker_name"),
            last_visit().label("last_visit_at"),
        )
        .join(vc, vc.c.village_code == Region.code)
        .outerjoin(nearest, nearest.c.id == vc.c.nearest_point_id)
        .outerjoin(worker, true())
        .where(Region.level == "village", coverage_scope(user, Region.code))
    )
    if prefix:
        stmt = stmt.where(Region.code.startswith(prefix))
    if args.get("status"):
        stmt = stmt.where(status_expr(distance, visit_days_setting(args)) == args["status"])
    page = paginate(stmt, args, (Region.code,), rows=True)
    page["items"] = [_village_item(r) for r in page["items"]]
    return page


def _village_item(row):
    item = dict(row)
    worker_id, worker_name = item.pop("grid_worker_id"), item.pop("grid_worker_name")
    item["grid_worker"] = {"id": worker_id, "name": worker_name} if worker_id else None
    return item


# Dormant points --------------------------------------------------------------------

def list_dormant(user, args):
    """Active points with no business for `dormant_days`, longest silent first."""
    require(user, "coverage.read")
    prefix = args.get("region") or ""
    _region(user, prefix)
    days = dormant_setting(args)
    last = last_business_day().label("last_business_day")
    stmt = select(
        ServicePoint.id, ServicePoint.name, ServicePoint.village_code, ServicePoint.bank_id,
        last, ServicePoint.opened_on,
    ).where(point_scope(user), dormant_expr(days))
    if prefix:
        stmt = stmt.where(ServicePoint.village_code.startswith(prefix))
    return paginate(stmt, args, (last.asc().nulls_first(), ServicePoint.id), rows=True)


# Siting suggestions ----------------------------------------------------------------

def suggestions(user, args):
    """Greedy maximum coverage: k villages where a new point would newly cover the most
    people. A new point is placed at a village's centroid; it covers the uncovered
    villages within the coverage distance of it (its own village included). Each round
    takes the site covering the most not-yet-covered population, so later picks do not
    count people an earlier pick already reaches; greedy is within 1 - 1/e of the
    optimum for this problem, and exact optimisation is NP-hard."""
    require(user, "coverage.plan")
    prefix = args.get("region") or ""
    region = _region(user, prefix)
    k = args["k"]
    if k > MAX_K:
        raise InvalidField("k", f"最多{MAX_K}个 At most {MAX_K}")
    distance = distance_setting(args)
    pairs = _candidate_pairs(user, prefix, distance)
    if not pairs:
        return {"region": prefix, "name": region.name if region else "全国 National",
                "distance_m": distance, "k": k, "items": []}
    covers, population, names = {}, {}, {}
    for site, site_name, lon, lat, village, village_name, pop, metres in pairs:
        covers.setdefault(site, {})[village] = metres
        population[village] = pop or 0
        names[site] = (site_name, lon, lat)
        names.setdefault(village, (village_name, None, None))
    picked, covered = [], set()
    for _ in range(k):
        best, gain = None, 0
        for site in sorted(covers):  # sorted: ties go to the lower code, same answer each run
            value = sum(population[v] for v in covers[site] if v not in covered)
            if value > gain or (best is None and value > 0 and value >= gain):
                best, gain = site, value
        if best is None:
            break
        new = sorted(v for v in covers[best] if v not in covered)
        covered.update(new)
        name, lon, lat = names[best]
        picked.append({
            "village_code": best, "village_name": name, "lon": lon, "lat": lat,
            "newly_covered_population": gain, "newly_covered_villages": [
                {"code": v, "name": names[v][0], "population": population[v],
                 "distance_m": round(covers[best][v])} for v in new],
            "reason": _reason(name, new, gain, distance, names),
        })
    return {"region": prefix, "name": region.name if region else "全国 National",
            "distance_m": distance, "k": k, "items": picked}


def _reason(name, new, gain, distance, names):
    others = [names[v][0] for v in new if names[v][0] != name]
    text = f"在{name}设点可新覆盖{len(new)}个未覆盖行政村、约{gain}人"
    if others:
        text += "（含" + "、".join(others[:5]) + ("等" if len(others) > 5 else "") + "）"
    return (text + f"，均在{distance}米服务半径内。 A point in {name} would newly cover "
            f"{len(new)} uncovered village(s), about {gain} people, within {distance} m.")


def _candidate_pairs(user, prefix, distance):
    """(site, village) pairs: an uncovered village of the region within `distance` of
    another uncovered village's centroid (every uncovered village is a candidate site).
    The bounding-box test in degrees uses the geometry index; the distance is then
    checked in metres on the spheroid."""
    site, village = Region.__table__.alias("site"), Region.__table__.alias("village")
    vs, vv = vc.alias("vs"), vc.alias("vv")

    def uncovered(reg, cov):
        cond = [reg.c.level == "village", cov.c.points_inside == 0,
                or_(cov.c.nearest_m.is_(None), cov.c.nearest_m > distance),
                coverage_scope(user, reg.c.code)]
        if prefix:
            cond.append(reg.c.code.startswith(prefix))
        return cond

    centre = func.coalesce(site.c.centroid, func.ST_PointOnSurface(site.c.geom))
    target = func.coalesce(village.c.geom, village.c.centroid)
    envelope = func.ST_Expand(centre, distance / 111320.0 / func.cos(func.radians(func.ST_Y(centre))),
                              distance / 111320.0)
    metres = func.ST_Distance(cast(centre, _geography()), cast(target, _geography()))
    stmt = (
        select(site.c.code, site.c.name, func.ST_X(centre), func.ST_Y(centre),
               village.c.code, village.c.name, village.c.population, metres)
        .select_from(site)
        .join(vs, vs.c.village_code == site.c.code)
        .join(village, and_(
            # Two index probes: polygons, and the centroid of a village without one.
            or_(village.c.geom.op("&&")(envelope),
                and_(village.c.geom.is_(None), village.c.centroid.op("&&")(envelope))),
            func.ST_DWithin(cast(centre, _geography()), cast(target, _geography()), distance)))
        .join(vv, vv.c.village_code == village.c.code)
        .where(*uncovered(site, vs), *uncovered(village, vv), centre.is_not(None))
    )
    return db.session.execute(stmt).all()


def _geography():
    from geoalchemy2 import Geography

    return Geography(srid=4326)
