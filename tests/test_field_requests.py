"""Villagers' requests: taken offline on a visit or online, assigned, resolved, closed
with feedback; overdue ones first; scoped; bad input refused with the field at fault."""
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.core.clock import today
from app.extensions import db
from tests.field_support import V1, V3, audit_trail, count, visit
from tests.sync_support import push

REQUESTS = "/api/v1/requests"


def request_record(village=V1, rid=None, **data):
    body = {"village_code": village, "category": "card_service", "text": "王大爷的社保卡密码锁了，想在村里办解锁。",
            "deadline": (today() + timedelta(days=7)).isoformat(),
            "taken_at": datetime.now(UTC).astimezone().isoformat(timespec="seconds"), "visit_id": None}
    body.update(data)
    return {"id": rid or str(uuid.uuid4()), "type": "request", "data": body}


def test_taken_offline_on_a_visit_arrives_once(client, world, login, app):
    headers = login("grid_a")
    v = visit()
    req = request_record(visit_id=v["id"])
    assert [r["status"] for r in push(client, headers, [v, req])] == ["accepted", "accepted"]
    assert push(client, headers, [req])[0]["status"] == "duplicate"
    changed = {**req, "data": {**req["data"], "text": "改了"}}
    assert push(client, headers, [changed])[0]["status"] == "conflict"
    assert count(app, "villager_requests", "visit_id = :v and status = 'open'", v=v["id"]) == 1


def test_an_id_twice_in_one_batch_is_stored_once(client, world, login, app):
    headers = login("grid_a")
    req = request_record()
    changed = {**req, "data": {**req["data"], "text": "改了"}}
    unknown = request_record(village="150502001999")
    results = push(client, headers, [req, req, changed, unknown, unknown])
    assert [r["status"] for r in results] == ["accepted", "duplicate", "conflict", "rejected", "rejected"]
    assert results[3]["reason"].startswith("data.village_code:")
    assert count(app, "villager_requests") == 1
    # Another worker pushing the same id: a conflict, never a second row.
    assert push(client, login("grid_b"), [req])[0]["status"] == "conflict"
    assert count(app, "villager_requests") == 1


def test_bad_requests_are_refused_alone(client, world, login, app):
    headers = login("grid_a")
    cases = [
        (request_record(village=None), "data.village_code"),
        (request_record(village="150502001999"), "data.village_code"),
        (request_record(category="gossip"), "data.category"),
        (request_record(text=" "), "data.text"),
        (request_record(deadline="next week"), "data.deadline"),
        (request_record(deadline="2020-01-01"), "data.deadline"),
    ]
    good = request_record()
    results = push(client, headers, [good] + [c for c, _ in cases])
    assert results[0]["status"] == "accepted"
    for (_, fld), res in zip(cases, results[1:]):
        assert res["status"] == "rejected" and res["reason"].startswith(fld + ":"), res
    assert count(app, "villager_requests") == 1


def test_closed_loop_assign_resolve_close(client, world, login, app):
    keeper = login("keeper_a")
    created = client.post(REQUESTS, json={
        "village_code": V1, "category": "complaint", "text": "机具经常断网，取不了钱。",
        "deadline": (today() + timedelta(days=3)).isoformat()}, headers=keeper)
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    assert created.get_json()["status"] == "open"
    sup = login("sup_a")
    # The keeper cannot resolve, and nothing is resolved before it is assigned.
    assert client.post(f"{REQUESTS}/{rid}/resolve", json={"resolution": "x"}, headers=keeper).status_code == 403
    assert client.post(f"{REQUESTS}/{rid}/resolve", json={"resolution": "x"}, headers=sup).status_code == 409
    outsider = client.post(f"{REQUESTS}/{rid}/assign", json={"assignee_id": world.users["field_b"]}, headers=sup)
    assert outsider.status_code == 422 and "assignee_id" in str(outsider.get_json()["error"]["fields"])
    assigned = client.post(f"{REQUESTS}/{rid}/assign", json={"assignee_id": world.users["field_a"]}, headers=sup)
    assert assigned.status_code == 200 and assigned.get_json()["status"] == "assigned"
    grid = login("grid_a")  # not the assignee
    assert client.post(f"{REQUESTS}/{rid}/resolve", json={"resolution": "x"}, headers=grid).status_code == 403
    resolved = client.post(f"{REQUESTS}/{rid}/resolve", json={"resolution": "更换了4G通信模块"},
                           headers=login("field_a"))
    assert resolved.status_code == 200 and resolved.get_json()["resolved_at"]
    closed = client.post(f"{REQUESTS}/{rid}/close", json={"feedback": "已能正常取款", "satisfied": True},
                         headers=keeper)
    assert closed.status_code == 200
    body = closed.get_json()
    assert (body["status"], body["satisfied"], body["resolution"]) == ("closed", True, "更换了4G通信模块")
    again = client.post(f"{REQUESTS}/{rid}/close", json={"feedback": "x", "satisfied": False}, headers=keeper)
    assert again.status_code == 409
    late = client.post(f"{REQUESTS}/{rid}/assign", json={"assignee_id": world.users["field_a"]}, headers=sup)
    assert late.status_code == 409 and "诉求已关闭" in late.get_json()["error"]["message"]
    # Each step is an audit event, with who took it and the request before and after.
    assert audit_trail(app, "villager_request", rid) == [
        ("assign", "sup_a", "open", "assigned"), ("resolve", "field_a", "assigned", "resolved"),
        ("close", "keeper_a", "resolved", "closed")]


