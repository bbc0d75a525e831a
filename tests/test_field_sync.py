"""Field work over the sync push: ledger channels, visits, anti-fraud talks and visit
business, exactly once, in any order; bad records alone are refused; the per-village
rollup by channel equals a recount."""
import uuid
from datetime import date

from sqlalchemy import text

from app.extensions import db
from app.models import LimitRule
from tests.field_support import (
    V1,
    V2,
    V3,
    business,
    count,
    talk,
    village_rollup,
    village_rollup_matches_recount,
    visit,
)
from tests.sync_support import push, record, rollup_matches_recount

PULL = "/api/v1/field/pull"


def statuses(results):
    return [r["status"] for r in results]


# --- channels on the point register ---------------------------------------------------


def test_old_client_without_channel_logs_a_point_record(client, world, login, rules, app):
    headers = login("keeper_a")
    rec = record(world.points["a1"])
    assert "channel" not in rec["data"]
    assert push(client, headers, [rec])[0]["status"] == "accepted"
    assert push(client, headers, [rec])[0]["status"] == "duplicate"
    with app.app_context():
        row = db.session.execute(
            text("select channel, village_code, visit_id from ledger_entries")).one()
        db.session.remove()
    assert tuple(row) == ("point", V1, None)
    assert rollup_matches_recount(app) and village_rollup_matches_recount(app)
    [(key, value)] = village_rollup(app).items()
    assert key[0] == "point" and key[2] == V1 and value == (1, 50000)


def test_explicit_point_channel_hashes_like_no_channel(client, world, login, rules):
    """A newer client naming channel 'point' resends what an older one stored."""
    headers = login("keeper_a")
    rec = record(world.points["a1"])
    push(client, headers, [rec])
    named = {**rec, "data": {**rec["data"], "channel": "point"}}
    assert push(client, headers, [named])[0]["status"] == "duplicate"


def test_keeper_cannot_log_field_business(client, world, login, rules, app):
    headers = login("keeper_a")
    v = visit()
    [res] = push(client, headers, [business(v)])
    assert res["status"] == "rejected" and res["reason"].startswith("data.channel")
    assert count(app, "ledger_entries") == 0


def test_mobile_service_kinds_are_checked_values(client, world, login, rules, app):
    headers = login("keeper_a")
    a1 = world.points["a1"]
    results = push(client, headers, [
        record(a1, kind="card_repayment", amount_fen=120000),
        record(a1, kind="mobile_banking", amount_fen=0, card_masked=None),
        record(a1, kind="social_security", amount_fen=0, card_masked=None),
        record(a1, kind="lottery"),
    ])
    assert statuses(results) == ["accepted", "accepted", "accepted", "rejected"]
    assert results[3]["reason"].startswith("data.kind")
    with app.app_context():
        # Limits are configuration for the new kinds too (the CHECK was widened).
        db.session.add(LimitRule(kind="card_repayment", region_prefix="1505",
                                 per_card_daily_fen=5_000_000, valid_from=date(2024, 1, 1)))
        db.session.commit()
        db.session.remove()


# --- visits and their business --------------------------------------------------------


def test_grid_visit_with_business_and_talk_arrives_exactly_once(client, world, login, rules, app):
    headers = login("grid_a", device_id="grid-phone-1")
    v = visit()
    batch = [v, business(v), business(v, kind="transfer", amount_fen=80000), talk(v)]
    assert statuses(push(client, headers, batch)) == ["accepted"] * 4
    # The phone lost the answer and sends everything again, twice.
    assert statuses(push(client, headers, batch + batch)) == ["duplicate"] * 8
    assert count(app, "field_visits") == 1
    assert count(app, "fraud_talks", "attendance = 23") == 1
    assert count(app, "ledger_entries", "channel = 'grid' and visit_id = :v", v=v["id"]) == 2
    assert count(app, "ledger_daily") == 0  # the point rollup holds point records only
    totals = {k[3]: val for k, val in village_rollup(app).items() if k[0] == "grid"}
    assert totals == {"withdrawal": (1, 50000), "transfer": (1, 80000)}
    assert village_rollup_matches_recount(app)
    with app.app_context():
        row = db.session.execute(text(
            "select channel, county_code, bank_path, households, village_source, flags "
            "from field_visits")).one()
        db.session.remove()
    assert row.channel == "grid" and row.county_code == "150502"
    assert row.households == 6 and row.village_source == "picked" and row.flags == []
    assert row.bank_path  # her bank's subtree, for the supervisor's scope


def test_field_agent_logs_mobile_channel(client, world, login, rules, app):
    headers = login("field_a")
    v = visit(V2)
    results = push(client, headers, [v, business(v, channel="mobile"), business(v, channel="grid")])
    assert statuses(results) == ["accepted", "accepted", "rejected"]
    assert results[2]["reason"].startswith("data.channel")
    assert count(app, "field_visits", "channel = 'mobile'") == 1
    assert {k[0] for k in village_rollup(app)} == {"mobile"}


