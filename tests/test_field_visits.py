"""GET /api/v1/visits: visits with their business totals, scoped by the signed-in user."""
import pytest

from tests.field_support import V1, V3, business, talk, visit
from tests.sync_support import push

VISITS = "/api/v1/visits"


@pytest.fixture
def two_visits(client, world, login, rules):
    grid_v = visit(V1)
    sold, mistake = business(grid_v), business(grid_v, amount_fen=30000)
    void = business(grid_v, kind="void", amount_fen=0, card_masked=None, void_of=mistake["id"])
    push(client, login("grid_a"), [grid_v, sold, mistake, void, talk(grid_v)])
    mobile_v = visit(V3)
    push(client, login("field_b"), [mobile_v, business(mobile_v, channel="mobile", amount_fen=70000)])
    return {"grid": grid_v["id"], "mobile": mobile_v["id"]}


@pytest.mark.parametrize("who, sees", [
    ("grid_a", {"grid"}), ("grid_b", set()), ("field_a", set()), ("field_b", {"mobile"}),
    ("sup_a", {"grid"}), ("sup_b", {"mobile"}), ("regulator", {"grid", "mobile"}),
    ("admin", {"grid", "mobile"}),
])
def test_each_role_sees_its_visits(client, login, two_visits, who, sees):
    resp = client.get(VISITS, headers=login(who))
    assert resp.status_code == 200
    ids = {item["id"] for item in resp.get_json()["items"]}
    assert ids == {two_visits[name] for name in sees}


def test_keepers_see_no_visits(client, login, two_visits):
    assert client.get(VISITS, headers=login("keeper_a")).status_code == 403
    assert client.get(VISITS).status_code == 401


def test_business_totals_count_live_records(client, login, two_visits):
    items = client.get(VISITS, headers=login("admin")).get_json()["items"]
    grid = next(i for i in items if i["id"] == two_visits["grid"])
    assert (grid["business_count"], grid["business_fen"]) == (1, 50000)  # the mistake voided
    assert (grid["talks"], grid["talk_attendance"]) == (1, 23)
    assert grid["channel"] == "grid" and grid["village_name"] == "前进村"
    assert grid["started_at"].endswith("+00:00")
    mobile = next(i for i in items if i["id"] == two_visits["mobile"])
    assert (mobile["business_count"], mobile["business_fen"]) == (1, 70000)


def test_filters_narrow_and_bad_filters_say_why(client, login, two_visits, world):
    headers = login("admin")
    by_region = client.get(VISITS, query_string={"region": "150521"}, headers=headers).get_json()
    assert [i["id"] for i in by_region["items"]] == [two_visits["mobile"]]
    by_channel = client.get(VISITS, query_string={"channel": "grid"}, headers=headers).get_json()
    assert [i["id"] for i in by_channel["items"]] == [two_visits["grid"]]
    by_user = client.get(VISITS, query_string={"user": world.users["field_b"]}, headers=headers)
    assert by_user.get_json()["total"] == 1
    by_bank = client.get(VISITS, query_string={"bank": world.orgs["bank_a"]}, headers=headers)
    assert [i["id"] for i in by_bank.get_json()["items"]] == [two_visits["grid"]]
    past = client.get(VISITS, query_string={"to": "2020-01-01"}, headers=headers).get_json()
    assert past["total"] == 0
    bad = client.get(VISITS, query_string={"from": "2026-02-01", "to": "2026-01-01"}, headers=headers)
    assert bad.status_code == 422 and "from" in str(bad.get_json()["error"]["fields"])
    bad = client.get(VISITS, query_string={"channel": "point"}, headers=headers)
    assert bad.status_code == 422 and "channel" in str(bad.get_json()["error"]["fields"])
