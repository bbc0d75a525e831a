"""Risk alerts: publish within the publisher's region, scoped lists, withdraw, audit, and
a published alert reaching a keeper's phone through the sync pull."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, RiskAlert

ALERTS = "/api/v1/alerts"


def publish(client, headers, status=201, **body):
    body.setdefault("title", "警惕冒充客服退款诈骗")
    body.setdefault("body", "客服不会要求您转账到“安全账户”。")
    resp = client.post(ALERTS, json=body, headers=headers)
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def titles(client, headers, query=""):
    resp = client.get(f"{ALERTS}{query}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return sorted(item["title"] for item in resp.get_json()["items"])


def audit_events(entity="risk_alert"):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
    ).all()


def test_regulator_publishes_for_her_region_by_default(client, world, login, ctx):
    alert = publish(client, login("regulator"))
    assert alert["region_prefix"] == "1505" and alert["active"] is True
    assert alert["published_by"] == world.orgs["regulator"] and alert["expires_at"] is None
    [event] = audit_events()
    assert (event.action, event.entity_id, event.actor_id) == (
        "publish", str(alert["id"]), world.users["regulator"])
    assert event.before is None and event.after["region_prefix"] == "1505"
    assert event.scope == "region:1505"


def test_publish_only_inside_the_region_and_only_known_regions(client, world, login):
    headers = login("regulator")
    assert publish(client, headers, region_prefix="150502")["region_prefix"] == "150502"
    for prefix in ("2101", "", "15", "150599"):  # outside, national, broader, unknown
        body = publish(client, headers, status=422, region_prefix=prefix)
        assert "region_prefix" in body["error"]["fields"], prefix
    # An admin publishes anywhere, nationally by default.
    assert publish(client, login("admin"))["region_prefix"] == ""
    assert publish(client, login("admin"), region_prefix="2101")["region_prefix"] == "2101"


def test_only_regulators_and_admins_publish(client, world, login):
    for user in ("keeper_a", "grid_a", "field_a", "sup_a"):
        publish(client, login(user), status=403)
    assert client.post(ALERTS, json={"title": "t", "body": "b"}).status_code == 401


def test_bad_input_names_the_field(client, world, login):
    headers = login("regulator")
    now = datetime.now(UTC)
    cases = [
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"body": "x" * 5001}, "body"),
        ({"region_prefix": "15050"}, "region_prefix"),
        ({"published_at": "2025-03-01T08:00:00"}, "published_at"),  # no offset
        ({"published_at": "0001-01-01T00:00:00+14:00"}, "published_at"),
        ({"expires_at": "9999-12-31T23:59:59-14:00"}, "expires_at"),
        ({"region_prefix": None}, "region_prefix"),
        ({"title": "反诈\u0000"}, "title"),
        ({"expires_at": (now - timedelta(hours=1)).isoformat()}, "expires_at"),
        ({"published_at": (now + timedelta(days=2)).isoformat(),
          "expires_at": (now + timedelta(days=1)).isoformat()}, "expires_at"),
    ]
    for override, field in cases:
        body = publish(client, headers, status=422, **override)
        assert field in body["error"]["fields"], (override, body)


def test_each_role_sees_the_alerts_for_its_area(client, world, login, ctx):
    reg, admin = login("regulator"), login("admin")
    publish(client, reg, title="科尔沁区", region_prefix="150502")
    publish(client, reg, title="科左中旗", region_prefix="150521")
    publish(client, admin, title="全国")
    publish(client, admin, title="沈阳", region_prefix="2101")
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    publish(client, admin, title="明日", published_at=later)
    db.session.add(RiskAlert(title="已过期", body="旧", region_prefix="",
                             published_at=datetime.now(UTC) - timedelta(days=9),
                             expires_at=datetime.now(UTC) - timedelta(days=1)))
    db.session.commit()
    assert titles(client, login("keeper_a")) == ["全国", "科尔沁区"]
    assert titles(client, login("keeper_b")) == ["全国", "科左中旗"]
    assert titles(client, login("grid_a")) == ["全国", "科尔沁区"]
    assert titles(client, login("field_a")) == ["全国", "科尔沁区"]
    assert titles(client, login("sup_b")) == ["全国", "沈阳", "科左中旗"]
    # Regulators and admins also see history and scheduled alerts.
    assert titles(client, reg) == ["全国", "已过期", "明日", "科尔沁区", "科左中旗"]
    assert titles(client, reg, "?active=true") == ["全国", "科尔沁区", "科左中旗"]
    assert titles(client, admin, "?active=false") == ["已过期", "明日"]
    assert len(titles(client, admin)) == 6
    assert client.get(ALERTS).status_code == 401


def test_one_alert_outside_the_area_answers_404(client, world, login):
    shenyang = publish(client, login("admin"), region_prefix="2101")
    tongliao = publish(client, login("regulator"))
    url = f"{ALERTS}/{shenyang['id']}"
    for user in ("keeper_a", "grid_a", "sup_a", "regulator"):
        assert client.get(url, headers=login(user)).status_code == 404, user
    assert client.get(url, headers=login("sup_b")).status_code == 200  # bank B serves 沈阳
    got = client.get(f"{ALERTS}/{tongliao['id']}", headers=login("keeper_a"))
    assert got.status_code == 200 and got.get_json()["title"] == tongliao["title"]
    assert client.get(f"{ALERTS}/2147483648", headers=login("admin")).status_code == 404


def test_withdraw_ends_the_alert_now_and_is_audited(client, world, login, ctx):
    reg = login("regulator")
    alert = publish(client, reg, region_prefix="150502")
    url = f"{ALERTS}/{alert['id']}/withdraw"
    assert client.post(url, json={}, headers=login("keeper_a")).status_code == 403
    resp = client.post(url, json={"reason": "内容有误 wrong number"}, headers=reg)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["active"] is False and resp.get_json()["expires_at"]
    assert titles(client, login("keeper_a")) == []
    assert titles(client, reg, "?active=false") == [alert["title"]]
    again = client.post(url, json={}, headers=reg)
    assert again.status_code == 409
    publish_event, withdraw_event = audit_events()
    assert withdraw_event.action == "withdraw" and withdraw_event.reason == "内容有误 wrong number"
    assert withdraw_event.before["expires_at"] is None and withdraw_event.after["expires_at"]
    assert withdraw_event.county_code == "150502"


def test_a_regulator_withdraws_only_her_region_alerts(client, world, login):
    national = publish(client, login("admin"))
    shenyang = publish(client, login("admin"), region_prefix="2101")
    reg = login("regulator")
    assert client.post(f"{ALERTS}/{national['id']}/withdraw", headers=reg).status_code == 403
    assert client.post(f"{ALERTS}/{shenyang['id']}/withdraw", headers=reg).status_code == 404
    resp = client.post(f"{ALERTS}/{national['id']}/withdraw", headers=login("admin"))
    assert resp.status_code == 200 and resp.get_json()["active"] is False


def test_a_published_alert_reaches_the_keeper_pull_until_withdrawn(client, world, login):
    keeper = login("keeper_a", device_id="phone-a1")
    assert client.get("/api/v1/sync/pull", headers=keeper).get_json()["alerts"] == []
    alert = publish(client, login("regulator"), title="反电诈: 不要透露验证码",
                    region_prefix="150502001001")
    publish(client, login("regulator"), title="别的村", region_prefix="150502001002")
    pulled = client.get("/api/v1/sync/pull", headers=keeper).get_json()["alerts"]
    assert [(a["id"], a["title"]) for a in pulled] == [(alert["id"], "反电诈: 不要透露验证码")]
    client.post(f"{ALERTS}/{alert['id']}/withdraw", headers=login("regulator"))
    assert client.get("/api/v1/sync/pull", headers=keeper).get_json()["alerts"] == []


def test_role_matrix_for_one_county_alert(client, world, login):
    """A 科尔沁区 alert: seen by everyone whose area holds a village there, 404 for the rest;
    withdrawn only by the region's regulator or an admin (403 for the other roles)."""
    alert = publish(client, login("regulator"), region_prefix="150502")
    readers = {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}
    for user in ("keeper_a", "keeper_b", "grid_a", "grid_b", "field_a", "field_b",
                 "sup_a", "sup_b", "regulator", "admin"):
        headers = login(user)
        got = client.get(f"{ALERTS}/{alert['id']}", headers=headers).status_code
        assert got == (200 if user in readers else 404), user
        if user not in ("regulator", "admin"):
            withdrawn = client.post(f"{ALERTS}/{alert['id']}/withdraw", headers=headers)
            assert withdrawn.status_code == 403, user
