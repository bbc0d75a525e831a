"""Inspections (巡检) of service points and their findings.

A field agent or supervisor inspects a point with the checklist on her phone (offline:
an `inspection` record in the sync push, keyed by the id the phone generated; online:
`POST /api/v1/inspections`). Each failed item becomes a finding owned by the point's
keeper with a deadline; she fixes it, the bank verifies the fix. How often a bank
inspects and how long a finding may stay open is configuration per bank
(InspectionPolicy; the nearest organisation above the point wins), with the defaults
below when a bank has set nothing. A finding's fix and its verification are audit
events, like registry changes.
"""
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import insert

from app.audit import record_update
from app.auth.scope import point_scope, require
from app.core.clock import business_day, today
from app.core.exceptions import Conflict, NotFound
from app.core.fields import MAX_ID
from app.core.paging import paginate
from app.extensions import db
from app.models import Finding, Inspection, InspectionPolicy, ServicePoint, User
from app.models.field import INSPECTION_ITEMS
from app.sync import records as rec

RECORD_TYPE = "inspection"
DEFAULT_EVERY_DAYS = 90  # a quarter, when the bank has set no policy
DEFAULT_FIX_DAYS = 15
CONFLICT = "同一编号已有不同内容的记录 id already stored with different content"
NOT_YOURS = "data.point_id: 非本行服务点 not a point in your scope"


def _hash(*parts):
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def policy_for(point):
    """(every_days, fix_days) for the point: the nearest organisation above it with a
    policy, else the defaults."""
    ids = [int(p) for p in point.bank_path.strip("/").split("/") if p]
    rows = {r.bank_id: r for r in db.session.scalars(
        select(InspectionPolicy).where(InspectionPolicy.bank_id.in_(ids)))}
    for org_id in reversed(ids):
        if org_id in rows:
            return rows[org_id].every_days, rows[org_id].fix_days
    return DEFAULT_EVERY_DAYS, DEFAULT_FIX_DAYS


def _failed(value, name):
    if not isinstance(value, list) or any(i not in INSPECTION_ITEMS for i in value) \
            or len(set(value)) != len(value):
        raise rec.Rejected(name, "须为不重复的检查项 must be distinct items of " + ", ".join(INSPECTION_ITEMS))
    return sorted(value)


def _point_in_scope(user, point_id):
    return db.session.scalar(select(ServicePoint).where(ServicePoint.id == point_id, point_scope(user)))


def _store(user, rid, point, inspected_at, failed, note, body):
    """Insert the inspection and one finding per failed item; None if the id existed."""
    stored = db.session.execute(
        insert(Inspection).values(id=rid, point_id=point.id, inspector_id=user.id,
                                  county_code=point.county_code, inspected_at=inspected_at,
                                  failed_items=failed, note=note, body_hash=body)
        .on_conflict_do_nothing(index_elements=["id"]).returning(Inspection.id)
    ).scalar()
    if stored is None:
        return None
    _, fix_days = policy_for(point)
    owner = db.session.scalar(
        select(User.id).where(User.point_id == point.id, User.role == "keeper", User.active)
        .order_by(User.id).limit(1))
    deadline = business_day(inspected_at) + timedelta(days=fix_days)
    for item in failed:
        db.session.add(Finding(inspection_id=rid, point_id=point.id, item=item,
                               owner_id=owner, deadline=deadline))
    db.session.flush()
    return stored


def apply(user, items, results, result):
    """Store pushed inspections [(index, raw)]; the caller commits before answering."""
    for i, raw in items:
        try:
            if user.role not in ("field_agent", "supervisor"):
                raise rec.Rejected("type", "此角色不巡检 this role does not inspect")
            rid = rec.uuid_of(raw.get("id"), "id")
            data = raw.get("data")
            if not isinstance(data, dict):
                raise rec.Rejected("data", "缺少记录内容 must be an object")
            if type(data.get("point_id")) is not int:
                raise rec.Rejected("data.point_id", "服务点编号须为整数 must be an integer")
            at = rec.instant(data.get("inspected_at"), "data.inspected_at")
            failed = _failed(data.get("failed_items"), "data.failed_items")
            note = rec.text_of(data.get("note"), "data.note", 1000)
        except rec.Rejected as why:
            results[i] = result(rec.record_id(raw), "rejected", f"{why.field}: {why.reason}")
            continue
        body = _hash(rid, data["point_id"], at.isoformat(), ",".join(failed), note or "")
        existing = db.session.get(Inspection, rid)
        if existing is not None:
            same = existing.body_hash == body and existing.inspector_id == user.id
            results[i] = result(rid, "duplicate") if same else result(rid, "conflict", CONFLICT)
            continue
        point = _point_in_scope(user, data["point_id"])
        if point is None:
            results[i] = result(rid, "rejected", NOT_YOURS)
            continue
        stored = _store(user, rid, point, at, failed, note, body)
        results[i] = result(rid, "accepted") if stored else result(rid, "conflict", CONFLICT)


