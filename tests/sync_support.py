"""Helpers for the sync tests: well-formed records, pushing them, and checking that the
rollups equal a recount of the ledger."""
import uuid
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select, text

from app.extensions import db
from app.models import LimitRule

PUSH = "/api/v1/sync/push"
# Everything a push writes, and what refers to it: emptied between state-machine runs.
LEDGER_TABLES = ("ledger_entries, ledger_daily, ledger_card_daily, ledger_village_daily, "
                 "ledger_village_monthly, flag_reviews, field_visits, fraud_talks")


# The columns of a seeded rule that say what it is (not its id or insertion time).
RULE_COLUMNS = ("kind", "region_prefix", "bank_id", "min_fen", "multiple_of_fen",
                "per_card_daily_fen", "valid_from", "valid_to", "source")


def seeded_rules():
    """The limit rules in the database as the migrations left it (read once per session,
    before any test truncates them)."""
    columns = [getattr(LimitRule, name) for name in RULE_COLUMNS]
    return [dict(row) for row in db.session.execute(select(*columns).order_by(LimitRule.id)).mappings()]


def load_pboc_rules():
    """Put back the PBoC limit rules the migrations seed, unless they are there: a fresh
    database has them from the migration, and tables are truncated after each test."""
    if db.session.execute(text("select count(*) from limit_rules")).scalar():
        return
    db.session.add_all(LimitRule(**row) for row in current_app.config["TEST_SEEDED_LIMIT_RULES"])
    db.session.commit()


def record(point_id, kind="withdrawal", amount_fen=50000, rid=None, **data):
    """A well-formed pushed record; keyword arguments override `data` fields."""
    body = {
        "point_id": point_id,
        "kind": kind,
        "amount_fen": amount_fen,
        "card_masked": "622848******1234",
        "voucher_no": "000123",
        "occurred_at": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "lon": None,
        "lat": None,
        "void_of": None,
    }
    body.update(data)
    return {"id": rid or str(uuid.uuid4()), "type": "ledger_entry", "data": body}


def push(client, headers, records, device_id="phone-0001"):
    resp = client.post(PUSH, json={"device_id": device_id, "records": records}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["results"]


def ledger_count(app, ids=None):
    with app.app_context():
        if ids is None:
            n = db.session.execute(text("select count(*) from ledger_entries")).scalar()
        else:
            n = db.session.execute(
                text("select count(*) from ledger_entries where id = any(cast(:i as uuid[]))"),
                {"i": list(ids)},
            ).scalar()
        db.session.remove()
        return n


# A void counts from the same point, or for field business from the same person.
LIVE = """
    from ledger_entries e
    where void_of is null
      and not exists (select 1 from ledger_entries v
                      where v.void_of = e.id
                        and (v.point_id = e.point_id
                             or (v.user_id = e.user_id and v.channel <> 'point'
                                 and e.channel <> 'point')))
"""
# ledger_daily holds the point channel only.
RECOUNT = """
    select point_id, (occurred_at at time zone 'Asia/Shanghai')::date as day, kind,
           count(*) as n, sum(amount_fen) as amount
""" + LIVE + " and channel = 'point' group by 1, 2, 3"
# The per-card totals behind the over-the-daily-cap flag: one card, one county, one day.
CARD_RECOUNT = """
    select county_code, card_masked, (occurred_at at time zone 'Asia/Shanghai')::date as day,
           kind, count(*) as n, sum(amount_fen) as amount
""" + LIVE + " and card_masked is not null group by 1, 2, 3, 4"


def rollups(app):
    """(ledger_daily, ledger_card_daily) as dicts, rows counting nothing left out."""
    with app.app_context():
        daily = {
            (r.point_id, r.day, r.kind): (r.count, r.amount_fen)
            for r in db.session.execute(text("select * from ledger_daily"))
            if r.count or r.amount_fen
        }
        card = {
            (r.county_code, r.card_masked, r.day, r.kind): (r.count, r.amount_fen)
            for r in db.session.execute(text("select * from ledger_card_daily"))
            if r.count or r.amount_fen
        }
        db.session.remove()
    return daily, card


def recounts(app):
    """The same two tables recounted from the live (not voided) records."""
    with app.app_context():
        daily = {(r.point_id, r.day, r.kind): (r.n, r.amount) for r in db.session.execute(text(RECOUNT))}
        card = {
            (r.county_code, r.card_masked, r.day, r.kind): (r.n, r.amount)
            for r in db.session.execute(text(CARD_RECOUNT))
        }
        db.session.remove()
    return daily, card


def rollup_matches_recount(app):
    """True when both rollups, ledger_daily and ledger_card_daily, equal a recount of the
    live (not voided) records."""
    daily, card = rollups(app)
    daily_recount, card_recount = recounts(app)
    assert daily == daily_recount
    assert card == card_recount
    return True
