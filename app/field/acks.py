"""Risk-alert acknowledgements (issue 8, item 8).

Every keeper, grid worker and field agent in an alert's region acknowledges it from her
phone: online (`POST /api/v1/alerts/<id>/ack`) or offline as an `alert_ack` record in a
sync push. Both are idempotent: one row per person and alert (a unique index), so a
second acknowledgement, whichever way it comes, answers as the first did.

An acknowledgement is accepted for an alert she could see when she acknowledged it (in
force at `acked_at` and covering her area): one pushed days later, after the alert
expired, still counts; one for an alert she cannot see is rejected with the reason.

The publisher's view counts the people expected to acknowledge (by their area: a
keeper's point village, a grid worker's assigned villages, a field agent's county), the
rate per child region, and who has not acknowledged yet.
"""
import uuid
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from app.auth.scope import alert_scope, require
from app.core.exceptions import NotFound
from app.core.fields import MAX_ID
from app.core.lookup import get_in_scope
from app.extensions import db
from app.models import AlertAck, RiskAlert
from app.sync import records as rec

RECORD_TYPE = "alert_ack"
NOT_VISIBLE = "data.alert_id: 无此风险提示或不在您的区域 no such alert in your area"
CONFLICT = "同一编号已有不同内容的记录 id already stored with different content"
MISSING_LIMIT = 200


def _visible(user, alert_id, at) -> bool:
    return db.session.scalar(
        select(RiskAlert.id).where(RiskAlert.id == alert_id, alert_scope(user, at))
    ) is not None


def acknowledge(user, alert_id, device_id=None):
    """Online acknowledgement; returns the stored one (the first, if she had already)."""
    require(user, "alerts.ack")
    now = datetime.now(UTC)
    if not 0 < alert_id <= MAX_ID or not _visible(user, alert_id, now):
        raise NotFound("无此风险提示 No such alert")
    db.session.execute(
        insert(AlertAck).values(id=str(uuid.uuid4()), alert_id=alert_id, user_id=user.id,
                                device_id=device_id, acked_at=now)
        .on_conflict_do_nothing(index_elements=["alert_id", "user_id"])
    )
    db.session.commit()
    return db.session.scalar(
        select(AlertAck).where(AlertAck.alert_id == alert_id, AlertAck.user_id == user.id))


def parse(raw):
    """(id, alert_id, acked_at) of a pushed `alert_ack` record, or Rejected."""
    rid = rec.uuid_of(raw.get("id"), "id")
    data = raw.get("data")
    if not isinstance(data, dict):
        raise rec.Rejected("data", "缺少记录内容 must be an object")
    alert_id = data.get("alert_id")
    if type(alert_id) is not int or not 0 < alert_id <= MAX_ID:
        raise rec.Rejected("data.alert_id", "须为整数 must be an integer id")
    return rid, alert_id, rec.instant(data.get("acked_at"), "data.acked_at")


def apply(user, device_id, items, results, result):
    """Store the pushed acknowledgements `items` [(index, raw)], writing each answer into
    `results` with `result(id, status, reason)`. The caller commits before answering."""
    for i, raw in items:
        try:
            rid, alert_id, acked_at = parse(raw)
        except rec.Rejected as why:
            results[i] = result(rec.record_id(raw), "rejected", f"{why.field}: {why.reason}")
            continue
        same_id = db.session.get(AlertAck, rid)
        if same_id is not None:
            ok = same_id.alert_id == alert_id and same_id.user_id == user.id
            results[i] = result(rid, "duplicate") if ok else result(rid, "conflict", CONFLICT)
            continue
        if not _visible(user, alert_id, acked_at):
            results[i] = result(rid, "rejected", NOT_VISIBLE)
            continue
        stored = db.session.execute(
            insert(AlertAck).values(id=rid, alert_id=alert_id, user_id=user.id,
                                    device_id=device_id, acked_at=acked_at)
            .on_conflict_do_nothing(index_elements=["alert_id", "user_id"])
            .returning(AlertAck.id)
        ).scalar()
        # Already acknowledged under another id (online, or from another phone): the
        # same fact, so a duplicate, not a conflict.
        results[i] = result(rid, "accepted" if stored else "duplicate")


# The people an alert's region expects to acknowledge, each with the area code that puts
# her there; field agents are placed by county (a county-wide alert, or one narrower
# inside her county, concerns her).
_EXPECTED = """
    WITH area AS (
        SELECT u.id AS user_id, p.village_code::text AS code FROM users u
          JOIN service_points p ON p.id = u.point_id
         WHERE u.role = 'keeper' AND u.active
        UNION
        SELECT g.user_id, g.village_code FROM grid_assignments g
          JOIN users u ON u.id = g.user_id
         WHERE g.ends_on IS NULL AND u.active AND u.role = 'grid_worker'
        UNION
        SELECT u.id, u.county_code FROM users u
         WHERE u.role = 'field_agent' AND u.active AND u.county_code IS NOT NULL
    ), expected AS (
        SELECT DISTINCT ON (a.user_id) a.user_id, a.code FROM area a
         WHERE strpos(a.code, :prefix) = 1
            OR (length(a.code) = 6 AND strpos(:prefix, a.code) = 1)
         ORDER BY a.user_id, a.code
    )
"""
_BY_REGION = text(_EXPECTED + """
    SELECT left(e.code, :child) AS code, r.name, count(*) AS expected,
           count(k.id) AS acknowledged
    FROM expected e
    LEFT JOIN alert_acks k ON k.alert_id = :alert_id AND k.user_id = e.user_id
    LEFT JOIN regions r ON r.code = rpad(left(e.code, :child), 12, '0')
    GROUP BY 1, 2 ORDER BY 1
""")
_MISSING = text(_EXPECTED + """
    SELECT u.id AS user_id, u.display_name, u.role, e.code
    FROM expected e JOIN users u ON u.id = e.user_id
    WHERE NOT EXISTS (SELECT 1 FROM alert_acks k
                      WHERE k.alert_id = :alert_id AND k.user_id = e.user_id)
    ORDER BY e.code, u.id
    LIMIT :limit
""")
# Prefix length of a region's children: province 2, city 4, county 6, township 9, village 12.
CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}


def summary(user, alert_id):
    """For the publisher: how many of the people in the alert's region acknowledged it,
    the rate by child region, and who has not yet."""
    require(user, "alerts.publish")
    alert = get_in_scope(RiskAlert, alert_id, alert_scope(user, datetime.now(UTC)))
    prefix = alert.region_prefix
    child = CHILD_LENGTH.get(len(prefix), min(len(prefix) + 3, 12))
    params = {"prefix": prefix, "child": child, "alert_id": alert.id}
    regions = [dict(r._mapping) for r in db.session.execute(_BY_REGION, params)]
    for r in regions:
        r["rate"] = round(r["acknowledged"] / r["expected"], 4) if r["expected"] else None
    expected = sum(r["expected"] for r in regions)
    acknowledged = sum(r["acknowledged"] for r in regions)
    missing = db.session.execute(_MISSING, dict(params, limit=MISSING_LIMIT)).mappings().all()
    return {
        "alert_id": alert.id, "region_prefix": prefix, "expected": expected,
        "acknowledged": acknowledged,
        "rate": round(acknowledged / expected, 4) if expected else None,
        "by_region": regions, "not_acknowledged": missing,
    }
