"""Grid assignments: scope, one open grid worker per village (409 or replace), ending."""
from app.extensions import db
from app.models import AuditEvent
from sqlalchemy import select

URL = "/api/v1/grid-assignments"


def test_assignments_are_scoped(client, world, login):
    def ids(who):
        return sorted(a["id"] for a in client.get(URL, headers=login(who)).get_json()["items"])

    a, b = world.assignments["grid_a"], world.assignments["grid_b"]
    assert ids("admin") == [a, b]
    assert ids("sup_a") == [a] and ids("grid_b") == [b] and ids("keeper_a") == [a]
    assert ids("regulator") == [a, b]
    item = client.get(f"{URL}/{a}", headers=login("sup_a")).get_json()
    assert item["village_name"] == "前进村" and item["username"] == "grid_a" and item["ends_on"] is None
    assert client.get(f"{URL}/{b}", headers=login("sup_a")).status_code == 404


def test_assign_a_free_village(client, world, login):
    body = {"user_id": world.users["grid_a"], "village_code": "150502001002"}
    resp = client.post(URL, json=body, headers=login("sup_a"))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["county_code"] == "150502" and resp.get_json()["starts_on"]


def test_a_village_with_a_grid_worker_is_409_unless_replaced(client, world, login, ctx):
    headers = login("admin")
    client.post("/api/v1/users", json={"username": "grid_a2", "display_name": "网格员乙", "role": "grid_worker",
                                       "org_id": world.orgs["branch_a"]}, headers=headers)
    new_worker = client.get("/api/v1/users", query_string={"q": "grid_a2"}, headers=headers).get_json()["items"][0]["id"]
    body = {"user_id": new_worker, "village_code": "150502001001"}
    resp = client.post(URL, json=body, headers=login("sup_a"))
    assert resp.status_code == 409 and "replace" in resp.get_json()["error"]["message"]
    resp = client.post(URL, json={**body, "replace": True, "starts_on": "2025-06-01"}, headers=login("sup_a"))
    assert resp.status_code == 201, resp.get_json()
    old = client.get(f"{URL}/{world.assignments['grid_a']}", headers=headers).get_json()
    assert old["ends_on"] == "2025-06-01"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "grid_assignment")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["end", "assign"]


def test_another_banks_assignment_cannot_be_replaced(client, world, login):
    body = {"user_id": world.users["grid_a"], "village_code": "150521001001", "replace": True}
    resp = client.post(URL, json=body, headers=login("sup_a"))
    assert resp.status_code == 409 and "another bank" in resp.get_json()["error"]["message"]


def test_assigning_the_same_worker_twice_is_409(client, world, login):
    body = {"user_id": world.users["grid_a"], "village_code": "150502001001", "replace": True}
    assert client.post(URL, json=body, headers=login("admin")).status_code == 409


def test_bad_assignment_is_422(client, world, login):
    resp = client.post(URL, json={"user_id": world.users["keeper_a"], "village_code": "150502001000"},
                       headers=login("admin"))
    assert resp.status_code == 422
    assert {"user_id"} <= set(resp.get_json()["error"]["fields"])
    resp = client.post(URL, json={"user_id": world.users["grid_a"], "village_code": "150502001000"},
                       headers=login("admin"))
    assert resp.status_code == 422 and "village_code" in resp.get_json()["error"]["fields"]


def test_end_an_assignment(client, world, login):
    a = world.assignments["grid_a"]
    headers = login("sup_a")
    assert client.post(f"{URL}/{a}/end", json={"ends_on": "2023-01-01"}, headers=headers).status_code == 422
    resp = client.post(f"{URL}/{a}/end", json={"reason": "调岗"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["ends_on"]
    assert client.post(f"{URL}/{a}/end", json={}, headers=headers).status_code == 409
    assert client.get("/api/v1/service-points", headers=login("grid_a")).get_json()["total"] == 0
