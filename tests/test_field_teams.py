"""Mobile teams: members from the bank's field staff, planned visits, done vs planned
from the members' visits; visits filtered by team; scoped."""
from tests.field_support import V1, V2, visit
from tests.sync_support import push

TEAMS = "/api/v1/teams"


def test_team_plans_done_vs_planned(client, world, login):
    sup = login("sup_a")
    created = client.post(TEAMS, json={"name": "科尔沁流动服务队", "bank_id": world.orgs["branch_a"]},
                          headers=sup)
    assert created.status_code == 201, created.get_json()
    team = created.get_json()["id"]
    added = client.post(f"{TEAMS}/{team}/members", json={"user_id": world.users["field_a"]}, headers=sup)
    again = client.post(f"{TEAMS}/{team}/members", json={"user_id": world.users["field_a"]}, headers=sup)
    assert added.get_json()["members"] == again.get_json()["members"] == 1
    other_bank = client.post(f"{TEAMS}/{team}/members", json={"user_id": world.users["field_b"]}, headers=sup)
    assert other_bank.status_code == 422
    for village, day in ((V1, "2026-03-02"), (V2, "2026-03-02"), (V1, "2026-03-09")):
        resp = client.post(f"{TEAMS}/{team}/plans", json={"village_code": village, "planned_on": day},
                           headers=sup)
        assert resp.status_code == 201 and resp.get_json()["done"] is False
    dup = client.post(f"{TEAMS}/{team}/plans", json={"village_code": V1, "planned_on": "2026-03-02"},
                      headers=sup)
    assert dup.status_code == 409
    # The member visits 前进村 on 2 March (Beijing time) and 胜利村 a day late.
    push(client, login("field_a"), [
        visit(V1, started_at="2026-03-02T09:00:00+08:00", ended_at="2026-03-02T11:00:00+08:00"),
        visit(V2, started_at="2026-03-03T09:00:00+08:00", ended_at="2026-03-03T10:00:00+08:00"),
    ])
    plans = client.get(f"{TEAMS}/{team}/plans", headers=login("field_a")).get_json()
    assert (plans["planned"], plans["done"]) == (3, 1)
    assert [(p["village_code"], p["planned_on"], p["done"]) for p in plans["items"]] == [
        (V1, "2026-03-02", True), (V2, "2026-03-02", False), (V1, "2026-03-09", False)]
    march_2 = client.get(f"{TEAMS}/{team}/plans", query_string={"from": "2026-03-02", "to": "2026-03-02"},
                         headers=sup).get_json()
    assert (march_2["planned"], march_2["done"]) == (2, 1)
    by_team = client.get("/api/v1/visits", query_string={"team": team}, headers=sup).get_json()
    assert by_team["total"] == 2


def test_teams_are_scoped(client, world, login):
    sup = login("sup_a")
    team = client.post(TEAMS, json={"name": "一队", "bank_id": world.orgs["bank_a"]}, headers=sup).get_json()["id"]
    foreign = client.post(TEAMS, json={"name": "二队", "bank_id": world.orgs["bank_b"]}, headers=sup)
    assert foreign.status_code == 422 and "bank_id" in str(foreign.get_json()["error"]["fields"])
    same_name = client.post(TEAMS, json={"name": "一队", "bank_id": world.orgs["bank_a"]}, headers=sup)
    assert same_name.status_code == 409
    seen = {who: client.get(f"{TEAMS}/{team}", headers=login(who)).status_code
            for who in ("sup_a", "sup_b", "field_a", "regulator", "admin", "keeper_a", "grid_a")}
    # Nobody in it, nothing planned: not yet a team working in the regulator's region.
    assert seen == {"sup_a": 200, "sup_b": 404, "field_a": 404, "regulator": 404, "admin": 200,
                    "keeper_a": 403, "grid_a": 403}
    client.post(f"{TEAMS}/{team}/members", json={"user_id": world.users["field_a"]}, headers=sup)
    assert client.get(f"{TEAMS}/{team}", headers=login("field_a")).status_code == 200
    assert client.get(f"{TEAMS}/{team}", headers=login("regulator")).status_code == 200
    assert client.post(f"{TEAMS}/{team}/plans", json={"village_code": V1, "planned_on": "2026-03-02"},
                       headers=login("field_a")).status_code == 403
    bad = client.post(f"{TEAMS}/{team}/plans", json={"village_code": "150502001999", "planned_on": "2026-03-02"},
                      headers=sup)
    assert bad.status_code == 422 and "village_code" in str(bad.get_json()["error"]["fields"])
