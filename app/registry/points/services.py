"""Service point queries and transactions.

Each write checks scope, changes the point, adds its AuditEvent (before/after) and
commits once, so a change without its history cannot be stored. What a point's reader
may see of it (the keeper's phone, masked or not) is decided here, on the objects
returned: `shown_keeper_phone` on a point, `shown_before`/`shown_after` on its events.
"""
from sqlalchemy import String, and_, cast, false, func, or_, select
from sqlalchemy.orm import joinedload

from app.audit import record_change
from app.audit import snapshot as audit_snapshot
from app.auth.scope import bank_for_write, owns_point, point_scope, sees_point_phones
from app.core import geo
from app.core.clock import today
from app.core.exceptions import Conflict, InvalidField
from app.core.lookup import get_in_scope
from app.core.paging import paginate
from app.extensions import db
from app.models import AuditEvent, Organisation, Region, ServicePoint, Terminal
from app.models.points import POINT_SORTS, search_text
from app.privacy import mask_phone

# The village's name comes with the point; its polygon stays in the database.
POINT_LOAD = (joinedload(ServicePoint.village).load_only(Region.code, Region.name),)

# action -> (statuses it may start from, status it leads to)
TRANSITIONS = {
    "suspend": (("active",), "suspended"),
    "close": (("active", "suspended"), "closed"),
    "reopen": (("suspended", "closed"), "active"),
}
PAST = {"suspend": "suspended", "close": "closed", "reopen": "reopened"}

SNAPSHOT_FIELDS = (
    "bank_id", "code", "name", "shop_name", "licence_no", "keeper_name", "keeper_phone",
    "address", "village_code", "county_code", "services", "status", "status_since",
    "status_reason", "opened_on", "closed_on", "signage",
)


def _shown(user, point):
    """The point as `user` may read it: owners see the keeper's phone, others it masked."""
    phone = point.keeper_phone
    point.shown_keeper_phone = phone if owns_point(user, point) else mask_phone(phone)
    return point


def _shown_event(user, event):
    """A history event as `user` may read it (the point is in her scope already)."""
    event.shown_before = _shown_snapshot(user, event.before)
    event.shown_after = _shown_snapshot(user, event.after)
    return event


def _shown_snapshot(user, snapshot):
    if not snapshot or "keeper_phone" not in snapshot or sees_point_phones(user):
        return snapshot
    return {**snapshot, "keeper_phone": mask_phone(snapshot["keeper_phone"])}


def snapshot(point) -> dict:
    """The registry record as stored, for the audit log's before/after."""
    data = audit_snapshot(point, SNAPSHOT_FIELDS)
    data["services"] = list(point.services or [])
    position = geo.lonlat(point.location)
    if position is not None:
        data["lon"], data["lat"] = position
    return data


# ?sort= -> order of a page of points (the names are POINT_SORTS, which the schema checks)
SORTS = {
    "place": (ServicePoint.village_code,),
    "name": (ServicePoint.name,),
    "-name": (ServicePoint.name.desc(),),
    "status": (ServicePoint.status, ServicePoint.village_code),
    "-updated": (ServicePoint.updated_at.desc(),),
}
assert set(SORTS) == set(POINT_SORTS)


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
        envelope = func.ST_MakeEnvelope(*args["bbox"], geo.SRID)
        stmt = stmt.where(ServicePoint.location.op("&&")(envelope))
    if args.get("q"):
        stmt = stmt.where(_text_search(args["q"]))
    # By place (the default: a region prefix walks one index range), always then by id
    # for stable pages.
    order = (*SORTS[args.get("sort") or "place"], ServicePoint.id)
    page = paginate(stmt, args, order)
    for point in page["items"]:
        _shown(user, point)
    return page


def _text_search(words):
    """Name, shop, keeper, address or code containing `words` (the trigram-indexed text)."""
    return search_text().icontains(words, autoescape=True)


def get_point(user, point_id, lock=False):
    point = get_in_scope(ServicePoint, point_id, point_scope(user), POINT_LOAD, lock=lock)
    return _shown(user, point)


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
        location=geo.point(data["lon"], data["lat"]),
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
        point.location = geo.point(data.pop("lon"), data.pop("lat"))
    for name, value in data.items():
        setattr(point, name, value)
    after = snapshot(point)
    if after != before:
        record_change(user, "update", "service_point", point.id, before, after, point.county_code)
    db.session.commit()
    return get_point(user, point_id)


def suspend_point(user, point_id, reason):
    return _change_status(user, point_id, "suspend", reason)


def close_point(user, point_id, reason):
    return _change_status(user, point_id, "close", reason)


def reopen_point(user, point_id, reason):
    return _change_status(user, point_id, "reopen", reason)


def _change_status(user, point_id, action, reason):
    """suspend / close / reopen: a state machine with dates and a required reason."""
    point = get_point(user, point_id, lock=True)
    sources, target = TRANSITIONS[action]
    if point.status not in sources:
        raise Conflict(f"状态为{point.status}的服务点不能执行{action} "
                       f"A {point.status} point cannot be {PAST[action]} "
                       f"(allowed from: {', '.join(sources)})")
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
    page = paginate(stmt, args, (AuditEvent.id,))
    for event in page["items"]:
        _shown_event(user, event)
    return page


def _bank_for_write(user, bank_id):
    """A bank the user may register points for. Another bank reads as unknown, so ids
    outside scope reveal nothing."""
    bank = db.session.get(Organisation, bank_id)
    if not bank_for_write(user, bank):
        raise InvalidField("bank_id", "无此银行或不在您的管辖范围 No such bank in your scope")
    return bank


def _village(code):
    village = db.session.get(Region, code)
    if village is None or village.level != "village":
        raise InvalidField("village_code", "无此行政村 No village with this code")
    return village