def create(user, data):
    require(user, "inspections.write")
    point = _point_in_scope(user, data["point_id"])
    if point is None:
        raise NotFound("未找到该服务点 No such point (or outside your scope)")
    failed = sorted(set(data["failed_items"]))
    at = datetime.now(UTC)
    rid = str(uuid.uuid4())
    _store(user, rid, point, at, failed, data.get("note"),
           _hash(rid, point.id, at.isoformat(), ",".join(failed), data.get("note") or ""))
    db.session.commit()
    return _inspection_item(db.session.get(Inspection, rid))


def _inspection_item(insp):
    findings = db.session.scalars(select(Finding).where(Finding.inspection_id == insp.id)
                                  .order_by(Finding.item)).all()
    return {"id": insp.id, "point_id": insp.point_id, "inspector_id": insp.inspector_id,
            "inspected_at": insp.inspected_at, "failed_items": insp.failed_items,
            "note": insp.note, "findings": findings}


def list_inspections(user, args):
    require(user, "inspections.read")
    stmt = (select(Inspection).join(ServicePoint, ServicePoint.id == Inspection.point_id)
            .where(point_scope(user)))
    if args.get("point_id"):
        stmt = stmt.where(Inspection.point_id == args["point_id"])
    page = paginate(stmt, args, (Inspection.inspected_at.desc(), Inspection.id))
    page["items"] = [_inspection_item(i) for i in page["items"]]
    return page


# Per point in scope: its last inspection and the interval of the nearest policy.
_EVERY = text(
    "(SELECT p.every_days FROM inspection_policies p "
    " WHERE strpos(service_points.bank_path, '/' || p.bank_id || '/') > 0 "
    " ORDER BY strpos(service_points.bank_path, '/' || p.bank_id || '/') DESC LIMIT 1)"
)


def due(user, args):
    """Points in scope by when their next inspection is due: never inspected and
    overdue ones first. `overdue=true` keeps only those."""
    require(user, "inspections.read")
    last = (select(func.max(Inspection.inspected_at))
            .where(Inspection.point_id == ServicePoint.id).scalar_subquery())
    every = func.coalesce(literal_column(_EVERY.text), DEFAULT_EVERY_DAYS)
    last_day = func.date(func.timezone("Asia/Shanghai", last))
    next_due = func.coalesce(last_day + every, today())
    stmt = (select(ServicePoint.id.label("point_id"), ServicePoint.name.label("point_name"),
                   ServicePoint.village_code, last.label("last_inspected_at"),
                   every.label("every_days"), next_due.label("next_due"))
            .where(point_scope(user), ServicePoint.status != "closed"))
    if args.get("overdue"):
        stmt = stmt.where(next_due <= today())
    page = paginate(stmt, args, (next_due, ServicePoint.id), rows=True)
    page["items"] = [dict(r, overdue=r["next_due"] <= today()) for r in page["items"]]
    return page


def _finding_query(user):
    return (select(Finding).join(ServicePoint, ServicePoint.id == Finding.point_id)
            .where(point_scope(user)))


def list_findings(user, args):
    require(user, "inspections.read")
    stmt = _finding_query(user)
    overdue = and_(Finding.status == "open", Finding.deadline < today())
    if args.get("status"):
        stmt = stmt.where(Finding.status == args["status"])
    if args.get("overdue") is not None:
        stmt = stmt.where(overdue if args["overdue"] else ~overdue)
    return paginate(stmt, args, (Finding.deadline, Finding.id))


def _finding(user, finding_id):
    if not 0 < finding_id <= MAX_ID:
        raise NotFound("未找到该问题 No such finding (or outside your scope)")
    row = db.session.scalar(_finding_query(user).where(Finding.id == finding_id)
                            .with_for_update(of=Finding))
    if row is None:
        raise NotFound("未找到该问题 No such finding (or outside your scope)")
    return row


FINDING_AUDITED = ("status", "fix", "fixed_at", "verified_by", "verified_at")


def _step(user, finding, action, **change):
    county = db.session.scalar(select(ServicePoint.county_code).where(ServicePoint.id == finding.point_id))
    record_update(user, action, "inspection_finding", finding, FINDING_AUDITED, county, **change)
    db.session.commit()
    return finding


def fix(user, finding_id, how):
    require(user, "findings.fix")
    finding = _finding(user, finding_id)
    if finding.status != "open":
        raise Conflict("该问题已整改 the finding is already fixed")
    return _step(user, finding, "fix", fix=how, fixed_at=datetime.now(UTC), status="fixed")


def verify(user, finding_id):
    require(user, "findings.verify")
    finding = _finding(user, finding_id)
    if finding.status != "fixed":
        raise Conflict("只能核验已整改的问题 only a fixed finding can be verified")
    return _step(user, finding, "verify", verified_by=user.id, verified_at=datetime.now(UTC),
                 status="verified")
