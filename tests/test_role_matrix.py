"""Every id-bearing endpoint x every role in `world`.

In-scope access works; another scope's object answers 404 (indistinguishable from an id
that does not exist); a role that may never do the thing answers 403; no token, 401.
"""
import pytest

ROLES = ("keeper_a", "keeper_b", "grid_a", "grid_b", "field_a", "field_b", "sup_a", "sup_b", "regulator", "admin")
ALL = set(ROLES)
WRITERS = {"sup_a", "sup_b", "admin"}

# Who may read bank A's point a1 (and its terminal, history, terminals list).
A1_READERS = {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}
# Bank B's point l1 lies outside the regulator's region (Liaoning).
L1_READERS = {"field_b", "sup_b", "admin"}
A_WRITERS = {"sup_a", "admin"}


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
]


@pytest.fixture
def device(world, login):
    """keeper_a signs in on a phone, which registers device 1."""
    login("keeper_a", device_id="phone-of-keeper-a")
    return 1


def resolve(path, world, device_id):
    """Fill {kind:key} placeholders with ids from the world."""
    pools = {"point": world.points, "terminal": world.terminals, "user": world.users,
             "assignment": world.assignments, "org": world.orgs}
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


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, ok, forbidden, body", ENDPOINTS)
def test_role_matrix(client, world, login, device, role, method, path, ok, forbidden, body):
    resp = call(client, method, resolve(path, world, device), body, login(role))
    expected = "ok" if role in ok else 403 if role in forbidden else 404
    if expected == "ok":
        assert 200 <= resp.status_code < 300, (role, resp.status_code, resp.get_json())
    else:
        assert resp.status_code == expected, (role, resp.get_json())
        assert resp.get_json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[expected]


@pytest.mark.parametrize("method, path, ok, forbidden, body", ENDPOINTS)
def test_unauthenticated_is_401(client, world, device, method, path, ok, forbidden, body):
    resp = call(client, method, resolve(path, world, device), body)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("method, path, ok, forbidden, body", ENDPOINTS)
def test_out_of_scope_looks_like_missing(client, world, login, device, method, path, ok, forbidden, body):
    """An id from another scope and an id that does not exist get the same answer."""
    outsider = next((r for r in ROLES if r not in ok and r not in forbidden), None)
    if outsider is None or "{region" in path:
        pytest.skip("every role may reach this object")
    headers = login(outsider)
    real = call(client, method, resolve(path, world, device), body, headers)
    missing_path = path.split("{")[0] + "2147483000" + path.split("}", 1)[1]
    missing = call(client, method, missing_path, body, headers)
    assert real.status_code == missing.status_code == 404
    assert real.get_json() == missing.get_json()
