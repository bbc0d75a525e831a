"""Service point queries and transactions.

Each write checks scope, changes the point, adds its AuditEvent (before/after) and
commits once, so a change without its history cannot be stored.
"""
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import String, and_, cast, false, func, or_, select
from sqlalchemy.orm import joinedload

from app.audit import record_change
from app.audit import snapshot as audit_snapshot
from app.auth.scope import point_scope
from app.auth.tokens import current_user
from app.extensions import db
from app.models import AuditEvent, Organisation, Region, ServicePoint, Terminal
from app.models.points import search_text
from app.privacy import mask_phone
from app.registry.common import conflict, get_in_scope, paginate, reject, today

# The village's name comes with the point; its polygon stays in the database.
POINT_LOAD = (joinedload(ServicePoint.village).load_only(Region.code, Region.name),)

# action -> (statuses it may start from, status it leads to)
TRANSITIONS = {
    "suspend": (("active",), "suspended"),
    "close": (("active", "suspended"), "closed"),
    "reopen": (("suspended", "closed"), "active"),
}

SNAPSHOT_FIELDS = (
    "bank_id", "code", "name", "shop_name", "licence_no", "keeper_name", "keeper_phone",
    "address", "village_code", "county_code", "services", "status", "status_since",
    "status_reason", "opened_on", "closed_on", "signage",
)


def owns_point(user, point) -> bool:
    """Who may see the keeper's phone unmasked: the keeper of that point, an admin, and a
    supervisor of the bank (subtree) that runs it. Grid workers, field agents and the
    regulator see it masked: they do not own the record."""
    if user.role == "admin":
        return True
    if user.role == "keeper":
        return user.point_id == point.id
    if user.role == "supervisor":
        return bool(user.org) and point.bank_path.startswith(user.org.path)
    return False


def shown_keeper_phone(point):
    user = current_user()
    return point.keeper_phone if owns_point(user, point) else mask_phone(point.keeper_phone)


def shown_snapshot(snapshot):
    """A history snapshot as the viewer may see it (the point is in her scope already)."""
    if not snapshot or "keeper_phone" not in snapshot:
        return snapshot
    if current_user().role in ("admin", "supervisor", "keeper"):  # owners, see owns_point
        return snapshot
    return {**snapshot, "keeper_phone": mask_phone(snapshot["keeper_phone"])}


def snapshot(point) -> dict:
    """The registry record as stored, for the audit log's before/after."""
    data = audit_snapshot(point, SNAPSHOT_FIELDS)
    data["services"] = list(point.services or [])
    if point.location is not None:
        shape = to_shape(point.location)
        data["lon"], data["lat"] = shape.x, shape.y
    return data


# ?sort= -> order of a page of points
SORTS = {
    "place": (ServicePoint.village_code,),
    "name": (ServicePoint.name,),
    "-name": (ServicePoint.name.desc(),),
    "status": (ServicePoint.status, ServicePoint.village_code),
    "-updated": (ServicePoint.updated_at.desc(),),
}


def list_points(user, args):
    stmt = select(ServicePoint).where(point_scope(user)).options(*POINT_LOAD)
    if args.get("region"):
        stmt = stmt.where(ServicePoint.village_code.startswith(args["region"]))
    if args.get("bank"):
        bank = db.session.get(Organisation, args["bank"])
        stmt = stmt.where(ServicePoint.bank_path.startswith(bank.path) if bank else false())
    if args.get("status"):
        stmt = stmt.where(ServicePoint.status == args["status"])
    if args.get("bbox"):
        # For a point and a rectangle, bounding-box overlap (&&) is exact, and it skips
        # ST_Intersects' geometry test and its costlier planning.
        envelope = func.ST_MakeEnvelope(*args["bbox"], 4326)
        stmt = stmt.where(ServicePoint.location.op("&&")(envelope))
    if args.get("q"):
        stmt = stmt.where(_text_search(args["q"]))
    # By place (the default: a region prefix walks one index range), always then by id
    # for stable pages.
    order = (*SORTS[args.get("sort") or "place"], ServicePoint.id)
    return paginate(stmt, args["limit"], args["offset"], order)


