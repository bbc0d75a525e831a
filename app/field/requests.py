"""Villagers' requests (诉求), closed loop: taken on a visit (offline, as a `request`
record in the sync push) or online, assigned by the bank, resolved with what was done,
closed with the villager's feedback. Past its deadline and not yet resolved, a request
is overdue, and lists say so.

Services take the acting user and raise app.core.exceptions errors; scope is
app.auth.scope.request_scope (an id outside it answers 404). Each step of the loop
(assign, resolve, close) is an audit event with the request before and after it, in the
same transaction.
"""
import hashlib
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import and_, select
from sqlalchemy.dialects.postgresql import insert

from app.audit import record_update
from app.auth.scope import request_scope, require, user_scope
from app.core.clock import today
from app.core.exceptions import Conflict, Forbidden, InvalidField, NotFound
from app.core.paging import paginate
from app.extensions import db
from app.models import Region, User, VillagerRequest
from app.models.field import REQUEST_CATEGORIES
from app.registry.regions.services import village
from app.sync import records as rec

RECORD_TYPE = "request"
CONFLICT = "同一编号已有不同内容的记录 id already stored with different content"
OPEN = ("open", "assigned")
ASSIGNABLE_ROLES = ("grid_worker", "field_agent", "supervisor")
STATUS_WORDS = {"assigned": "分派", "resolved": "办结", "closed": "关闭"}
# What a step of the loop changes, kept in its audit event.
AUDITED = ("status", "assignee_id", "resolution", "resolved_at", "feedback", "satisfied", "closed_at")


def _hash(*parts) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def _row(user, rid, values, taken_at, device_hash):
    return dict(
        id=rid, village_code=values["village_code"], county_code=values["village_code"][:6],
        visit_id=values.get("visit_id"), category=values["category"], text=values["text"],
        deadline=values["deadline"], created_by=user.id,
        bank_path=user.org.path if user.org else None, taken_at=taken_at, body_hash=device_hash,
    )


# --- offline: `request` records in the push --------------------------------------------

def parse(raw):
    rid = rec.uuid_of(raw.get("id"), "id")
    data = raw.get("data")
    if not isinstance(data, dict):
        raise rec.Rejected("data", "缺少记录内容 must be an object")
    if data.get("village_code") is None:
        raise rec.Rejected("data.village_code", "诉求须指明村 a request needs its village")
    values = {"village_code": rec.village(data.get("village_code"), "data.village_code")}
    if data.get("category") not in REQUEST_CATEGORIES:
        raise rec.Rejected("data.category", "类别无效 must be one of " + ", ".join(REQUEST_CATEGORIES))
    values["category"] = data["category"]
    values["text"] = rec.text_of(data.get("text"), "data.text", 2000)
    if not values["text"]:
        raise rec.Rejected("data.text", "须填写诉求内容 the request's text is required")
    try:
        values["deadline"] = date.fromisoformat(data.get("deadline"))
    except (TypeError, ValueError):
        raise rec.Rejected("data.deadline", "须为日期 YYYY-MM-DD must be a date") from None
    visit_id = data.get("visit_id")
    values["visit_id"] = rec.uuid_of(visit_id, "data.visit_id") if visit_id is not None else None
    taken_at = rec.instant(data.get("taken_at"), "data.taken_at")
    if values["deadline"] < taken_at.date():
        raise rec.Rejected("data.deadline", "期限早于受理日期 the deadline is before the request")
    body = _hash(rid, values["village_code"], values["category"], values["text"],
                 values["deadline"], values["visit_id"], taken_at.isoformat())
    return rid, values, taken_at, body


def apply(user, items, results, result):
    """Store pushed requests [(index, raw)]; the caller commits before answering. One
    look-up of the ids, one of the villages and one insert for the whole batch; records
    are answered in batch order, a repeated id as its first occurrence left it."""
    parsed = []
    for i, raw in items:
        try:
            parsed.append((i, parse(raw)))
        except rec.Rejected as why:
            results[i] = result(rec.record_id(raw), "rejected", f"{why.field}: {why.reason}")
    if not parsed:
        return
    ids = list({p[0] for _, p in parsed})
    stored = {row.id: (row.body_hash, row.created_by) for row in db.session.execute(
        select(VillagerRequest.id, VillagerRequest.body_hash, VillagerRequest.created_by)
        .where(VillagerRequest.id.in_(ids)))}
    villages = set(db.session.scalars(select(Region.code).where(
        Region.code.in_({p[1]["village_code"] for _, p in parsed}), Region.level == "village")))
    rows, pending = [], {}
    for i, (rid, values, taken_at, body) in parsed:
        if rid in stored:
            same = stored[rid] == (body, user.id)
            results[i] = result(rid, "duplicate") if same else result(rid, "conflict", CONFLICT)
            if rid in pending:  # settled once the insert says whether the first was stored
                pending[rid].append(i)
            continue
        if values["village_code"] not in villages:
            results[i] = result(rid, "rejected", "data.village_code: 无此村 no such village")
            continue
        rows.append(_row(user, rid, values, taken_at, body))
        stored[rid] = (body, user.id)
        pending[rid] = [i]
    if not rows:
        return
    inserted = set(db.session.scalars(
        insert(VillagerRequest).values(rows)
        .on_conflict_do_nothing(index_elements=["id"]).returning(VillagerRequest.id)))
    for rid, indexes in pending.items():
        if rid in inserted:
            results[indexes[0]] = result(rid, "accepted")
        else:  # the same id stored meanwhile by someone else's push
            for i in indexes:
                results[i] = result(rid, "conflict", CONFLICT)


