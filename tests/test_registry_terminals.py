"""Terminals: list/add under a point, change, remove; audited; scoped through the point."""
from app.extensions import db
from app.models import AuditEvent
from sqlalchemy import select

TERMINAL = {"merchant_code": "102150570110009", "terminal_code": "15050009", "serial_no": "SN9", "kind": "smart_pos",
            "installed_on": "2024-05-01"}


def test_list_add_change_and_remove(client, world, login, ctx):
    a1, headers = world.points["a1"], login("sup_a")
    listed = client.get(f"/api/v1/service-points/{a1}/terminals", headers=headers).get_json()
    assert [t["terminal_code"] for t in listed] == ["15050001"]

    resp = client.post(f"/api/v1/service-points/{a1}/terminals", json=TERMINAL, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    tid = resp.get_json()["id"]
    resp = client.patch(f"/api/v1/terminals/{tid}", json={"serial_no": "SN10"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["serial_no"] == "SN10"
    resp = client.post(f"/api/v1/terminals/{tid}/remove", json={"removed_on": "2025-01-02", "reason": "更换"},
                       headers=headers)
    assert resp.status_code == 200 and resp.get_json()["removed_on"] == "2025-01-02"
    assert client.post(f"/api/v1/terminals/{tid}/remove", json={}, headers=headers).status_code == 409
    assert client.patch(f"/api/v1/terminals/{tid}", json={"serial_no": "x"}, headers=headers).status_code == 409

    history = client.get(f"/api/v1/service-points/{a1}/history", headers=headers).get_json()
    assert [(e["entity"], e["action"]) for e in history["items"]] == [
        ("terminal", "create"), ("terminal", "update"), ("terminal", "remove")]
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[-1].reason == "更换" and events[-1].county_code == "150502"


def test_the_same_active_codes_twice_is_409(client, world, login):
    headers = login("admin")
    body = {"merchant_code": "102150570110001", "terminal_code": "15050001"}  # a1's terminal
    resp = client.post(f"/api/v1/service-points/{world.points['a2']}/terminals", json=body, headers=headers)
    assert resp.status_code == 409


def test_removal_before_installation_is_422(client, world, login):
    resp = client.post(f"/api/v1/terminals/{world.terminals['a1']}/remove", json={"removed_on": "2019-01-01"},
                       headers=login("admin"))
    assert resp.status_code == 422 and "removed_on" in resp.get_json()["error"]["fields"]


def test_bad_terminal_fields_are_422(client, world, login):
    body = {"merchant_code": "商户", "terminal_code": "", "kind": "phone"}
    resp = client.post(f"/api/v1/service-points/{world.points['a1']}/terminals", json=body, headers=login("admin"))
    assert resp.status_code == 422
    assert {"merchant_code", "terminal_code", "kind"} <= set(resp.get_json()["error"]["fields"])


def test_a_closed_point_gets_no_terminal(client, world, login):
    headers, a2 = login("sup_a"), world.points["a2"]
    client.post(f"/api/v1/service-points/{a2}/close", json={"reason": "关闭"}, headers=headers)
    resp = client.post(f"/api/v1/service-points/{a2}/terminals", json=TERMINAL, headers=headers)
    assert resp.status_code == 409


def test_terminals_are_scoped_through_their_point(client, world, login):
    assert client.get(f"/api/v1/terminals/{world.terminals['b1']}", headers=login("sup_a")).status_code == 404
    assert client.get(f"/api/v1/terminals/{world.terminals['a1']}", headers=login("keeper_a")).status_code == 200
    resp = client.patch(f"/api/v1/terminals/{world.terminals['b1']}", json={"serial_no": "x"}, headers=login("sup_a"))
    assert resp.status_code == 404
