"""What each role's answers contain, not only their status: lists hold exactly the rows
of the user's scope, phone numbers are masked for anyone who does not own the record,
and ids carried in query strings and bodies (not only in paths) cannot widen a scope.
Every id comes from the world the test builds; none is written down."""
import re

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.sync_support import push, record

ROLES = ("keeper_a", "keeper_b", "grid_a", "grid_b", "field_a", "field_b", "sup_a", "sup_b", "regulator", "admin")
# Points each role sees (tests.factories.build_world).
POINTS = {
    "keeper_a": {"a1"}, "keeper_b": {"b1"}, "grid_a": {"a1"}, "grid_b": {"b1"},
    "field_a": {"a1", "a2"}, "sup_a": {"a1", "a2"}, "field_b": {"b1", "l1"}, "sup_b": {"b1", "l1"},
    "regulator": {"a1", "a2", "b1"}, "admin": {"a1", "a2", "b1", "l1"},
}
# Owners of a point's record see its keeper's phone in full: its keeper, its bank's
# supervisor and the admin.
OWNERS = {"a1": {"keeper_a", "sup_a", "admin"}, "a2": {"sup_a", "admin"},
          "b1": {"keeper_b", "sup_b", "admin"}, "l1": {"sup_b", "admin"}}
LEDGER_READERS = {"sup_a": {"a1"}, "sup_b": {"b1"}, "regulator": {"a1", "b1"}, "admin": {"a1", "b1"}}
MASKED_PHONE = re.compile(r"^\d{3}\*+\d{4}$")


def _ids(world, keys):
    return {world.points[k] for k in keys}


def _all(client, url, headers):
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["items"]


@pytest.mark.parametrize("role", ROLES)
def test_point_list_holds_exactly_her_scope_with_phones_masked(client, world, login, role):
    items = _all(client, "/api/v1/service-points?limit=100", login(role))
    by_id = {p["id"]: p for p in items}
    assert set(by_id) == _ids(world, POINTS[role])
    for key in POINTS[role]:
        phone = by_id[world.points[key]]["keeper_phone"]
        if role in OWNERS[key]:
            assert phone == "13904751234"
        else:
            assert MASKED_PHONE.match(phone), (role, key, phone)


@pytest.mark.parametrize("role", ROLES)
def test_scope_filters_cannot_widen_the_point_list(client, world, login, role):
    """Filters narrow the user's scope; a bank or region outside it returns nothing."""
    headers = login(role)
    for bank in ("bank_a", "bank_b"):
        items = _all(client, f"/api/v1/service-points?bank={world.orgs[bank]}&limit=100", headers)
        assert {p["id"] for p in items} <= _ids(world, POINTS[role])
    items = _all(client, "/api/v1/service-points?region=2101&limit=100", headers)
    assert {p["id"] for p in items} <= _ids(world, POINTS[role] & {"l1"})


@pytest.fixture
def pushed(client, world, login, rules):
    """Records at a1 and b1 (l1 and a2 have no keeper)."""
    ids = {}
    for keeper, key in (("keeper_a", "a1"), ("keeper_b", "b1")):
        recs = [record(world.points[key], amount_fen=30000 * (i + 1)) for i in range(2)]
        push(client, login(keeper), recs)
        ids[key] = {r["id"] for r in recs}
    return ids


@pytest.mark.parametrize("role", sorted(LEDGER_READERS))
def test_ledger_lists_hold_exactly_her_points(client, world, login, pushed, role):
    headers = login(role)
    seen = LEDGER_READERS[role]
    items = _all(client, "/api/v1/ledger?limit=100", headers)
    assert {r["id"] for r in items} == set().union(*(pushed[k] for k in seen))
    assert all(re.match(r"^\d{6}\*+\d{4}$", r["card_masked"]) for r in items)
    daily = _all(client, "/api/v1/ledger/daily?limit=100", headers)
    assert {d["point_id"] for d in daily} == _ids(world, seen)


@pytest.mark.parametrize("role", sorted(LEDGER_READERS))
@pytest.mark.parametrize("path", ["/api/v1/ledger", "/api/v1/ledger/daily"])
def test_point_id_in_the_query_string_cannot_widen_the_ledger(client, world, login, pushed, role, path):
    headers = login(role)
    for key in ("a1", "b1"):
        resp = client.get(f"{path}?point_id={world.points[key]}", headers=headers)
        if key in LEDGER_READERS[role]:
            assert resp.status_code == 200
            items = resp.get_json()["items"]
            assert items and all(r["point_id"] == world.points[key] for r in items)
        else:  # another scope's point: answered as a point that does not exist
            assert resp.status_code in (200, 404), resp.get_json()
            assert resp.status_code == 404 or resp.get_json()["items"] == []


@pytest.mark.parametrize("role", ["keeper_a", "grid_a", "field_a"])
def test_ledger_views_are_refused_to_roles_without_them(client, world, login, pushed, role):
    for path in ("/api/v1/ledger", f"/api/v1/ledger?point_id={world.points['a1']}", "/api/v1/ledger/daily"):
        assert client.get(path, headers=login(role)).status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_user_list_in_scope_with_phones_masked(app, client, world, login, role):
    resp = client.get("/api/v1/users?limit=100", headers=login(role))
    if resp.status_code == 403:
        assert role not in ("sup_a", "sup_b", "admin", "regulator")
        return
    items = resp.get_json()["items"]
    names = {u["username"] for u in items}
    if role == "admin":
        assert names == set(ROLES)
    elif role == "sup_a":
        assert "keeper_b" not in names and "sup_b" not in names and "keeper_a" in names
    elif role == "sup_b":
        assert "keeper_a" not in names and "sup_a" not in names and "keeper_b" in names
    for u in items:
        if role != "admin" and u["username"] != role and u["phone"]:
            if role == "regulator":  # she manages nobody: every other phone is masked
                assert MASKED_PHONE.match(u["phone"]), u


@pytest.mark.parametrize("role", ROLES)
def test_grid_assignment_list_in_scope(client, world, login, role):
    resp = client.get("/api/v1/grid-assignments?limit=100", headers=login(role))
    if resp.status_code == 403:
        return
    assert resp.status_code == 200
    ids = {a["id"] for a in resp.get_json()["items"]}
    a, b = world.assignments["grid_a"], world.assignments["grid_b"]
    if POINTS[role] & {"a1"}:
        assert a in ids
    else:
        assert a not in ids
    if POINTS[role] & {"b1"}:
        assert b in ids
    else:
        assert b not in ids


def _assignments(app):
    with app.app_context():
        rows = db.session.execute(text("select id, user_id, village_code, ends_on from grid_assignments"
                                       " order by id")).all()
        db.session.remove()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("who, worker, village, allowed", [
    ("sup_a", "grid_a", "150502001002", True),   # her grid worker, her bank's county
    ("sup_a", "grid_b", "150502001002", False),  # another bank's worker, id in the body
    ("sup_a", "grid_a", "210102001001", False),  # a village outside her bank's region
    ("sup_b", "grid_a", "150521001002", False),
    ("admin", "grid_b", "150521001002", True),
])
def test_grid_assignment_user_id_in_the_body_cannot_widen_scope(app, client, world, login, who, worker,
                                                                village, allowed):
    before = _assignments(app)
    resp = client.post("/api/v1/grid-assignments", headers=login(who),
                       json={"user_id": world.users[worker], "village_code": village})
    if allowed:
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["user_id"] == world.users[worker]
        assert len(_assignments(app)) == len(before) + 1
    else:
        assert resp.status_code in (403, 404, 422), resp.get_json()
        assert _assignments(app) == before  # the refused write changed nothing
