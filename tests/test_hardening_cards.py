"""No card number stored anywhere, in any form.

The detector (app/core/fields.py) is checked on the disguises people and programs use;
then, as a property over every string field of every request body in the OpenAPI
document, a disguised card number is refused with a 422 naming the field, and at the end
a pg_dump of the database holds no Luhn-valid 16-19 digit run and none of the numbers
sent."""
import re
import subprocess
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from app.core.fields import card_numbers, contains_card_number, luhn_valid
from tests.servers import scan_for_cards
from tests.test_imports import HEADER, csv_bytes, upload

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
SEPARATORS = (" ", "-", ".", "/", "\u3000", "\uff0d", "\u2014", "")


def full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def luhn_complete(body):
    """`body` plus the check digit that makes it Luhn-valid."""
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


pans = st.builds(
    lambda prefix, length, digits: luhn_complete((prefix + digits)[: length - 1]),
    st.sampled_from(["4", "51", "62", "37", "6011"]),
    st.integers(13, 19),
    st.text("0123456789", min_size=20, max_size=20),
)


@st.composite
def disguised(draw, pan):
    """The card number as someone might type or paste it."""
    group = draw(st.sampled_from([4, 5, 6]))
    sep = draw(st.sampled_from(SEPARATORS))
    text = sep.join(pan[i:i + group] for i in range(0, len(pan), group))
    if draw(st.booleans()):
        text = full_width(text)
    if draw(st.booleans()):
        zw = draw(st.sampled_from(ZERO_WIDTH))
        text = zw.join(text)
    before = draw(st.sampled_from(["", "卡号", "card ", "客户 "]))
    after = draw(st.sampled_from(["", " 取款", "。", " 100"]))
    return before + text + after


@given(st.data())
def test_the_detector_finds_every_disguise(data):
    pan = data.draw(pans)
    assert contains_card_number(data.draw(disguised(pan)))


@pytest.mark.parametrize("text", [
    "13904751234", "0475-8221234", "150502001001", "2026-12-02", "622848******1234",
    "92150502MA0AB12C3X", "SN150502T000001234", "前进村老王副食商店", "金额 500 元",
])
def test_ordinary_values_are_not_card_numbers(text):
    assert not card_numbers(text)


# --- every string field of every JSON request body --------------------------------------

def _resolve(doc, schema):
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _string_fields(app):
    """(method, path, field) for each string property of each JSON request body."""
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    found = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            if method not in ("post", "put", "patch"):
                continue  # path-level "parameters"
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = _resolve(doc, content["application/json"]["schema"])
            for name, prop in schema.get("properties", {}).items():
                prop = _resolve(doc, prop)
                if prop.get("type") != "string" or prop.get("readOnly"):
                    continue
                if path.endswith("/auth/login") and name == "password":
                    continue  # hashed, never stored or shown (Text allow_card)
                found.append((method.upper(), _fill_path(path, operations), name))
    return found


def _fill_path(path, operations):
    """The path with an existing-looking id in each parameter: 1, or a UUID where the
    parameter is one (a flagged record, a villager's request), so the body is judged."""
    for param in operations.get("parameters", []):
        if param.get("in") == "path":
            uuid_like = param.get("schema", {}).get("format") == "uuid"
            value = "00000000-0000-4000-8000-000000000001" if uuid_like else "1"
            path = path.replace("{" + param["name"] + "}", value)
    return path


ROLES = ("admin", "sup_a", "regulator", "keeper_a")


@pytest.fixture
def tokens(app, world, login):
    return {role: login(role) for role in ROLES}


def _pg_dump(database_url):
    url = make_url(database_url).set(drivername="postgresql")
    out = subprocess.run(
        ["pg_dump", "--data-only", "--no-owner", url.render_as_string(hide_password=False)],
        capture_output=True, check=True,
    )
    return out.stdout.decode()


def test_a_card_number_in_any_string_field_is_refused_and_stored_nowhere(
        app, client, world, tokens, database_url):
    fields = _string_fields(app)
    assert len(fields) >= 20  # the walk found the API's text fields
    sent = []

    def refused(method, path, name, value):
        url = re.sub(r"\{[^}]+\}", "1", path)  # any parameter the document left unnamed
        for role in ROLES:
            resp = client.open(url, method=method, json={name: value}, headers=tokens[role])
            if resp.status_code not in (401, 403):
                break
        assert resp.status_code == 422, (method, path, name, resp.get_json())
        assert name in resp.get_json()["error"]["fields"], (path, name, resp.get_json())
        assert not scan_for_cards(resp.get_data(as_text=True))

    # Every field once, with a number in several disguises at once...
    for method, path, name in fields:
        sent.append("4111111111111111")
        refused(method, path, name, "卡 " + "\u200b".join(full_width("4111-1111-1111-1111")))

    # ...then random fields, numbers and disguises.
    @settings(max_examples=120, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.data())
    def one(data):
        method, path, name = data.draw(st.sampled_from(fields), label="field")
        pan = data.draw(pans, label="pan")
        sent.append(pan)
        refused(method, path, name, data.draw(disguised(pan), label="value"))

    one()
    dump = _pg_dump(database_url)
    assert scan_for_cards(dump) == []
    flat = re.sub(r"[\s.\-/]", "", unicodedata.normalize("NFKC", dump))
    assert not [pan for pan in sent if pan in flat]


def test_a_card_number_in_an_imported_row_is_refused(app, client, world, login, database_url):
    row = ("胜利村第二服务点,胜利村老王副食商店,,王桂兰 6222 0212 3456 7894,13904751234,"
           "大林镇,150502001002,122.402,43.602,withdrawal,active,是,2021-05-01,,")
    assert contains_card_number(row)
    resp = upload(client, login("sup_a"), csv_bytes(row, header=HEADER),
                  bank_id=world.orgs["outlet_a"], format="csv", crs="wgs84")
    assert resp.status_code == 422, resp.get_json()
    assert "6222" not in resp.get_data(as_text=True)
    assert "62220212" not in re.sub(r"\s", "", _pg_dump(database_url))


def test_a_search_for_a_card_number_is_refused(client, world, login):
    resp = client.get("/api/v1/service-points?q=4111111111111111", headers=login("admin"))
    assert resp.status_code == 422
    assert "4111111111111111" not in resp.get_data(as_text=True)