def test_scope_and_overdue_first(client, world, login, app):
    push(client, login("grid_a"), [request_record(V1)])
    push(client, login("grid_b"), [request_record(V3)])
    late = request_record(V1, deadline=(today() + timedelta(days=1)).isoformat())
    push(client, login("grid_a"), [late])
    with app.app_context():  # ten days pass
        db.session.execute(text("update villager_requests set deadline = deadline - 10 where id = :i"),
                           {"i": late["id"]})
        db.session.commit()
        db.session.remove()
    seen = {}
    for who in ("grid_a", "grid_b", "keeper_a", "keeper_b", "field_a", "sup_a", "sup_b", "regulator", "admin"):
        resp = client.get(REQUESTS, headers=login(who))
        assert resp.status_code == 200, who
        seen[who] = [i["village_code"] for i in resp.get_json()["items"]]
    assert seen["grid_a"] == [V1, V1] and seen["grid_b"] == [V3]
    assert seen["keeper_a"] == [V1, V1] and seen["keeper_b"] == [V3]
    assert seen["field_a"] == []  # she took none and was assigned none
    assert sorted(seen["sup_a"]) == [V1, V1] and seen["sup_b"] == [V3]
    assert len(seen["regulator"]) == len(seen["admin"]) == 3
    items = client.get(REQUESTS, headers=login("admin")).get_json()["items"]
    assert items[0]["id"] == late["id"] and items[0]["overdue"] is True
    assert [i["overdue"] for i in items[1:]] == [False, False]
    overdue = client.get(REQUESTS, query_string={"overdue": "true"}, headers=login("admin")).get_json()
    assert [i["id"] for i in overdue["items"]] == [late["id"]]
    other = client.get(f"{REQUESTS}/{late['id']}", headers=login("grid_b"))
    assert other.status_code == 404
    assert client.get(f"{REQUESTS}/{late['id']}", headers=login("grid_a")).status_code == 200


def test_online_create_says_which_field_is_wrong(client, world, login):
    headers = login("grid_a")
    bad = client.post(REQUESTS, json={"category": "other", "text": "x",
                                      "deadline": today().isoformat()}, headers=headers)
    assert bad.status_code == 422 and "village_code" in str(bad.get_json()["error"]["fields"])
    past = client.post(REQUESTS, json={"village_code": V1, "category": "other", "text": "x",
                                       "deadline": "2020-01-01"}, headers=headers)
    assert past.status_code == 422 and "deadline" in str(past.get_json()["error"]["fields"])
    assert client.post(REQUESTS, json={"village_code": V1, "category": "other", "text": "x",
                                       "deadline": today().isoformat()},
                       headers=login("regulator")).status_code == 403


def test_pull_brings_the_open_requests_of_her_villages(client, world, login):
    mine, theirs = request_record(V1), request_record(V3)
    push(client, login("grid_a"), [mine])
    push(client, login("grid_b"), [theirs])
    body = client.get("/api/v1/field/pull", headers=login("grid_a")).get_json()
    assert [(r["id"], r["status"], r["overdue"]) for r in body["requests"]] == [
        (mine["id"], "open", False)]
