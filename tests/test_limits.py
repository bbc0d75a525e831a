"""Limit rules: list and filters, rules in force for a point, add and end (audited,
regulator within her region), validation with field names, and a new rule reaching the
keeper's phone through the sync pull."""
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from app.core.clock import today
from app.extensions import db
from app.models import AuditEvent, LimitRule
from tests.sync_support import load_pboc_rules

LIMITS = "/api/v1/limits"


@pytest.fixture
def rules(app):
    """Exactly the three national PBoC rules. The migration seeds them into a fresh
    database and truncation removes them after the first test, so start from none."""
    with app.app_context():
        db.session.execute(delete(LimitRule))
        load_pboc_rules()
        db.session.remove()


def create(client, headers, status=201, **body):
    body.setdefault("kind", "withdrawal")
    body.setdefault("per_card_daily_fen", 100000)
    resp = client.post(LIMITS, json=body, headers=headers)
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def effective(client, headers, point_id, status=200, on=None):
    query = f"?point_id={point_id}" + (f"&on={on}" if on else "")
    resp = client.get(f"{LIMITS}/effective{query}", headers=headers)
    assert resp.status_code == status, resp.get_json()
    return {lim["kind"]: lim for lim in resp.get_json()["limits"]} if status == 200 else None


def test_any_signed_in_user_lists_rules_with_filters(client, world, login, rules):
    keeper = login("keeper_a")
    body = client.get(LIMITS, headers=keeper).get_json()
    assert body["total"] == 3 and all(r["region_prefix"] == "" for r in body["items"])
    old = client.get(f"{LIMITS}?in_force_on=2012-06-01", headers=keeper).get_json()["items"]
    assert [(r["kind"], r["per_card_daily_fen"]) for r in old] == [("withdrawal", 100000)]
    now = client.get(f"{LIMITS}?in_force_on={today()}&kind=withdrawal", headers=keeper)
    assert [r["per_card_daily_fen"] for r in now.get_json()["items"]] == [200000]
    create(client, login("regulator"), region_prefix="150502", per_card_daily_fen=150000)
    create(client, login("admin"), kind="transfer", bank_id=world.orgs["bank_b"],
           per_card_daily_fen=5000000)
    in_150502 = client.get(f"{LIMITS}?region=150502", headers=keeper).get_json()
    assert in_150502["total"] == 5  # the county's own rule, and the national ones over it
    in_21 = client.get(f"{LIMITS}?region=21", headers=keeper).get_json()
    assert in_21["total"] == 4  # national ones and bank B's (national), not 科尔沁区's
    by_bank = client.get(f"{LIMITS}?bank={world.orgs['bank_b']}", headers=keeper).get_json()
    assert [r["kind"] for r in by_bank["items"]] == ["transfer"]
    assert client.get(LIMITS).status_code == 401
    assert client.get(f"{LIMITS}?region=15050", headers=keeper).status_code == 422


def test_regulator_adds_a_rule_for_her_region_and_it_wins_there(client, world, login, rules, ctx):
    rule = create(client, login("regulator"), region_prefix="150502", min_fen=1000,
                  multiple_of_fen=1000, per_card_daily_fen=150000, source="通辽分行 2025年1号")
    assert rule["valid_from"] == str(today()) and rule["valid_to"] is None
    a1 = effective(client, login("keeper_a"), world.points["a1"])
    assert a1["withdrawal"]["id"] == rule["id"] and a1["withdrawal"]["per_card_daily_fen"] == 150000
    assert a1["cash_remittance"]["per_card_daily_fen"] == 200000  # national rule still in force
    b1 = effective(client, login("keeper_b"), world.points["b1"])
    assert b1["withdrawal"]["per_card_daily_fen"] == 200000 and b1["withdrawal"]["region_prefix"] == ""
    old = effective(client, login("keeper_a"), world.points["a1"], on="2013-01-01")
    assert old["withdrawal"]["per_card_daily_fen"] == 100000 and "cash_remittance" not in old
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "limit_rule")).all()
    assert (event.action, event.entity_id, event.actor_id) == (
        "create", str(rule["id"]), world.users["regulator"])
    assert event.after["per_card_daily_fen"] == 150000 and event.county_code == "150502"


def test_a_bank_rule_applies_only_to_that_bank_points(client, world, login, rules):
    create(client, login("admin"), kind="transfer", region_prefix="1505",
           bank_id=world.orgs["bank_a"], per_card_daily_fen=5000000)
    assert "transfer" in effective(client, login("sup_a"), world.points["a1"])
    assert "transfer" not in effective(client, login("sup_b"), world.points["b1"])
    for bank_id in (world.orgs["regulator"], 999999):  # not a bank; no such organisation
        body = create(client, login("admin"), status=422, bank_id=bank_id)
        assert list(body["error"]["fields"]) == ["bank_id"]


def test_effective_rules_only_for_points_in_scope(client, world, login, rules):
    a1, b1, l1 = world.points["a1"], world.points["b1"], world.points["l1"]
    effective(client, login("keeper_a"), b1, status=404)
    effective(client, login("sup_a"), b1, status=404)
    effective(client, login("grid_b"), a1, status=404)
    effective(client, login("regulator"), l1, status=404)
    effective(client, login("regulator"), b1)
    effective(client, login("admin"), l1)
    effective(client, login("admin"), 2**31 - 1, status=404)
    resp = client.get(f"{LIMITS}/effective", headers=login("admin"))
    assert resp.status_code == 422 and "point_id" in resp.get_json()["error"]["fields"]