def test_field_record_without_channel_is_refused_not_taken_for_a_point(client, world, login, rules):
    headers = login("grid_a")
    v = visit()
    old_style = record(world.points["a1"])
    [res] = push(client, headers, [old_style])
    assert res["status"] == "rejected" and res["reason"].startswith("data.channel")


def test_business_before_its_visit_is_accepted(client, world, login, rules, app):
    """Any order: the record carries its village, so it counts at once."""
    headers = login("grid_a")
    v = visit()
    b, t = business(v), talk(v)
    assert statuses(push(client, headers, [b, t])) == ["accepted", "accepted"]
    assert village_rollup_matches_recount(app) and len(village_rollup(app)) == 1
    assert statuses(push(client, headers, [v])) == ["accepted"]
    assert statuses(push(client, headers, [b, t, v])) == ["duplicate"] * 3


def test_record_must_agree_with_a_known_visit(client, world, login, rules, app):
    grid_a, grid_b = login("grid_a"), login("grid_b")
    mine, theirs = visit(), visit(V3)
    push(client, grid_a, [mine])
    push(client, grid_b, [theirs])
    wrong_village = business(mine)
    wrong_village["data"]["village_code"] = V2
    in_batch = visit()
    wrong_in_batch = talk(in_batch, village_code=V2)
    results = push(client, grid_a, [
        business(theirs), wrong_village, in_batch, wrong_in_batch, talk(mine)])
    assert statuses(results) == ["rejected", "rejected", "accepted", "rejected", "accepted"]
    assert results[0]["reason"].startswith("data.visit_id")
    assert results[1]["reason"].startswith("data.village_code")
    assert results[3]["reason"].startswith("data.village_code")
    assert count(app, "ledger_entries") == 0


def test_bad_records_are_refused_alone_with_field_and_reason(client, world, login, rules, app):
    headers = login("grid_a")
    good = visit()
    backwards = visit(started_at="2026-03-01T10:00:00+08:00", ended_at="2026-03-01T09:00:00+08:00")
    cases = [
        (backwards, "data.ended_at"),
        (visit(village="150502001999"), "data.village_code"),  # no such village
        (visit(village="1505"), "data.village_code"),
        (visit(source="gps", lon=None, lat=None), "data.lon"),
        (visit(source="radio"), "data.village_source"),
        (visit(households=-1), "data.households"),
        (visit(channel="mobile"), "data.channel"),
        (talk(good, village_code=None), "data.village_code"),
        (talk(good, attendance="many"), "data.attendance"),
        (talk(good, topic="  "), "data.topic"),
        (talk(good, visit_id="x"), "data.visit_id"),
        (business(good, point_id=world.points["a1"]), "data.point_id"),
        (business(good, card_masked="6228480402564890018"), "data.card_masked"),
        ({"id": str(uuid.uuid4()), "type": "photo", "data": {}}, "type"),
    ]
    results = push(client, headers, [good] + [c for c, _ in cases])
    assert results[0]["status"] == "accepted"
    for (sent, fld), res in zip(cases, results[1:]):
        assert res["status"] == "rejected" and res["id"] == sent["id"], res
        assert res["reason"].startswith(fld + ":"), res
    assert "6228480402564890018" not in str(results)
    assert count(app, "field_visits") == 1 and count(app, "fraud_talks") == 0


def test_same_id_twice_and_changed_content(client, world, login, rules, app):
    headers = login("grid_a")
    v = visit()
    changed = {**v, "data": {**v["data"], "households": 9}}
    assert statuses(push(client, headers, [v, v, changed])) == ["accepted", "duplicate", "conflict"]
    assert statuses(push(client, headers, [changed])) == ["conflict"]
    assert count(app, "field_visits", "households = 6") == 1


def test_visit_outside_her_villages_is_accepted_and_flagged(client, world, login, rules, app):
    headers = login("grid_a")
    covering = visit(V2)
    far_fix = visit(V1, source="gps", lon=122.40, lat=43.60)  # the fix lies in 胜利村
    at_home = visit(V1, source="gps")
    results = push(client, headers, [covering, far_fix, at_home])
    assert statuses(results) == ["accepted"] * 3
    assert results[0]["flags"] == ["outside_assigned_area"]
    assert results[1]["flags"] == ["position_outside_village"]
    assert results[2]["flags"] == []
    assert push(client, headers, [covering])[0]["flags"] == ["outside_assigned_area"]


