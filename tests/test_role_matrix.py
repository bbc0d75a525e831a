"""Every id-bearing endpoint x every role in `world`.

In-scope access works; another scope's object answers 404 (indistinguishable from an id
that does not exist); a role that may never do the thing answers 403; no token, 401.
"""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import LimitRule, RiskAlert

ROLES = ("keeper_a", "keeper_b", "grid_a", "grid_b", "field_a", "field_b", "sup_a", "sup_b", "regulator", "admin")
ALL = set(ROLES)
WRITERS = {"sup_a", "sup_b", "admin"}

# Who may read bank A's point a1 (and its terminal, history, terminals list).
A1_READERS = {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}
# Bank B's point l1 lies outside the regulator's region (Liaoning).
L1_READERS = {"field_b", "sup_b", "admin"}
A_WRITERS = {"sup_a", "admin"}
# Alerts and limit rules are published and ended by regulators (in their region) and admins.
PUBLISHERS = {"regulator", "admin"}
# Bank B serves l1 in 沈阳, so its people see 沈阳's alerts; Tongliao-only users do not.
SHENYANG_READERS = {"field_b", "sup_b", "admin"}
# Who acknowledges risk alerts: the people working in the villages.
FIELD_AND_KEEPERS = {"keeper_a", "keeper_b", "grid_a", "grid_b", "field_a", "field_b"}


def E(name, method, path, ok, forbidden=frozenset(), body=None):
    """An endpoint case: roles in `ok` succeed, in `forbidden` get 403, the rest 404."""
    return pytest.param(method, path, frozenset(ok), frozenset(forbidden), body, id=name)


