"""Banks: scoped tree listing, detail, admin-only writes with audit."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent

URL = "/api/v1/banks"


def names(resp):
    return sorted(o["name"] for o in resp.get_json()["items"])


@pytest.mark.parametrize("who, expected", [
    ("sup_a", ["大林镇分理处", "通辽农商银行科尔沁支行", "通辽农村商业银行"]),
    ("field_b", ["中国邮政储蓄银行", "邮储银行科左中旗支行"]),  # her branch and its head office
    ("keeper_a", ["大林镇分理处", "通辽农商银行科尔沁支行", "通辽农村商业银行"]),  # her point's outlet and above
    ("regulator", ["中国人民银行通辽市分行", "中国邮政储蓄银行", "大林镇分理处", "通辽农商银行科尔沁支行",
                   "通辽农村商业银行", "邮储银行科左中旗支行"]),
])
def test_banks_are_scoped(client, world, login, who, expected):
    assert names(client.get(URL, headers=login(who))) == sorted(expected)


def test_tree_fields_and_depth(client, world, login):
    body = client.get(f"{URL}/{world.orgs['outlet_a']}", headers=login("sup_a")).get_json()
    assert body["parent_id"] == world.orgs["branch_a"]
    assert body["path"] == f"/{world.orgs['bank_a']}/{world.orgs['branch_a']}/{world.orgs['outlet_a']}/"
    assert body["depth"] == 3


def test_another_banks_organisation_is_404(client, world, login):
    assert client.get(f"{URL}/{world.orgs['branch_b']}", headers=login("sup_a")).status_code == 404
    assert client.get(f"{URL}/{world.orgs['regulator']}", headers=login("sup_a")).status_code == 404


def test_admin_creates_a_branch_under_a_head_office(client, world, login, ctx):
    body = {"name": "邮储银行科尔沁支行", "kind": "bank_branch", "parent_id": world.orgs["bank_b"],
            "region_code": "150502000000"}
    resp = client.post(URL, json=body, headers=login("admin"))
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert created["path"] == f"/{world.orgs['bank_b']}/{created['id']}/" and created["depth"] == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "organisation")).one()
    assert event.action == "create" and event.county_code == "150502"


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "kind": "bank_branch"}, "parent_id"),
    ({"name": "x", "kind": "bank_head_office", "parent_id": 1}, "parent_id"),
    ({"name": "x", "kind": "bank_outlet", "parent_id": 999999}, "parent_id"),
    ({"name": "x", "kind": "bank_head_office", "region_code": "999999999999"}, "region_code"),
    ({"name": "x", "kind": "shop"}, "kind"),
    ({"kind": "bank_head_office"}, "name"),
])
def test_invalid_organisation_is_422(client, world, login, body, field):
    resp = client.post(URL, json=body, headers=login("admin"))
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["error"]["fields"]


def test_only_admins_write_banks(client, world, login):
    assert client.post(URL, json={"name": "x", "kind": "bank_head_office"}, headers=login("sup_a")).status_code == 403
    assert client.patch(f"{URL}/{world.orgs['bank_a']}", json={"name": "x"}, headers=login("sup_a")).status_code == 403


def test_admin_renames_with_history(client, world, login, ctx):
    resp = client.patch(f"{URL}/{world.orgs['bank_a']}", json={"short_name": "通辽农商行"}, headers=login("admin"))
    assert resp.status_code == 200 and resp.get_json()["short_name"] == "通辽农商行"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "organisation")).one()
    assert event.before["short_name"] is None and event.after["short_name"] == "通辽农商行"
