"""Helpers for the field tests: well-formed visit, talk and visit-business records, and
the per-village rollup checked against a recount of every channel."""
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.extensions import db

V1 = "150502001001"  # 前进村, grid_a's village; boundary 122.25..122.35 x 43.55..43.65
V2 = "150502001002"  # 胜利村, next to it, nobody's assignment
V3 = "150521001001"  # 新华村, grid_b's village


def _now(minutes=0):
    return (datetime.now(UTC) + timedelta(minutes=minutes)).astimezone().isoformat(
        timespec="seconds")


def visit(village=V1, rid=None, source="picked", **data):
    body = {"village_code": village, "started_at": _now(-60), "ended_at": _now(-5),
            "village_source": source, "households": 6, "note": None}
    if source == "gps":
        body.update(lon=122.30, lat=43.60)
    body.update(data)
    return {"id": rid or str(uuid.uuid4()), "type": "visit", "data": body}


def talk(visit_record, rid=None, **data):
    body = {"visit_id": visit_record["id"], "village_code": visit_record["data"]["village_code"],
            "occurred_at": _now(-30), "topic": "冒充公检法诈骗", "attendance": 23}
    body.update(data)
    return {"id": rid or str(uuid.uuid4()), "type": "fraud_talk", "data": body}


def business(visit_record, channel="grid", kind="withdrawal", amount_fen=50000, rid=None, **data):
    body = {"channel": channel, "visit_id": visit_record["id"],
            "village_code": visit_record["data"]["village_code"], "kind": kind,
            "amount_fen": amount_fen, "card_masked": "622848******1234", "voucher_no": "9001",
            "occurred_at": _now(-20), "lon": None, "lat": None, "void_of": None}
    body.update(data)
    return {"id": rid or str(uuid.uuid4()), "type": "ledger_entry", "data": body}


VILLAGE_RECOUNT = """
    select channel, (occurred_at at time zone 'Asia/Shanghai')::date as day,
           coalesce(e.village_code, p.village_code) as village_code, kind,
           count(*) as n, sum(amount_fen) as amount
    from ledger_entries e left join service_points p on p.id = e.point_id
    where void_of is null
      and not exists (select 1 from ledger_entries v
                      where v.void_of = e.id
                        and (v.point_id = e.point_id
                             or (v.user_id = e.user_id and v.channel <> 'point'
                                 and e.channel <> 'point')))
    group by 1, 2, 3, 4
"""


def village_rollup(app):
    """The per-village rollup by channel, without rows that netted to zero."""
    with app.app_context():
        # Summed over banks: the rollup is also keyed by bank, the recount is not.
        rows = {
            (r.channel, r.day, r.village_code, r.kind): (r.count, r.amount_fen)
            for r in db.session.execute(text(
                "select channel, day, village_code, kind, sum(count)::bigint as count,"
                " sum(amount_fen)::bigint as amount_fen from ledger_village_daily"
                " group by 1, 2, 3, 4"))
            if r.count or r.amount_fen
        }
        db.session.remove()
    return rows


def village_rollup_matches_recount(app):
    with app.app_context():
        recount = {
            (r.channel, r.day, r.village_code, r.kind): (r.n, r.amount)
            for r in db.session.execute(text(VILLAGE_RECOUNT))
        }
        db.session.remove()
    assert village_rollup(app) == recount
    return True


def count(app, table, where="true", **params):
    with app.app_context():
        n = db.session.execute(text(f"select count(*) from {table} where {where}"), params).scalar()
        db.session.remove()
    return n


def audit_trail(app, entity, entity_id):
    """(action, username, status before, status after) of an entity's audit events."""
    with app.app_context():
        rows = db.session.execute(text(
            "select a.action, u.username, a.before->>'status', a.after->>'status'"
            " from audit_events a join users u on u.id = a.actor_id"
            " where a.entity = :entity and a.entity_id = :id order by a.id"),
            {"entity": entity, "id": str(entity_id)}).all()
        db.session.remove()
    return [tuple(r) for r in rows]