ENDPOINTS = [
    # service points
    E("point.get", "GET", "/api/v1/service-points/{point:a1}", A1_READERS),
    E("point.get.outside_region", "GET", "/api/v1/service-points/{point:l1}", L1_READERS),
    E("point.patch", "PATCH", "/api/v1/service-points/{point:a1}", A_WRITERS, ALL - WRITERS, {"name": "新名称"}),
    E("point.suspend", "POST", "/api/v1/service-points/{point:a1}/suspend", A_WRITERS, ALL - WRITERS, {"reason": "x"}),
    E("point.close", "POST", "/api/v1/service-points/{point:a1}/close", A_WRITERS, ALL - WRITERS, {"reason": "x"}),
    E("point.reopen", "POST", "/api/v1/service-points/{point:a2}/reopen", A_WRITERS, ALL - WRITERS, {"reason": "x"}),
    E("point.history", "GET", "/api/v1/service-points/{point:a1}/history", A1_READERS),
    E("point.terminals", "GET", "/api/v1/service-points/{point:a1}/terminals", A1_READERS),
    E("point.terminals.add", "POST", "/api/v1/service-points/{point:a1}/terminals", A_WRITERS, ALL - WRITERS,
      {"merchant_code": "102150570119999", "terminal_code": "15059999"}),
    # terminals
    E("terminal.get", "GET", "/api/v1/terminals/{terminal:a1}", A1_READERS),
    E("terminal.patch", "PATCH", "/api/v1/terminals/{terminal:a1}", A_WRITERS, ALL - WRITERS, {"serial_no": "SN-2"}),
    E("terminal.remove", "POST", "/api/v1/terminals/{terminal:a1}/remove", A_WRITERS, ALL - WRITERS, {}),
    # users and devices (keeper_a: a keeper of bank A working in 科尔沁区)
    E("user.get", "GET", "/api/v1/users/{user:keeper_a}", {"keeper_a", "sup_a", "regulator", "admin"}),
    E("user.patch", "PATCH", "/api/v1/users/{user:keeper_a}", A_WRITERS, ALL - WRITERS, {"display_name": "王桂兰"}),
    E("user.devices", "GET", "/api/v1/users/{user:keeper_a}/devices", {"keeper_a", "sup_a", "admin"}, {"regulator"}),
    E("device.revoke", "POST", "/api/v1/devices/{device:keeper_a}/revoke", A_WRITERS, ALL - WRITERS, {}),
    # grid assignments (grid_a in village 前进村, point a1's village)
    E("assignment.get", "GET", "/api/v1/grid-assignments/{assignment:grid_a}",
      {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}),
    E("assignment.end", "POST", "/api/v1/grid-assignments/{assignment:grid_a}/end", A_WRITERS, ALL - WRITERS, {}),
    # banks
    E("bank.get", "GET", "/api/v1/banks/{org:branch_a}", {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}),
    E("bank.get.regulator", "GET", "/api/v1/banks/{org:regulator}", {"regulator", "admin"}),
    E("bank.patch", "PATCH", "/api/v1/banks/{org:branch_a}", {"admin"}, ALL - {"admin"}, {"short_name": "科尔沁支行"}),
    # regions are reference data: any signed-in user
    E("region.get", "GET", "/api/v1/regions/{region:150502}", ALL),
    # risk alerts: everyone whose area holds a village of the alert's region sees it
    E("alert.get", "GET", "/api/v1/alerts/{alert:tongliao}", ALL),
    E("alert.get.national", "GET", "/api/v1/alerts/{alert:national}", ALL),
    E("alert.get.outside_region", "GET", "/api/v1/alerts/{alert:shenyang}", SHENYANG_READERS),
    E("alert.withdraw", "POST", "/api/v1/alerts/{alert:tongliao}/withdraw", PUBLISHERS, ALL - PUBLISHERS,
      {"reason": "内容有误"}),
    # The regulator sees a national alert but may withdraw only her region's: 403.
    E("alert.withdraw.national", "POST", "/api/v1/alerts/{alert:national}/withdraw", {"admin"},
      ALL - {"admin"}, {}),
    # ... and does not see 沈阳's at all: 404.
    E("alert.withdraw.outside_region", "POST", "/api/v1/alerts/{alert:shenyang}/withdraw", {"admin"},
      ALL - PUBLISHERS, {}),
    # Acknowledgements: everyone working in an alert's area acknowledges it; publishers
    # follow who has.
    E("alert.ack", "POST", "/api/v1/alerts/{alert:tongliao}/ack", FIELD_AND_KEEPERS,
      ALL - FIELD_AND_KEEPERS),
    E("alert.ack.outside_region", "POST", "/api/v1/alerts/{alert:shenyang}/ack", {"field_b"},
      ALL - FIELD_AND_KEEPERS),
    E("alert.acks", "GET", "/api/v1/alerts/{alert:tongliao}/acks", PUBLISHERS, ALL - PUBLISHERS),
    E("alert.acks.outside_region", "GET", "/api/v1/alerts/{alert:shenyang}/acks", {"admin"},
      ALL - PUBLISHERS),
    # limit rules: the rules in force for a point follow the point's scope
    E("limits.effective", "GET", "/api/v1/limits/effective?point_id={point:a1}", A1_READERS),
    E("limits.effective.outside_region", "GET", "/api/v1/limits/effective?point_id={point:l1}", L1_READERS),
    E("limit.end", "POST", "/api/v1/limits/{rule:tongliao}/end", PUBLISHERS, ALL - PUBLISHERS,
      {"reason": "新规替代"}),
    # Rules are public reading, so a rule outside the regulator's region is a 403, not a 404.
    E("limit.end.outside_region", "POST", "/api/v1/limits/{rule:shenyang}/end", {"admin"},
      ALL - {"admin"}, {}),
]


@pytest.fixture
def device(app, world, login):
    """keeper_a signs in on a phone, which registers a device: its id."""
    login("keeper_a", device_id="phone-of-keeper-a")
    with app.app_context():
        device_id = db.session.execute(
            text("select id from devices where device_key = 'phone-of-keeper-a'")).scalar_one()
        db.session.remove()
    return device_id


