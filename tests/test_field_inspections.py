"""Inspections: offline or online, each failed item a finding for the keeper with the
bank's deadline; fix and verify; points due by the bank's interval; scoped."""
import uuid
from datetime import UTC, datetime, timedelta

from app.core.clock import today
from app.extensions import db
from app.models import InspectionPolicy
from tests.field_support import audit_trail, count
from tests.sync_support import push


def inspection_record(point_id, failed=("signage",), rid=None, **data):
    body = {"point_id": point_id, "failed_items": list(failed), "note": None,
            "inspected_at": datetime.now(UTC).astimezone().isoformat(timespec="seconds")}
    body.update(data)
    return {"id": rid or str(uuid.uuid4()), "type": "inspection", "data": body}


def test_offline_inspection_arrives_once_with_its_findings(client, world, login, app):
    headers = login("field_a")
    rec = inspection_record(world.points["a1"], failed=["signage", "fee_list_posted"])
    assert push(client, headers, [rec])[0]["status"] == "accepted"
    assert push(client, headers, [rec])[0]["status"] == "duplicate"
    changed = {**rec, "data": {**rec["data"], "failed_items": []}}
    assert push(client, headers, [changed])[0]["status"] == "conflict"
    assert count(app, "inspections") == 1
    assert count(app, "inspection_findings", "owner_id = :k and status = 'open'",
                 k=world.users["keeper_a"]) == 2
    findings = client.get("/api/v1/findings", headers=login("keeper_a")).get_json()["items"]
    assert {f["item"] for f in findings} == {"signage", "fee_list_posted"}
    # The default: 15 days to fix.
    assert findings[0]["deadline"] == (today() + timedelta(days=15)).isoformat()


def test_bad_inspections_refused_alone(client, world, login, app):
    headers = login("field_a")
    cases = [
        (inspection_record(world.points["b1"]), "data.point_id"),  # bank B's point
        (inspection_record(world.points["a1"], failed=["vibes"]), "data.failed_items"),
        (inspection_record(world.points["a1"], failed=["signage", "signage"]), "data.failed_items"),
        (inspection_record("a1"), "data.point_id"),
        (inspection_record(world.points["a1"], inspected_at="yesterday"), "data.inspected_at"),
    ]
    results = push(client, headers, [c for c, _ in cases])
    for (_, fld), res in zip(cases, results):
        assert res["status"] == "rejected" and res["reason"].startswith(fld + ":"), res
    [res] = push(client, login("grid_a"), [inspection_record(world.points["a1"])])
    assert res["reason"].startswith("type:")
    assert count(app, "inspections") == 0


def test_fix_then_verify_with_the_banks_deadline(client, world, login, app):
    with app.app_context():  # the branch wants fixes within a week
        db.session.add(InspectionPolicy(bank_id=world.orgs["branch_a"], every_days=30, fix_days=7))
        db.session.add(InspectionPolicy(bank_id=world.orgs["bank_a"], every_days=60, fix_days=20))
        db.session.commit()
        db.session.remove()
    created = client.post("/api/v1/inspections", json={
        "point_id": world.points["a2"], "failed_items": ["register_kept"]}, headers=login("sup_a"))
    assert created.status_code == 201, created.get_json()
    [finding] = created.get_json()["findings"]
    assert finding["deadline"] == (today() + timedelta(days=7)).isoformat()
    fid = finding["id"]
    sup = login("sup_a")
    assert client.post(f"/api/v1/findings/{fid}/verify", headers=sup).status_code == 409
    fixed = client.post(f"/api/v1/findings/{fid}/fix", json={"fix": "补登了三天的登记簿"}, headers=sup)
    assert fixed.status_code == 200 and fixed.get_json()["status"] == "fixed"
    verified = client.post(f"/api/v1/findings/{fid}/verify", headers=login("field_a"))
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    assert client.post(f"/api/v1/findings/{fid}/fix", json={"fix": "x"}, headers=login("keeper_b")).status_code == 404
    assert client.post(f"/api/v1/findings/{fid}/verify", headers=login("keeper_a")).status_code == 403
    assert audit_trail(app, "inspection_finding", fid) == [
        ("fix", "sup_a", "open", "fixed"), ("verify", "field_a", "fixed", "verified")]


def test_points_due_by_the_banks_interval(client, world, login, app):
    with app.app_context():
        db.session.add(InspectionPolicy(bank_id=world.orgs["bank_a"], every_days=30, fix_days=10))
        db.session.commit()
        db.session.remove()
    long_ago = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    push(client, login("field_a"), [
        inspection_record(world.points["a1"], failed=[], inspected_at=long_ago),
        inspection_record(world.points["a2"], failed=[]),
    ])
    body = client.get("/api/v1/inspections/due", headers=login("sup_a")).get_json()
    by_point = {i["point_id"]: i for i in body["items"]}
    assert set(by_point) == {world.points["a1"], world.points["a2"]}
    assert by_point[world.points["a1"]]["overdue"] is True
    assert by_point[world.points["a1"]]["every_days"] == 30
    assert by_point[world.points["a2"]]["overdue"] is False
    assert body["items"][0]["point_id"] == world.points["a1"]  # overdue first
    overdue = client.get("/api/v1/inspections/due", query_string={"overdue": "true"},
                         headers=login("sup_a")).get_json()
    assert [i["point_id"] for i in overdue["items"]] == [world.points["a1"]]
    # Bank B has no policy: the default interval, and b1 never inspected is due now.
    b = client.get("/api/v1/inspections/due", headers=login("sup_b")).get_json()["items"]
    assert all(i["every_days"] == 90 and i["overdue"] for i in b)


def test_inspection_lists_are_scoped(client, world, login):
    push(client, login("field_a"), [inspection_record(world.points["a1"])])
    for who, n in (("keeper_a", 1), ("keeper_b", 0), ("grid_a", 1), ("sup_a", 1), ("sup_b", 0),
                   ("regulator", 1), ("admin", 1)):
        body = client.get("/api/v1/inspections", headers=login(who)).get_json()
        assert body["total"] == n, who
    assert client.post("/api/v1/inspections", json={"point_id": world.points["a1"], "failed_items": []},
                       headers=login("keeper_a")).status_code == 403
    assert client.post("/api/v1/inspections", json={"point_id": world.points["b1"], "failed_items": []},
                       headers=login("sup_a")).status_code == 404
