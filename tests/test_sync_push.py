"""POST /api/v1/sync/push: exactly-once, one result per record in order, rejections with
a field and reason, business-rule flags, rollups equal to a recount."""
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.auth import tokens
from app.extensions import db
from app.models import Device
from tests import factories
from tests.sync_support import PUSH, ledger_count, push, record, rollup_matches_recount

PAN = "6228480402564890018"  # a full card number: must never be stored


# --- exactly once -------------------------------------------------------------------


def test_accepted_then_duplicate_then_conflict(client, world, login, rules, app):
    headers = login("keeper_a")
    rec = record(world.points["a1"])
    assert push(client, headers, [rec])[0] == {
        "id": rec["id"], "status": "accepted", "reason": None, "flags": []
    }
    again = push(client, headers, [rec])[0]
    assert again["status"] == "duplicate" and again["flags"] == []
    changed = {**rec, "data": {**rec["data"], "amount_fen": 60000}}
    conflict = push(client, headers, [changed])[0]
    assert conflict["status"] == "conflict" and conflict["reason"]
    assert ledger_count(app) == 1


def test_same_instant_in_another_offset_is_a_duplicate(client, world, login, rules):
    headers = login("keeper_a")
    rec = record(world.points["a1"], occurred_at="2026-03-01T09:30:00+08:00")
    push(client, headers, [rec])
    utc = {**rec, "data": {**rec["data"], "occurred_at": "2026-03-01T01:30:00Z"}}
    assert push(client, headers, [utc])[0]["status"] == "duplicate"


def test_same_id_twice_in_one_batch(client, world, login, rules, app):
    headers = login("keeper_a")
    rec = record(world.points["a1"])
    changed = {**rec, "data": {**rec["data"], "note": "改过"}}
    results = push(client, headers, [rec, rec, changed])
    assert [r["status"] for r in results] == ["accepted", "duplicate", "conflict"]
    assert ledger_count(app) == 1


# --- one result per record, in order; bad records alone are refused ------------------


def test_results_in_order_and_bad_records_do_not_block_others(client, world, login, rules, app):
    headers = login("keeper_a")
    a1 = world.points["a1"]
    good1, good2 = record(a1), record(a1, kind="balance_inquiry", amount_fen=0)
    batch = [
        good1,
        record(a1, amount_fen=-5),
        "not an object",
        {"type": "ledger_entry", "data": {}},
        record(a1, kind="lottery"),
        record(a1, occurred_at="2026-03-01T09:30:00"),
        record(a1, lon=200.0, lat=43.0),
        record(a1, kind="void", void_of=None),
        record(a1, occurred_at="9999-12-31T23:59:59-12:00"),
        record(a1, note="bad\x00note"),
        record(a1, voucher_no="\ud800"),
        good2,
    ]
    results = push(client, headers, batch)
    assert len(results) == len(batch)
    assert [r["status"] for r in results] == ["accepted"] + ["rejected"] * 10 + ["accepted"]
    assert results[0]["id"] == good1["id"] and results[-1]["id"] == good2["id"]
    fields = [r["reason"].split(":")[0] for r in results[1:-1]]
    assert fields == [
        "data.amount_fen", "record", "id", "data.kind", "data.occurred_at", "data.lon",
        "data.void_of", "data.occurred_at", "data.note", "data.voucher_no",
    ]
    assert ledger_count(app) == 2


def test_keeper_cannot_push_for_another_point(client, world, login, rules, app):
    results = push(client, login("keeper_a"), [record(world.points["b1"]), record(world.points["a1"])])
    assert results[0]["status"] == "rejected" and "not your point" in results[0]["reason"]
    assert results[1]["status"] == "accepted"
    # A supervisor owns no point: nothing she pushes is stored.
    sup = push(client, login("sup_a"), [record(world.points["a1"])])
    assert sup[0]["status"] == "rejected"
    assert ledger_count(app) == 1


def test_full_card_number_is_refused_and_never_stored(client, world, login, rules, app):
    a1 = world.points["a1"]
    batch = [
        record(a1, card_masked=PAN),
        record(a1, card_masked="6228 4804 0256 4890 018"),
        record(a1, note=f"卡号 {PAN}"),
        record(a1, voucher_no=PAN),
        record(a1, card_masked="6228481234"),
    ]
    results = push(client, login("keeper_a"), batch)
    assert [r["status"] for r in results] == ["rejected"] * 5
    for r in results:
        assert PAN not in r["reason"] and "4890" not in r["reason"]
    assert ledger_count(app) == 0
    with app.app_context():
        dump = db.session.execute(text("select coalesce(string_agg(t::text, ''), '') from ledger_entries t")).scalar()
        db.session.remove()
    assert "4890018" not in dump


def test_more_than_1000_records_is_413_with_a_reason(client, world, login):
    batch = [record(world.points["a1"]) for _ in range(1001)]
    resp = client.post(PUSH, json={"records": batch}, headers=login("keeper_a"))
    assert resp.status_code == 413
    assert "1000" in resp.get_json()["error"]["message"]


def test_envelope_without_records_is_422_with_the_field(client, world, login):
    resp = client.post(PUSH, json={"device_id": "x"}, headers=login("keeper_a"))
    assert resp.status_code == 422
    assert "records" in resp.get_json()["error"]["fields"]


def test_revoked_device_is_401(client, world, login, app, rules):
    headers = login("keeper_a", device_id="phone-lost-01")
    assert push(client, headers, [record(world.points["a1"])])[0]["status"] == "accepted"
    with app.app_context():
        device = db.session.query(Device).filter_by(device_key="phone-lost-01").one()
        tokens.revoke_device(device)
        db.session.commit()
        db.session.remove()
    resp = client.post(PUSH, json={"records": [record(world.points["a1"])]}, headers=headers)
    assert resp.status_code == 401
    assert ledger_count(app) == 1