def test_bad_rules_are_refused_with_the_field(client, world, login):
    admin = login("admin")
    cases = [
        ({"kind": "void"}, "kind"),
        ({"kind": "lottery"}, "kind"),
        ({"min_fen": -1}, "min_fen"),
        ({"per_card_daily_fen": -100}, "per_card_daily_fen"),
        ({"multiple_of_fen": 0}, "multiple_of_fen"),
        ({"min_fen": 10.5}, "min_fen"),
        ({"min_fen": "1000"}, "min_fen"),
        ({"per_card_daily_fen": 10**15}, "per_card_daily_fen"),
        ({"valid_from": "2025-03-01", "valid_to": "2025-02-28"}, "valid_to"),
        ({"region_prefix": "1505x"}, "region_prefix"),
        ({"source": "x" * 501}, "source"),
        ({"valid_from": "0001-01-01"}, "valid_from"),
        ({"per_card_daily_fen": None}, "per_card_daily_fen"),  # a rule must limit something
    ]
    for body, field in cases:
        resp = create(client, admin, status=422, **body)
        assert field in resp["error"]["fields"], (body, resp)
    both = create(client, admin, status=422, min_fen=-1, multiple_of_fen=0)
    assert {"min_fen", "multiple_of_fen"} <= set(both["error"]["fields"])


def test_only_regulators_and_admins_add_rules_and_only_in_their_region(client, world, login):
    for user in ("keeper_a", "grid_a", "field_a", "sup_a"):
        create(client, login(user), status=403, per_card_daily_fen=100000)
    assert client.post(LIMITS, json={"kind": "withdrawal"}).status_code == 401
    reg = login("regulator")
    for prefix in ("", "15", "2101", "150599"):
        body = create(client, reg, status=422, region_prefix=prefix)
        assert "region_prefix" in body["error"]["fields"], prefix
    assert create(client, reg)["region_prefix"] == "1505"  # her region by default


def test_ending_a_rule_sets_valid_to_once_and_is_audited(client, world, login, rules, ctx):
    reg = login("regulator")
    rule = create(client, reg, region_prefix="150502", per_card_daily_fen=150000,
                  valid_from="2024-01-01")
    url = f"{LIMITS}/{rule['id']}/end"
    assert client.post(url, json={}, headers=login("sup_a")).status_code == 403
    early = client.post(url, json={"valid_to": "2023-12-31"}, headers=reg)
    assert early.status_code == 422 and "valid_to" in early.get_json()["error"]["fields"]
    resp = client.post(url, json={"valid_to": "2024-06-30", "reason": "新规替代"}, headers=reg)
    assert resp.status_code == 200 and resp.get_json()["valid_to"] == "2024-06-30"
    later = client.post(url, json={"valid_to": "2024-12-31"}, headers=reg)
    assert later.status_code == 409  # an end is brought forward, never pushed back
    assert client.post(url, json={"valid_to": "2024-03-31"}, headers=reg).status_code == 200
    a1 = effective(client, login("keeper_a"), world.points["a1"])
    assert a1["withdrawal"]["per_card_daily_fen"] == 200000  # the national rule again
    assert effective(client, login("keeper_a"), world.points["a1"], on="2024-02-01")[
        "withdrawal"]["id"] == rule["id"]
    ends = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "end").order_by(AuditEvent.id)
    ).all()
    assert [(e.before["valid_to"], e.after["valid_to"]) for e in ends] == [
        (None, "2024-06-30"), ("2024-06-30", "2024-03-31")]
    assert ends[0].reason == "新规替代"


def test_a_regulator_ends_only_her_region_rules(client, world, login, rules):
    national = client.get(f"{LIMITS}?kind=cash_remittance", headers=login("admin"))
    rule_id = national.get_json()["items"][0]["id"]
    assert client.post(f"{LIMITS}/{rule_id}/end", headers=login("regulator")).status_code == 403
    resp = client.post(f"{LIMITS}/{rule_id}/end", headers=login("admin"))
    assert resp.status_code == 200 and resp.get_json()["valid_to"] == str(today())
    assert client.post(f"{LIMITS}/2147483647/end", headers=login("admin")).status_code == 404


def test_a_new_rule_reaches_the_keeper_pull(client, world, login, rules):
    keeper = login("keeper_a", device_id="phone-a1")
    before = {lim["kind"] for lim in client.get("/api/v1/sync/pull", headers=keeper).get_json()["limits"]}
    assert before == {"withdrawal", "cash_remittance"}
    create(client, login("regulator"), kind="transfer", region_prefix="150502",
           per_card_daily_fen=5000000, valid_from=str(today() - timedelta(days=1)))
    create(client, login("regulator"), region_prefix="150502001001", per_card_daily_fen=120000)
    create(client, login("regulator"), kind="bill_payment", valid_from=str(date(2099, 1, 1)))
    pulled = client.get("/api/v1/sync/pull", headers=keeper).get_json()["limits"]
    limits = {lim["kind"]: lim for lim in pulled}
    assert set(limits) == {"withdrawal", "cash_remittance", "transfer"}
    assert limits["transfer"]["per_card_daily_fen"] == 5000000
    assert limits["withdrawal"]["per_card_daily_fen"] == 120000
    assert limits["withdrawal"]["region_prefix"] == "150502001001"


def test_role_matrix_for_effective_rules_of_a1(client, world, login, rules):
    """Point a1 (bank A, 科尔沁区): its rules for whoever may see the point, 404 otherwise."""
    readers = {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}
    for user in ("keeper_a", "keeper_b", "grid_a", "grid_b", "field_a", "field_b",
                 "sup_a", "sup_b", "regulator", "admin"):
        status = 200 if user in readers else 404
        effective(client, login(user), world.points["a1"], status=status)
