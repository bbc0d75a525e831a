"""GET /api/v1/ledger and /api/v1/ledger/daily: scoped by the token's user, flagged
filter, pagination; cards only ever masked."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.sync_support import push, record

LEDGER = "/api/v1/ledger"
# Two recent business days (older records would be flagged old_record).
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
DAY1, DAY2 = (TODAY - timedelta(days=2)).isoformat(), (TODAY - timedelta(days=1)).isoformat()


def _fill(client, world, login):
    a = push(client, login("keeper_a"), [
        record(world.points["a1"], amount_fen=100500, occurred_at=f"{DAY1}T10:00:00+08:00"),
        record(world.points["a1"], amount_fen=50000, occurred_at=f"{DAY2}T10:00:00+08:00"),
        record(world.points["a1"], kind="transfer", amount_fen=777, occurred_at=f"{DAY2}T11:00:00+08:00"),
    ])
    b = push(client, login("keeper_b"), [
        record(world.points["b1"], amount_fen=20000, occurred_at=f"{DAY1}T10:00:00+08:00"),
    ])
    return [r["id"] for r in a], [r["id"] for r in b]


def _get(client, headers, query=""):
    resp = client.get(f"{LEDGER}{query}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_ledger_is_scoped_by_role(client, world, login, rules):
    a_ids, b_ids = _fill(client, world, login)
    ids = lambda body: {item["id"] for item in body["items"]}  # noqa: E731
    assert ids(_get(client, login("sup_a"))) == set(a_ids)
    assert ids(_get(client, login("sup_b"))) == set(b_ids)
    assert ids(_get(client, login("regulator"))) == set(a_ids + b_ids)
    assert ids(_get(client, login("admin"))) == set(a_ids + b_ids)
    # Asking for another bank's point only narrows her own scope: nothing.
    assert _get(client, login("sup_a"), f"?point_id={world.points['b1']}")["items"] == []
    for role in ("keeper_a", "grid_a", "field_a"):
        assert client.get(LEDGER, headers=login(role)).status_code == 403
    assert client.get(LEDGER).status_code == 401


def test_flagged_filter_kind_dates_and_paging(client, world, login, rules):
    a_ids, _ = _fill(client, world, login)
    headers = login("sup_a")
    flagged = _get(client, headers, "?flagged=true")
    assert [i["id"] for i in flagged["items"]] == [a_ids[0]]
    assert flagged["items"][0]["flags"] == ["not_multiple_of_10"]
    assert flagged["items"][0]["card_masked"] == "622848******1234"
    assert _get(client, headers, "?flagged=false")["total"] == 2
    assert [i["id"] for i in _get(client, headers, "?kind=transfer")["items"]] == [a_ids[2]]
    day2 = _get(client, headers, f"?from={DAY2}&to={DAY2}")
    assert {i["id"] for i in day2["items"]} == set(a_ids[1:])
    page = _get(client, headers, "?limit=2&offset=0")
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 0
    assert [i["seq"] for i in page["items"]] == sorted((i["seq"] for i in page["items"]), reverse=True)
    rest = _get(client, headers, "?limit=2&offset=2")
    assert len(rest["items"]) == 1


def test_bad_query_is_422_with_the_field(client, world, login):
    headers = login("sup_a")
    for query, field in (("?kind=lottery", "kind"), ("?limit=0", "limit"),
                         ("?from=2026-03-05&to=2026-03-01", "from"), ("?flagged=maybe", "flagged")):
        resp = client.get(f"{LEDGER}{query}", headers=headers)
        assert resp.status_code == 422, query
        assert field in resp.get_json()["error"]["fields"], query


def test_daily_rollup_is_scoped(client, world, login, rules):
    _fill(client, world, login)
    body = client.get(f"{LEDGER}/daily?kind=withdrawal", headers=login("sup_a")).get_json()
    rows = {(i["day"], i["point_id"]): (i["count"], i["amount_fen"]) for i in body["items"]}
    assert rows == {
        (DAY1, world.points["a1"]): (1, 100500),
        (DAY2, world.points["a1"]): (1, 50000),
    }
    reg = client.get(f"{LEDGER}/daily?from={DAY1}&to={DAY1}", headers=login("regulator")).get_json()
    assert {i["point_id"] for i in reg["items"]} == {world.points["a1"], world.points["b1"]}


def test_field_records_are_listed_in_the_scope_of_their_bank_and_region(client, world, login, rules):
    """Business done on a grid visit (grid_a of bank A, in 前进村) shows in the ledger of
    bank A and of the Tongliao regulator, with its channel, village and visit."""
    from tests.field_support import business, visit

    v = visit()
    [_, rec] = push(client, login("grid_a"), [v, business(v, amount_fen=30000)])
    assert rec["status"] == "accepted"
    ids = lambda body: {item["id"] for item in body["items"]}  # noqa: E731
    bank_a = _get(client, login("sup_a"))
    assert ids(bank_a) == {rec["id"]}
    [item] = bank_a["items"]
    assert item["channel"] == "grid" and item["visit_id"] == v["id"]
    assert item["village_code"] == "150502001001" and item["point_id"] is None
    assert ids(_get(client, login("regulator"))) == {rec["id"]}
    assert ids(_get(client, login("sup_b"))) == set()
