"""Training sessions and who is untrained or overdue, scoped by bank."""
from datetime import timedelta

from app.core.clock import today

TRAININGS = "/api/v1/trainings"


def test_sessions_and_the_untrained(client, world, login):
    sup = login("sup_a")
    recent = (today() - timedelta(days=30)).isoformat()
    old = (today() - timedelta(days=400)).isoformat()
    for topic, day, who in (("反假币与反诈骗", recent, ["keeper_a"]), ("助农取款业务规范", old, ["grid_a"])):
        resp = client.post(TRAININGS, json={"topic": topic, "held_on": day, "bank_id": world.orgs["bank_a"],
                                            "attendee_ids": [world.users[u] for u in who]}, headers=sup)
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["attendees"] == 1
    body = client.get(f"{TRAININGS}/untrained", headers=sup).get_json()
    assert [(i["user_id"], i["last_trained_on"]) for i in body["items"]] == [
        (world.users["grid_a"], old)]  # keeper_a trained a month ago; bank A has no other trainee
    lenient = client.get(f"{TRAININGS}/untrained", query_string={"every_days": 500}, headers=sup).get_json()
    assert lenient["total"] == 0
    # Bank B trained nobody: its keeper and grid worker are listed, never trained.
    b = client.get(f"{TRAININGS}/untrained", headers=login("sup_b")).get_json()["items"]
    assert {(i["user_id"], i["last_trained_on"]) for i in b} == {
        (world.users["keeper_b"], None), (world.users["grid_b"], None)}
    assert client.get(TRAININGS, headers=login("regulator")).get_json()["total"] == 2
    assert client.get(TRAININGS, headers=login("sup_b")).get_json()["total"] == 0


def test_bad_sessions_say_why_and_roles(client, world, login):
    sup = login("sup_a")
    base = {"topic": "培训", "held_on": today().isoformat(), "bank_id": world.orgs["bank_a"]}
    foreign = client.post(TRAININGS, json={**base, "attendee_ids": [world.users["keeper_b"]]}, headers=sup)
    assert foreign.status_code == 422 and "attendee_ids" in str(foreign.get_json()["error"]["fields"])
    staff = client.post(TRAININGS, json={**base, "attendee_ids": [world.users["sup_a"]]}, headers=sup)
    assert staff.status_code == 422
    other_bank = client.post(TRAININGS, json={**base, "bank_id": world.orgs["bank_b"],
                                              "attendee_ids": [world.users["keeper_a"]]}, headers=sup)
    assert other_bank.status_code == 422 and "bank_id" in str(other_bank.get_json()["error"]["fields"])
    empty = client.post(TRAININGS, json={**base, "attendee_ids": []}, headers=sup)
    assert empty.status_code == 422
    for who in ("keeper_a", "grid_a", "field_a"):
        assert client.get(TRAININGS, headers=login(who)).status_code == 403
    assert client.post(TRAININGS, json={**base, "attendee_ids": [world.users["keeper_a"]]},
                       headers=login("regulator")).status_code == 403