@pytest.fixture
def notices(app, world):
    """Alerts in force for 通辽 (1505), nationally and for 沈阳 (2101), and withdrawal
    limit rules for 通辽 and 沈阳 in force since 2024: ids by short name."""
    since = datetime.now(UTC) - timedelta(hours=1)
    with app.app_context():
        alerts = {
            name: RiskAlert(title=f"警惕冒充客服诈骗 {name}", body="客服不会要求您转账到“安全账户”。",
                            region_prefix=prefix, published_by=world.orgs["regulator"], published_at=since)
            for name, prefix in (("tongliao", "1505"), ("national", ""), ("shenyang", "2101"))
        }
        rules = {
            name: LimitRule(kind="withdrawal", region_prefix=prefix, per_card_daily_fen=150000,
                            valid_from=date(2024, 1, 1))
            for name, prefix in (("tongliao", "1505"), ("shenyang", "2101"))
        }
        db.session.add_all([*alerts.values(), *rules.values()])
        db.session.commit()
        ids = {"alert": {k: a.id for k, a in alerts.items()}, "rule": {k: r.id for k, r in rules.items()}}
        db.session.remove()
    return ids


def resolve(path, world, device_id, notices):
    """Fill {kind:key} placeholders with ids from the world and `notices`."""
    pools = {"point": world.points, "terminal": world.terminals, "user": world.users,
             "assignment": world.assignments, "org": world.orgs, **notices}
    out = path
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        kind, key = out[start + 1:end].split(":")
        if kind == "device":
            value = device_id
        elif kind == "region":
            value = key
        else:
            value = pools[kind][key]
        out = out[:start] + str(value) + out[end + 1:]
    return out


def call(client, method, path, body, headers=None):
    return client.open(path, method=method, json=body if method != "GET" else None, headers=headers or {})


# Every table a refused write could touch, fingerprinted row by row.
WRITABLE = ("service_points", "terminals", "users", "devices", "api_tokens", "grid_assignments",
            "organisations", "risk_alerts", "limit_rules", "audit_events")


def fingerprint(app):
    with app.app_context():
        prints = {
            t: db.session.execute(text(f"select md5(coalesce(string_agg(x::text, '|' order by x::text), ''))"
                                       f" from {t} x")).scalar()
            for t in WRITABLE
        }
        db.session.remove()
    return prints


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, ok, forbidden, body", ENDPOINTS)
def test_role_matrix(app, client, world, login, device, notices, role, method, path, ok, forbidden, body):
    headers = login(role)
    before = fingerprint(app) if method != "GET" and role not in ok else None
    resp = call(client, method, resolve(path, world, device, notices), body, headers)
    expected = "ok" if role in ok else 403 if role in forbidden else 404
    if expected == "ok":
        assert 200 <= resp.status_code < 300, (role, resp.status_code, resp.get_json())
    else:
        assert resp.status_code == expected, (role, resp.get_json())
        assert resp.get_json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[expected]
    if before is not None:  # a refused write changed nothing, not even the audit log
        assert fingerprint(app) == before, (role, method, path)


@pytest.mark.parametrize("method, path, ok, forbidden, body", ENDPOINTS)
def test_unauthenticated_is_401(client, world, device, notices, method, path, ok, forbidden, body):
    resp = call(client, method, resolve(path, world, device, notices), body)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("method, path, ok, forbidden, body", ENDPOINTS)
def test_out_of_scope_looks_like_missing(client, world, login, device, notices, method, path, ok, forbidden,
                                         body):
    """An id from another scope and an id that does not exist get the same answer."""
    outsider = next((r for r in ROLES if r not in ok and r not in forbidden), None)
    if outsider is None or "{region" in path:
        pytest.skip("no role answers 404 for this object")
    headers = login(outsider)
    real = call(client, method, resolve(path, world, device, notices), body, headers)
    missing_path = path.split("{")[0] + "2147483000" + path.split("}", 1)[1]
    missing = call(client, method, missing_path, body, headers)
    assert real.status_code == missing.status_code == 404
    assert real.get_json() == missing.get_json()