def test_business_rules_flag_field_records_too(client, world, login, rules, app):
    headers = login("grid_a")
    v = visit()
    results = push(client, headers, [
        business(v, amount_fen=150000), business(v, amount_fen=100000),  # 2,500 > 2,000
        business(v, amount_fen=1234),
    ])
    assert results[0]["flags"] == []
    assert results[1]["flags"] == ["over_daily_cap"]
    assert "not_multiple_of_10" in results[2]["flags"]


def test_the_daily_cap_counts_a_card_at_points_and_on_visits(client, world, login, rules):
    keeper, grid = login("keeper_a"), login("grid_a")
    push(client, keeper, [record(world.points["a1"], amount_fen=150000)])
    v = visit()
    [res] = push(client, grid, [business(v, amount_fen=100000)])
    assert res["flags"] == ["over_daily_cap"]


def test_void_of_visit_business_leaves_the_rollup_a_recount(client, world, login, rules, app):
    headers = login("grid_a")
    v = visit()
    first, second = business(v), business(v, amount_fen=30000)
    void = business(v, kind="void", amount_fen=0, card_masked=None, void_of=first["id"])
    early_void = business(v, kind="void", amount_fen=0, card_masked=None, void_of=second["id"])
    results = push(client, headers, [early_void])  # the correction overtook its target
    assert results[0]["flags"] == ["void_target_unknown"]
    assert statuses(push(client, headers, [v, first, second, void])) == ["accepted"] * 4
    assert village_rollup_matches_recount(app)
    assert village_rollup(app) == {}  # both records voided
    # A keeper cannot void a grid worker's record through her point.
    keeper = login("keeper_a")
    k_void = record(world.points["a1"], kind="void", amount_fen=0, card_masked=None,
                    void_of=first["id"])
    assert push(client, keeper, [k_void])[0]["flags"] == ["void_target_unknown"]
    assert village_rollup_matches_recount(app) and village_rollup(app) == {}


def test_channel_rollup_answers_grid_business_in_a_year(client, world, login, rules, app):
    """"How much did grid workers do in villages in 2024": one range of the key."""
    headers = login("grid_a")
    v = visit(started_at="2024-05-01T09:00:00+08:00", ended_at="2024-05-01T11:00:00+08:00")
    push(client, headers, [
        v, business(v, occurred_at="2024-05-01T10:00:00+08:00"),
        business(v, amount_fen=20000, occurred_at="2024-05-01T10:30:00+08:00", card_masked=None),
    ])
    push(client, login("keeper_a"), [
        record(world.points["a1"], occurred_at="2024-05-01T10:00:00+08:00")])
    query = ("select sum(count), sum(amount_fen) from ledger_village_daily "
             "where channel = 'grid' and day between '2024-01-01' and '2024-12-31' "
             "and village_code like '1505%'")
    with app.app_context():
        assert tuple(db.session.execute(text(query)).one()) == (2, 70000)
        db.session.execute(text("set local enable_seqscan = off"))
        plan = "\n".join(db.session.execute(text("explain " + query)).scalars())
        db.session.remove()
    assert "pk_ledger_village_daily" in plan


# --- pull -------------------------------------------------------------------------------


def test_pull_gives_her_villages_with_boundaries_and_her_records(client, world, login, rules):
    headers = login("grid_a")
    v = visit()
    push(client, headers, [v, business(v), talk(v)])
    push(client, login("grid_b"), [visit(V3)])
    body = client.get(PULL, headers=headers).get_json()
    assert body["channel"] == "grid"
    [village] = body["villages"]
    assert village["code"] == V1 and village["assigned"] is True
    assert village["boundary"]["type"] == "MultiPolygon"
    assert [p["id"] for p in body["points"]] == [world.points["a1"]]
    # Stored visits first, then talks, then business; one order across the three.
    assert [r["type"] for r in body["records"]] == ["visit", "fraud_talk", "ledger_entry"]
    assert body["records"][0]["id"] == v["id"]
    assert body["records"][2]["data"]["visit_id"] == v["id"]
    assert body["records"][2]["data"]["channel"] == "grid"
    # Paged by the cursor, nothing skipped, nothing twice.
    seen, cursor = [], 0
    while True:
        page = client.get(PULL, query_string={"cursor": cursor, "limit": 1},
                          headers=headers).get_json()
        seen += [r["id"] for r in page["records"]]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert seen == [r["id"] for r in body["records"]]


def test_field_agent_pulls_her_banks_villages_in_her_county(client, world, login):
    body = client.get(PULL, headers=login("field_a")).get_json()
    assert body["channel"] == "mobile"
    assert {v["code"] for v in body["villages"]} == {V1, V2}
    assert all(v["assigned"] is False for v in body["villages"])


def test_only_field_workers_pull_field_work(client, world, login):
    for who in ("keeper_a", "sup_a", "regulator", "admin"):
        assert client.get(PULL, headers=login(who)).status_code == 403
    assert client.get(PULL).status_code == 401