# --- online ---------------------------------------------------------------------------

def create(user, data):
    require(user, "requests.create")
    village(data["village_code"])
    if data.get("visit_id") is not None:
        data = {**data, "visit_id": str(data["visit_id"])}
    now = datetime.now(UTC)
    if data["deadline"] < today():
        raise InvalidField("deadline", "期限已过 the deadline is in the past")
    rid = str(uuid.uuid4())
    body = _hash(rid, data["village_code"], data["category"], data["text"], data["deadline"])
    db.session.add(VillagerRequest(**_row(user, rid, data, now, body)))
    db.session.commit()
    return get(user, rid)


def _overdue():
    return and_(VillagerRequest.status.in_(OPEN), VillagerRequest.deadline < today())


def _query(user):
    return (
        select(VillagerRequest, Region.name.label("village_name"),
               _overdue().label("overdue"))
        .join(Region, Region.code == VillagerRequest.village_code)
        .where(request_scope(user))
    )


def _item(req, village_name, overdue):
    item = {c.name: getattr(req, c.name) for c in VillagerRequest.__table__.columns}
    item.update(village_name=village_name, overdue=overdue)
    return item


def list_requests(user, args):
    require(user, "requests.read")
    stmt = _query(user)
    if args.get("status"):
        stmt = stmt.where(VillagerRequest.status == args["status"])
    if args.get("overdue") is not None:
        stmt = stmt.where(_overdue() if args["overdue"] else ~_overdue())
    if args.get("region"):
        stmt = stmt.where(VillagerRequest.village_code.startswith(args["region"]))
    # Overdue first (they stand out), then by deadline.
    page = paginate(stmt, args, (_overdue().desc(), VillagerRequest.deadline, VillagerRequest.id), rows=True)
    page["items"] = [_item(m["VillagerRequest"], m["village_name"], m["overdue"])
                     for m in page["items"]]
    return page


def get(user, request_id, lock=False):
    stmt = _query(user).where(VillagerRequest.id == str(request_id))
    if lock:
        stmt = stmt.with_for_update(of=VillagerRequest)
    row = db.session.execute(stmt).first()
    if row is None:
        raise NotFound("未找到该诉求 No such request (or outside your scope)")
    return _item(row[0], row.village_name, row.overdue)


def _load(user, request_id):
    get(user, request_id, lock=True)  # scope and row lock: concurrent changes queue up
    return db.session.get(VillagerRequest, str(request_id))


def _step(user, req, action, **change):
    """Apply one step of the loop to `req` with its audit event, commit, and answer the
    request as the lists show it."""
    record_update(user, action, "villager_request", req, AUDITED, req.county_code, **change)
    db.session.commit()
    return get(user, req.id)


def assign(user, request_id, assignee_id):
    require(user, "requests.assign")
    req = _load(user, request_id)
    if req.status not in OPEN:
        raise Conflict(f"诉求已{STATUS_WORDS[req.status]} the request is already {req.status}")
    assignee = db.session.scalar(select(User).where(User.id == assignee_id, user_scope(user)))
    if assignee is None or assignee.role not in ASSIGNABLE_ROLES or not assignee.active:
        raise InvalidField("assignee_id", "须为本行的网格员、流动服务队员或管理员 not one of your staff")
    return _step(user, req, "assign", assignee_id=assignee.id, status="assigned")


def resolve(user, request_id, resolution):
    require(user, "requests.resolve")
    req = _load(user, request_id)
    if req.status != "assigned":
        raise Conflict("只能办结已分派的诉求 only an assigned request can be resolved")
    if user.role not in ("supervisor", "admin") and req.assignee_id != user.id:
        raise Forbidden("只有被分派人可办结 only the assignee resolves it")
    return _step(user, req, "resolve", resolution=resolution, resolved_at=datetime.now(UTC),
                 status="resolved")


def close(user, request_id, feedback, satisfied):
    require(user, "requests.close")
    req = _load(user, request_id)
    if req.status != "resolved":
        raise Conflict("只能关闭已办结的诉求 only a resolved request can be closed")
    if user.role not in ("supervisor", "admin") and user.id not in (req.created_by, req.assignee_id):
        raise Forbidden("只有受理人、被分派人或银行可回访关闭 only the taker, the assignee or the bank closes it")
    return _step(user, req, "close", feedback=feedback, satisfied=satisfied,
                 closed_at=datetime.now(UTC), status="closed")
