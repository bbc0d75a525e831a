"""Service points: CRUD, filters, paging, status machine, history, audit, masking, 422s."""
import pytest
from sqlalchemy import select

from app.core.exceptions import Conflict, NotFound
from app.extensions import db
from app.models import AuditEvent, ServicePoint, User
from app.registry.points import services as point_services

URL = "/api/v1/service-points"


def new_point(**extra):
    body = dict(
        bank_id=None, name="团结村助农取款服务点", shop_name="团结村超市", licence_no="92150521MA0X1",
        keeper_name="李秀英", keeper_phone="13947501234", address="团结村委会东100米",
        village_code="150521001002", lon=123.401, lat=44.101,
        services=["withdrawal", "balance_inquiry"], signage=True, opened_on="2024-03-01",
    )
    body.update(extra)
    return body


def ids(resp):
    return sorted(item["id"] for item in resp.get_json()["items"])


def test_list_has_the_exact_page_shape_and_item_fields(client, world, login):
    resp = client.get(URL, headers=login("admin"))
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (4, 50, 0)
    item = next(i for i in body["items"] if i["id"] == world.points["a1"])
    assert item["village_code"] == "150502001001" and item["village_name"] == "前进村"
    assert item["county_code"] == "150502"
    assert item["bank_name"] == "大林镇分理处"
    assert (item["lon"], item["lat"]) == pytest.approx((122.301, 43.601))
    assert item["terminals"][0]["terminal_code"] == "15050001"
    for key in ("id", "code", "name", "shop_name", "licence_no", "keeper_name", "keeper_phone",
                "address", "bank_id", "services", "status", "status_since", "status_reason",
                "opened_on", "closed_on", "signage", "created_at", "updated_at"):
        assert key in item


@pytest.mark.parametrize("who, expected", [
    ("admin", ["a1", "a2", "b1", "l1"]),
    ("sup_a", ["a1", "a2"]),
    ("field_b", ["b1", "l1"]),
    ("regulator", ["a1", "a2", "b1"]),
    ("grid_a", ["a1"]),
    ("keeper_b", ["b1"]),
])
def test_every_list_is_scoped_by_the_token(client, world, login, who, expected):
    resp = client.get(URL, headers=login(who))
    assert ids(resp) == sorted(world.points[k] for k in expected)
    assert resp.get_json()["total"] == len(expected)


def test_scope_cannot_be_widened_by_a_filter(client, world, login):
    resp = client.get(URL, query_string={"bank": world.orgs["bank_b"]}, headers=login("sup_a"))
    assert resp.get_json()["items"] == [] and resp.get_json()["total"] == 0


@pytest.mark.parametrize("args, expected", [
    ({"region": "150502"}, ["a1", "a2"]),
    ({"region": "15"}, ["a1", "a2", "b1"]),
    ({"region": "150502001002"}, ["a2"]),
    ({"bank": "branch_a"}, ["a1", "a2"]),  # the outlet below the branch counts
    ({"bank": "outlet_a"}, ["a1"]),
    ({"bank": "bank_a"}, ["a1", "a2"]),
    ({"status": "suspended"}, ["a2"]),
    ({"bbox": "122.2,43.5,122.35,43.7"}, ["a1"]),
    ({"bbox": "123,41,124,45"}, ["b1", "l1"]),
    ({"q": "胜利"}, ["a2"]),
    ({"q": "王桂兰"}, ["a1", "a2", "b1", "l1"]),
    ({"q": "%"}, []),
    ({"region": "2101", "bbox": "123,41,124,45"}, ["l1"]),
])
def test_filters(client, world, login, args, expected):
    if "bank" in args:
        args = {**args, "bank": world.orgs[args["bank"]]}
    resp = client.get(URL, query_string=args, headers=login("admin"))
    assert resp.status_code == 200, resp.get_json()
    assert ids(resp) == sorted(world.points[k] for k in expected)


def test_paging_keeps_the_total(client, world, login):
    headers = login("admin")
    first = client.get(URL, query_string={"limit": 3}, headers=headers).get_json()
    second = client.get(URL, query_string={"limit": 3, "offset": 3}, headers=headers).get_json()
    assert (first["total"], second["total"]) == (4, 4)
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])