def test_device_and_server_times_are_both_kept(client, world, login, rules, app):
    rec = record(world.points["a1"], occurred_at="2026-01-02T08:00:00+08:00")
    push(client, login("keeper_a", device_id="phone-0002"), [rec])
    with app.app_context():
        row = db.session.execute(
            text("select occurred_at, received_at, seq, device_id, county_code from ledger_entries")
        ).one()
        db.session.remove()
    assert row.occurred_at == datetime(2026, 1, 2, 0, 0, tzinfo=UTC)
    assert abs(row.received_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert row.seq >= 1 and row.device_id is not None and row.county_code == "150502"


# --- business rules are flags, never refusals ----------------------------------------


def _flags(client, headers, records):
    results = push(client, headers, records)
    assert all(r["status"] == "accepted" for r in results), results
    return [r["flags"] for r in results]


def test_amount_rules_are_flagged(client, world, login, rules):
    a1 = world.points["a1"]
    flags = _flags(client, login("keeper_a"), [
        record(a1, amount_fen=100500, card_masked="622848******0001"),
        record(a1, amount_fen=500, card_masked="622848******0002"),
        record(a1, kind="transfer", amount_fen=12345),
    ])
    assert flags == [["not_multiple_of_10"], ["below_minimum", "not_multiple_of_10"], []]


def test_per_card_daily_cap_follows_the_rule_in_force(client, world, login, rules):
    a1 = world.points["a1"]
    headers = login("keeper_a")
    today = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    first = _flags(client, headers, [record(a1, amount_fen=150000, occurred_at=today)])
    second = _flags(client, headers, [
        record(a1, amount_fen=50000, occurred_at=today),
        record(a1, amount_fen=10000, occurred_at=today),
        record(a1, amount_fen=10000, occurred_at=today, card_masked="622848******9999"),
    ])
    assert first == [[]]
    assert second == [[], ["over_daily_cap"], []]  # 2,000 yuan cap since 2014
    # 2012: the 2011 rule, 1,000 yuan a card a day.
    old = _flags(client, headers, [
        record(a1, amount_fen=60000, occurred_at="2012-05-01T10:00:00+08:00"),
        record(a1, amount_fen=60000, occurred_at="2012-05-01T11:00:00+08:00"),
    ])
    assert old == [["old_record"], ["old_record", "over_daily_cap"]]


def test_context_flags(client, world, login, rules, app):
    a1 = world.points["a1"]  # at 122.301, 43.601
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    weeks = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    months = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    flags = _flags(client, login("keeper_a"), [
        record(a1, lon=122.302, lat=43.602),
        record(a1, lon=122.45, lat=43.70),
        record(a1, occurred_at=soon),
        record(a1, occurred_at=weeks),
        record(a1, occurred_at=months),
        record(a1, kind="void", void_of=str(uuid.uuid4())),
    ])
    assert flags == [[], ["far_from_point"], ["clock_skew"], [], ["old_record"], ["void_target_unknown"]]


def test_suspended_point_is_flagged(client, world, login, rules, app):
    with app.app_context():
        from app.models import ServicePoint

        a2 = db.session.get(ServicePoint, world.points["a2"])
        factories.make_user("keeper_a2", "keeper", point=a2)
        db.session.commit()
        db.session.remove()
    flags = _flags(client, login("keeper_a2"), [record(world.points["a2"])])
    assert flags == [["point_suspended"]]


# --- rollups ------------------------------------------------------------------------


def test_void_subtracts_from_the_rollup_in_any_order(client, world, login, rules, app):
    a1 = world.points["a1"]
    headers = login("keeper_a")
    day = "2026-03-01T10:00:00+08:00"
    original = record(a1, amount_fen=50000, occurred_at=day)
    late_original = record(a1, amount_fen=30000, occurred_at=day)
    early_void = record(a1, kind="void", void_of=late_original["id"], occurred_at=day)
    push(client, headers, [original, record(a1, amount_fen=20000, occurred_at=day), early_void])
    void = record(a1, kind="void", void_of=original["id"], occurred_at=day)
    second_void = record(a1, kind="withdrawal", void_of=original["id"], occurred_at=day)
    results = push(client, headers, [void, second_void, late_original])
    assert [r["status"] for r in results] == ["accepted"] * 3
    with app.app_context():
        row = db.session.execute(text("select count, amount_fen from ledger_daily where kind = 'withdrawal'")).one()
        db.session.remove()
    assert tuple(row) == (1, 20000)  # only the record nobody voided
    assert rollup_matches_recount(app)


def test_rollup_equals_recount_across_points_days_and_kinds(client, world, login, rules, app):
    import random

    rng = random.Random(7)
    for keeper, point in (("keeper_a", "a1"), ("keeper_b", "b1")):
        headers = login(keeper)
        made = []
        for _ in range(6):
            batch = []
            for _ in range(40):
                kind = rng.choice(["withdrawal", "transfer", "bill_payment", "balance_inquiry", "void"])
                at = f"2026-02-{rng.randint(1, 4):02d}T{rng.choice(['00:30', '12:00', '23:50'])}:00+08:00"
                if kind == "void":
                    target = rng.choice(made) if made and rng.random() < 0.8 else str(uuid.uuid4())
                    batch.append(record(world.points[point], kind="void", void_of=target, occurred_at=at))
                else:
                    amount = 0 if kind == "balance_inquiry" else rng.randint(1, 300) * 1000
                    batch.append(record(world.points[point], kind=kind, amount_fen=amount, occurred_at=at))
                    made.append(batch[-1]["id"])
            rng.shuffle(batch)
            push(client, headers, batch)
    assert rollup_matches_recount(app)