def _text_search(words):
    """Name, shop, keeper, address or code containing `words` (the trigram-indexed text)."""
    return search_text().icontains(words, autoescape=True)


def get_point(user, point_id, lock=False):
    return get_in_scope(ServicePoint, point_id, point_scope(user), POINT_LOAD, lock=lock)


def create_point(user, data):
    bank = _bank_for_write(user, data["bank_id"])
    village = _village(data["village_code"])
    fields = {k: v for k, v in data.items() if k not in ("lon", "lat", "bank_id")}
    fields.setdefault("signage", False)
    point = ServicePoint(
        **fields,
        bank_id=bank.id,
        bank_path=bank.path,
        county_code=village.code[:6],
        location=_location(data["lon"], data["lat"]),
        status="active",
        status_since=today(),
    )
    db.session.add(point)
    db.session.flush()
    record_change(user, "create", "service_point", point.id, None, snapshot(point), point.county_code)
    db.session.commit()
    return get_point(user, point.id)


def update_point(user, point_id, data):
    point = get_point(user, point_id, lock=True)
    before = snapshot(point)
    if "bank_id" in data:
        bank = _bank_for_write(user, data.pop("bank_id"))
        point.bank_id, point.bank_path = bank.id, bank.path
    if "village_code" in data:
        village = _village(data.pop("village_code"))
        point.village_code, point.county_code = village.code, village.code[:6]
        for terminal in point.terminals:  # fact rows follow their point's county
            terminal.county_code = point.county_code
    if "lon" in data:
        point.location = _location(data.pop("lon"), data.pop("lat"))
    for name, value in data.items():
        setattr(point, name, value)
    after = snapshot(point)
    if after != before:
        record_change(user, "update", "service_point", point.id, before, after, point.county_code)
    db.session.commit()
    return get_point(user, point_id)


def change_status(user, point_id, action, reason):
    """suspend / close / reopen: a state machine with dates and a required reason."""
    point = get_point(user, point_id, lock=True)
    sources, target = TRANSITIONS[action]
    if point.status not in sources:
        conflict(f"状态为{point.status}的服务点不能执行{action} "
                 f"A {point.status} point cannot be {action}ed (allowed from: {', '.join(sources)})")
    before = snapshot(point)
    point.status, point.status_since, point.status_reason = target, today(), reason
    if target == "closed":
        point.closed_on = today()
    if action == "reopen":
        point.closed_on = None
    record_change(user, action, "service_point", point.id, before, snapshot(point),
                  point.county_code, reason)
    db.session.commit()
    return get_point(user, point_id)


def point_history(user, point_id, args):
    """The point's audit events and those of its terminals, oldest first."""
    point = get_point(user, point_id)
    terminal_ids = select(cast(Terminal.id, String)).where(Terminal.point_id == point.id)
    stmt = select(AuditEvent).where(
        or_(
            and_(AuditEvent.entity == "service_point", AuditEvent.entity_id == str(point.id)),
            and_(AuditEvent.entity == "terminal", AuditEvent.entity_id.in_(terminal_ids)),
        )
    )
    return paginate(stmt, args["limit"], args["offset"], (AuditEvent.id,))


def _bank_for_write(user, bank_id):
    """A bank the user may register points for: any bank for an admin, her subtree for
    a supervisor. Another bank reads as unknown, so ids outside scope reveal nothing."""
    bank = db.session.get(Organisation, bank_id)
    allowed = bank is not None and bank.is_bank and (
        user.role == "admin" or (user.org is not None and bank.path.startswith(user.org.path))
    )
    if not allowed:
        reject("bank_id", "无此银行或不在您的管辖范围 No such bank in your scope")
    return bank


def _village(code):
    village = db.session.get(Region, code)
    if village is None or village.level != "village":
        reject("village_code", "无此行政村 No village with this code")
    return village


def _location(lon, lat):
    return from_shape(Point(lon, lat), srid=4326)