@pytest.mark.parametrize("args, field", [
    ({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset"),
    ({"region": "15x"}, "region"), ({"region": "1"}, "region"), ({"status": "open"}, "status"),
    ({"bbox": "1,2,3"}, "bbox"), ({"bbox": "a,b,c,d"}, "bbox"), ({"bbox": "10,10,5,5"}, "bbox"),
    ({"bbox": "nan,1,2,3"}, "bbox"), ({"bank": "x"}, "bank"),
])
def test_bad_query_arguments_are_422_naming_the_field(client, world, login, args, field):
    resp = client.get(URL, query_string=args, headers=login("admin"))
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]


def test_phone_is_masked_for_those_who_do_not_own_the_point(client, world, login):
    a1 = world.points["a1"]
    for who in ("keeper_a", "sup_a", "admin"):
        assert client.get(f"{URL}/{a1}", headers=login(who)).get_json()["keeper_phone"] == "13904751234"
    for who in ("grid_a", "field_a", "regulator"):
        assert client.get(f"{URL}/{a1}", headers=login(who)).get_json()["keeper_phone"] == "139****1234"


def test_supervisor_creates_a_point_in_her_subtree_with_an_audit_row(client, world, login, ctx):
    body = new_point(bank_id=world.orgs["branch_b"])
    resp = client.post(URL, json=body, headers=login("sup_b"))
    assert resp.status_code == 201, resp.get_json()
    point = resp.get_json()
    assert point["county_code"] == "150521" and point["status"] == "active"
    assert point["village_name"] == "团结村" and point["bank_name"] == "邮储银行科左中旗支行"
    stored = db.session.get(ServicePoint, point["id"])
    assert stored.bank_path.endswith(f"/{world.orgs['branch_b']}/")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(point["id"]))).one()
    assert (event.action, event.entity, event.actor_id) == ("create", "service_point", world.users["sup_b"])
    assert event.before is None and event.after["name"] == body["name"]
    assert event.scope.startswith("org:")


def test_a_point_for_another_banks_subtree_is_refused(client, world, login):
    resp = client.post(URL, json=new_point(bank_id=world.orgs["branch_b"]), headers=login("sup_a"))
    assert resp.status_code == 422
    assert "bank_id" in resp.get_json()["error"]["fields"]


@pytest.mark.parametrize("change, field", [
    ({"lon": 10.0}, "lon"), ({"lat": 60.0}, "lat"), ({"lon": 181}, "lon"),
    ({"keeper_phone": "12345"}, "keeper_phone"), ({"services": ["loans"]}, "services"),
    ({"services": []}, "services"), ({"village_code": "1505"}, "village_code"),
    ({"village_code": "150521001009"}, "village_code"),  # well-formed, no such village
    ({"village_code": "150521001000"}, "village_code"),  # a township, not a village
    ({"name": ""}, "name"), ({"name": "x\x00y"}, "name"), ({"name": "x\ud800"}, "name"),
    ({"shop_name": None}, "shop_name"),
])
def test_invalid_point_is_422_with_the_field(client, world, login, change, field):
    body = new_point(bank_id=world.orgs["branch_b"], **change)
    resp = client.post(URL, json=body, headers=login("admin"))
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["error"]["fields"]


def test_missing_required_fields_are_named(client, world, login):
    resp = client.post(URL, json={}, headers=login("admin"))
    assert resp.status_code == 422
    assert {"bank_id", "name", "village_code", "lon", "lat", "services"} <= set(resp.get_json()["error"]["fields"])


