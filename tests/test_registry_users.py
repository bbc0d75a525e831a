"""Users and devices: scope, masking, supervisor's limits, passwords, device revocation."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User

URL = "/api/v1/users"


def usernames(resp):
    return sorted(u["username"] for u in resp.get_json()["items"])


@pytest.mark.parametrize("who, expected", [
    ("sup_a", ["field_a", "grid_a", "keeper_a", "sup_a"]),
    ("regulator", ["field_a", "field_b", "grid_a", "grid_b", "keeper_a", "keeper_b", "regulator"]),
    ("keeper_a", ["keeper_a"]),
    ("grid_b", ["grid_b"]),
])
def test_users_are_scoped(client, world, login, who, expected):
    assert usernames(client.get(URL, headers=login(who))) == expected


def test_phones_masked_for_non_owners(client, world, login):
    keeper = world.users["keeper_a"]
    assert client.get(f"{URL}/{keeper}", headers=login("sup_a")).get_json()["phone"] == "13904750001"
    assert client.get(f"{URL}/{keeper}", headers=login("keeper_a")).get_json()["phone"] == "13904750001"
    assert client.get(f"{URL}/{keeper}", headers=login("regulator")).get_json()["phone"] == "139****0001"
    listed = client.get(URL, query_string={"role": "keeper"}, headers=login("regulator")).get_json()["items"]
    assert {u["phone"] for u in listed} == {"139****0001", "139****0002"}


def test_supervisor_adds_a_keeper_who_can_sign_in(client, world, login, ctx):
    body = {"username": "keeper_a2", "display_name": "赵秀芬", "role": "keeper", "point_id": world.points["a2"],
            "phone": "13904750003", "password": "a-long-password"}
    resp = client.post(URL, json=body, headers=login("sup_a"))
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert "password" not in created and "password_hash" not in created and created["can_sign_in"]
    assert created["county_code"] == "150502"
    assert login("keeper_a2", password="a-long-password")
    stored = db.session.get(User, created["id"])
    assert stored.password_hash.startswith("pbkdf2:")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "user")).one()
    assert "password" not in str(event.after) or event.after.get("can_sign_in") is True
    assert "a-long-password" not in str(event.after)


@pytest.mark.parametrize("body, status, field", [
    ({"role": "supervisor", "org_id": "bank_a"}, 403, None),
    ({"role": "keeper", "point_id": "b1"}, 422, "point_id"),  # another bank's point
    ({"role": "keeper"}, 422, "point_id"),
    ({"role": "grid_worker", "org_id": "branch_b"}, 422, "org_id"),
    ({"role": "field_agent", "org_id": "branch_a", "point_id": "a1"}, 422, "point_id"),
    ({"role": "grid_worker", "org_id": "branch_a", "phone": "110"}, 422, "phone"),
    ({"role": "grid_worker", "org_id": "branch_a", "password": "short"}, 422, "password"),
])
def test_supervisor_limits(client, world, login, body, status, field):
    body = dict(body, username="new_user", display_name="新用户")
    for key, pool in (("org_id", world.orgs), ("point_id", world.points)):
        if key in body:
            body[key] = pool[body[key]]
    resp = client.post(URL, json=body, headers=login("sup_a"))
    assert resp.status_code == status, resp.get_json()
    if field:
        assert field in resp.get_json()["error"]["fields"]


def test_duplicate_username_is_409(client, world, login):
    body = {"username": "grid_a", "display_name": "x", "role": "grid_worker", "org_id": world.orgs["branch_a"]}
    assert client.post(URL, json=body, headers=login("admin")).status_code == 409


def test_patch_deactivates_and_sets_password(client, world, login):
    headers, grid = login("sup_a"), world.users["grid_a"]
    grid_headers = login("grid_a")
    resp = client.patch(f"{URL}/{grid}", json={"password": "new-password-9", "display_name": "网格员甲"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["display_name"] == "网格员甲"
    assert login("grid_a", password="new-password-9")
    assert client.patch(f"{URL}/{grid}", json={"active": False}, headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=grid_headers).status_code == 401  # inactive: tokens stop


def test_new_password_signs_the_person_out_everywhere(client, world, login):
    old_token = login("keeper_a", device_id="phone-of-keeper-a")
    assert client.get("/api/v1/auth/me", headers=old_token).status_code == 200
    resp = client.patch(f"{URL}/{world.users['keeper_a']}", json={"password": "new-password-9"},
                        headers=login("sup_a"))
    assert resp.status_code == 200
    assert client.get("/api/v1/auth/me", headers=old_token).status_code == 401
    assert client.get("/api/v1/auth/me", headers=login("keeper_a", password="new-password-9")).status_code == 200


def test_supervisor_cannot_change_a_supervisor_or_other_banks_users(client, world, login):
    headers = login("sup_a")
    assert client.patch(f"{URL}/{world.users['sup_a']}", json={"display_name": "x"}, headers=headers).status_code == 403
    assert client.patch(f"{URL}/{world.users['keeper_b']}", json={"display_name": "x"}, headers=headers).status_code == 404


def test_devices_listed_and_revoked_by_the_supervisor(client, world, login, ctx):
    keeper_headers = login("keeper_a", device_id="phone-of-keeper-a")
    keeper = world.users["keeper_a"]
    devices = client.get(f"{URL}/{keeper}/devices", headers=login("sup_a")).get_json()
    assert len(devices) == 1 and devices[0]["revoked_at"] is None and devices[0]["device_hint"].endswith("er-a")
    assert client.get(f"{URL}/{keeper}/devices", headers=keeper_headers).status_code == 200
    device = devices[0]["id"]
    assert client.post(f"/api/v1/devices/{device}/revoke", json={}, headers=login("sup_b")).status_code == 404
    assert client.post(f"/api/v1/devices/{device}/revoke", json={}, headers=keeper_headers).status_code == 403
    resp = client.post(f"/api/v1/devices/{device}/revoke", json={"reason": "手机丢失"}, headers=login("sup_a"))
    assert resp.status_code == 200 and resp.get_json()["revoked_at"]
    assert client.get("/api/v1/auth/me", headers=keeper_headers).status_code == 401
    assert client.post(f"/api/v1/devices/{device}/revoke", json={}, headers=login("sup_a")).status_code == 409
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "device")).one()
    assert event.action == "revoke" and event.reason == "手机丢失"
