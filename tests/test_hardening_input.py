"""No 500 from any input: size, content type, nesting, strings no database or log can
take, dates out of range, and a property test that any JSON value sent to any write
route of the URL map answers below 500."""
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.fields import EARLIEST_DATE
from app.security import MAX_JSON_DEPTH

LOGIN = "/api/v1/auth/login"


def _write_routes(app):
    """(method, url) for every POST/PATCH/PUT/DELETE rule, ids filled with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "1", rule.rule)
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT", "DELETE"}):
            routes.append((method, url))
    return routes


# Any JSON value, with what breaks naive parsers: lone surrogates, control characters,
# integers far outside 64 bits, floats at the edges, deep nesting.
json_scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text()
    | st.sampled_from(["\ud800", "a\udfffb", "\x00", "\x1b[31m", "9" * 400, ""])
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12) | st.sampled_from(
        ["username", "password", "device_id", "device_label", "records", "name", "note",
         "code", "opened_on", "display_name", "active", "reason", "title", "body"]),
        children, max_size=5),
    max_leaves=20,
)


@pytest.fixture
def every_role(app, world, login):
    return {name: login(name) for name in ("admin", "sup_a", "keeper_a", "regulator")}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_json_at_any_write_route_answers_below_500(app, client, every_role, data):
    method, url = data.draw(st.sampled_from(_write_routes(app)), label="route")
    role = data.draw(st.sampled_from(sorted(every_role)), label="role")
    body = data.draw(json_values, label="body")
    depth = data.draw(st.sampled_from([0, 0, 0, 50, 5000]), label="extra nesting")
    raw = json.dumps(body)
    raw = "[" * depth + raw + "]" * depth
    resp = client.open(url, method=method, data=raw, content_type="application/json",
                       headers=every_role[role])
    assert resp.status_code < 500, (method, url, resp.get_data(as_text=True)[:300])
    assert resp.is_json or resp.status_code == 204


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deep_nesting_is_400(client, world, login, depth):
    for url, headers in ((LOGIN, {}), ("/api/v1/sync/push", login("keeper_a")),
                         ("/api/v1/users/1", login("admin"))):
        body = '{"a":' * depth + "1" + "}" * depth
        method = "PATCH" if "users" in url else "POST"
        resp = client.open(url, method=method, data=body, content_type="application/json",
                           headers=headers)
        assert resp.status_code == 400, (url, resp.get_json())


@pytest.mark.parametrize("extra", [0, 1])
def test_depth_limit_holds_inside_the_records_of_a_push(client, world, login, extra):
    """A batch's records are checked by the push itself, but not their depth: a value
    one level past the limit is 400, at the limit it is the record's own problem."""
    inner = MAX_JSON_DEPTH - 3 + extra  # body, records, the record: 3 levels
    record = '{"a":' * inner + "1" + "}" * inner
    body = '{"records": [' + record + "]}"
    resp = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                       headers=login("grid_a"))
    if extra:
        assert resp.status_code == 400, resp.get_json()
    else:
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["results"][0]["status"] == "rejected"


@pytest.mark.parametrize("field", ["username", "password", "device_id", "device_label"])
@pytest.mark.parametrize("bad", ["\ud800", "ab\udc00cd", "a\x00b", "a\x07b"])
def test_unstorable_strings_at_sign_in_are_422_naming_the_field(client, world, field, bad):
    body = {"username": "keeper_a", "password": "test-password-1", "device_id": "phone-0001"}
    body[field] = bad + "xxxxxxxx"
    resp = client.post(LOGIN, data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]


def test_an_unstorable_device_id_at_push_is_422(client, world, login):
    resp = client.post("/api/v1/sync/push", data=json.dumps({"device_id": "\ud800", "records": []}),
                       content_type="application/json", headers=login("keeper_a"))
    assert resp.status_code == 422
    assert "device_id" in resp.get_json()["error"]["fields"]


def test_a_control_character_in_the_query_string_is_422(client, world, login):
    resp = client.get("/api/v1/service-points?q=a%00b", headers=login("admin"))
    assert resp.status_code == 422 and "q" in resp.get_json()["error"]["fields"]


def test_a_control_character_in_the_path_is_422(client, world, login):
    resp = client.get("/api/v1/regions/15%00", headers=login("admin"))
    assert resp.status_code == 422


def test_a_body_over_the_limit_is_413(app, client, world, login):
    big = json.dumps({"records": [], "pad": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    resp = client.post("/api/v1/sync/push", data=big, content_type="application/json",
                       headers=login("keeper_a"))
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"


def test_uploads_have_their_own_larger_limit(app, client, world, login):
    """A file bigger than the JSON limit reaches the importer (which judges it), and one
    bigger than the upload limit is 413."""
    from io import BytesIO

    headers = login("sup_a")
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    form = {"file": (BytesIO(b"name\n" + b"x" * size), "points.csv"), "format": "csv"}
    resp = client.post("/api/v1/imports/service-points", data=form, headers=headers,
                       content_type="multipart/form-data")
    assert resp.status_code != 413 and resp.status_code < 500
    too_big = app.config["UPLOAD_MAX_CONTENT_LENGTH"] + 1
    form = {"file": (BytesIO(b"x" * too_big), "points.csv"), "format": "csv"}
    resp = client.post("/api/v1/imports/service-points", data=form, headers=headers,
                       content_type="multipart/form-data")
    assert resp.status_code == 413


@pytest.mark.parametrize("content_type,data", [
    ("text/plain", '{"display_name": "新名字"}'),
    ("application/x-www-form-urlencoded", "display_name=%E6%96%B0"),
    ("application/xml", "<user><display_name>新</display_name></user>"),
    ("multipart/form-data; boundary=x", "--x--"),
])
def test_a_body_that_is_not_json_is_415(app, client, world, login, content_type, data):
    url = f"/api/v1/users/{world.users['field_a']}"
    resp = client.patch(url, data=data, content_type=content_type, headers=login("admin"))
    assert resp.status_code == 415
    assert resp.get_json()["error"]["code"] == "unsupported_media_type"
    me = client.get(url, headers=login("admin")).get_json()
    assert me["display_name"] != "新名字"


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1949-09-30", "2101-01-01"])
def test_dates_out_of_range_are_422(client, world, login, value):
    url = f"/api/v1/service-points/{world.points['a1']}"
    resp = client.patch(url, json={"opened_on": value}, headers=login("admin"))
    assert resp.status_code == 422 and "opened_on" in resp.get_json()["error"]["fields"]


def test_dates_in_range_are_accepted(client, world, login):
    url = f"/api/v1/service-points/{world.points['a1']}"
    resp = client.patch(url, json={"opened_on": EARLIEST_DATE.isoformat()}, headers=login("admin"))
    assert resp.status_code == 200