def test_duplicate_point_code_is_409(client, world, login):
    headers = login("admin")
    body = new_point(bank_id=world.orgs["branch_b"], code="TL-0001")
    assert client.post(URL, json=body, headers=headers).status_code == 201
    resp = client.post(URL, json=body, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "conflict"


def test_patch_updates_fields_and_keeps_history(client, world, login):
    a1, headers = world.points["a1"], login("sup_a")
    resp = client.patch(f"{URL}/{a1}", json={"keeper_phone": "13800000000", "village_code": "150502001002",
                                             "lon": 122.41, "lat": 43.61}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["village_name"] == "胜利村" and resp.get_json()["lon"] == pytest.approx(122.41)
    history = client.get(f"{URL}/{a1}/history", headers=headers).get_json()
    assert history["total"] == 1
    event = history["items"][0]
    assert event["action"] == "update" and event["actor"] == "sup_a"
    assert event["before"]["keeper_phone"] == "13904751234" and event["after"]["keeper_phone"] == "13800000000"
    assert event["before"]["village_code"] == "150502001001"


def test_status_is_not_patched(client, world, login):
    resp = client.patch(f"{URL}/{world.points['a1']}", json={"status": "closed"}, headers=login("sup_a"))
    assert resp.status_code == 422 and "status" in resp.get_json()["error"]["fields"]


def test_status_machine_with_dates_and_reasons(client, app, world, login):
    a1, headers = world.points["a1"], login("sup_a")
    resp = client.post(f"{URL}/{a1}/suspend", json={"reason": "机具故障"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "suspended"
    assert resp.get_json()["status_reason"] == "机具故障"
    assert client.post(f"{URL}/{a1}/suspend", json={"reason": "again"}, headers=headers).status_code == 409
    closed = client.post(f"{URL}/{a1}/close", json={"reason": "店铺关闭"}, headers=headers).get_json()
    assert closed["status"] == "closed" and closed["closed_on"] == closed["status_since"]
    resp = client.post(f"{URL}/{a1}/suspend", json={"reason": "x"}, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "conflict"
    assert client.post(f"{URL}/{a1}/close", json={"reason": "x"}, headers=headers).status_code == 409
    reopened = client.post(f"{URL}/{a1}/reopen", json={"reason": "新店主接手"}, headers=headers).get_json()
    assert reopened["status"] == "active" and reopened["closed_on"] is None
    assert client.post(f"{URL}/{a1}/reopen", json={"reason": "x"}, headers=headers).status_code == 409
    history = client.get(f"{URL}/{a1}/history", headers=headers).get_json()
    assert [e["action"] for e in history["items"]] == ["suspend", "close", "reopen"]
    assert history["items"][1]["before"]["status"] == "suspended"
    assert history["items"][1]["after"]["status"] == "closed" and history["items"][1]["reason"] == "店铺关闭"


def test_status_change_needs_a_reason(client, world, login):
    resp = client.post(f"{URL}/{world.points['a1']}/suspend", json={}, headers=login("sup_a"))
    assert resp.status_code == 422 and "reason" in resp.get_json()["error"]["fields"]
    resp = client.post(f"{URL}/{world.points['a1']}/close", json={"reason": ""}, headers=login("sup_a"))
    assert resp.status_code == 422 and "reason" in resp.get_json()["error"]["fields"]


def test_history_masks_the_phone_for_the_regulator(client, world, login):
    a1 = world.points["a1"]
    client.patch(f"{URL}/{a1}", json={"keeper_phone": "13800000000"}, headers=login("sup_a"))
    event = client.get(f"{URL}/{a1}/history", headers=login("regulator")).get_json()["items"][0]
    assert event["after"]["keeper_phone"] == "138****0000"


def test_keepers_cannot_write_the_registry(client, world, login):
    headers, a1 = login("keeper_a"), world.points["a1"]
    assert client.patch(f"{URL}/{a1}", json={"name": "x"}, headers=headers).status_code == 403
    assert client.post(f"{URL}/{a1}/suspend", json={"reason": "x"}, headers=headers).status_code == 403
    assert client.post(URL, json=new_point(bank_id=world.orgs["branch_a"]), headers=headers).status_code == 403


def test_a_refused_change_leaves_no_audit_row(client, world, login, ctx):
    client.post(f"{URL}/{world.points['a1']}", json={}, headers=login("sup_a"))
    client.patch(f"{URL}/{world.points['a1']}", json={"village_code": "999999999999"}, headers=login("sup_a"))
    assert db.session.scalar(select(AuditEvent).limit(1)) is None


def test_services_run_without_a_request_and_raise_domain_errors(world, ctx):
    """A service takes the acting user as an argument, so a command or a job can call it."""
    sup_a, grid_a = db.session.get(User, world.users["sup_a"]), db.session.get(User, world.users["grid_a"])
    a1, b1 = world.points["a1"], world.points["b1"]
    assert point_services.get_point(sup_a, a1).shown_keeper_phone == "13904751234"
    assert point_services.get_point(grid_a, a1).shown_keeper_phone == "139****1234"
    with pytest.raises(NotFound):
        point_services.get_point(sup_a, b1)
    closed = point_services.close_point(sup_a, a1, "撤点")
    assert closed.status == "closed" and closed.closed_on is not None
    with pytest.raises(Conflict, match="A closed point cannot be suspended"):
        point_services.suspend_point(sup_a, a1, "暂停")
