"""Risk-alert acknowledgements: online and as pushed records, idempotent both ways; the
publisher sees the count, the rate by child region and who has not acknowledged."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import RiskAlert
from tests.field_support import count
from tests.sync_support import push


def ack_record(alert_id, rid=None, acked_at=None):
    when = acked_at or datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    return {"id": rid or str(uuid.uuid4()), "type": "alert_ack",
            "data": {"alert_id": alert_id, "acked_at": when}}


def make_alert(app, world, prefix="1505", published=None, expires=None):
    with app.app_context():
        alert = RiskAlert(title="警惕冒充公检法诈骗", body="公检法不会要求转账到安全账户。",
                          region_prefix=prefix, published_by=world.orgs["regulator"],
                          published_at=published or datetime.now(UTC) - timedelta(hours=1),
                          expires_at=expires)
        db.session.add(alert)
        db.session.commit()
        alert_id = alert.id
        db.session.remove()
    return alert_id


@pytest.fixture
def alert(app, world):
    return make_alert(app, world)


def test_online_and_offline_acks_are_idempotent(client, login, alert, app):
    keeper = login("keeper_a")
    first = client.post(f"/api/v1/alerts/{alert}/ack", headers=keeper)
    again = client.post(f"/api/v1/alerts/{alert}/ack", headers=keeper)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    grid = login("grid_a")
    rec = ack_record(alert)
    assert push(client, grid, [rec])[0]["status"] == "accepted"
    assert push(client, grid, [rec])[0]["status"] == "duplicate"
    assert push(client, grid, [ack_record(alert)])[0]["status"] == "duplicate"  # another phone
    # The keeper acknowledged online; her phone's queued record is the same fact.
    assert push(client, keeper, [ack_record(alert)])[0]["status"] == "duplicate"
    assert count(app, "alert_acks") == 2


def test_publisher_sees_rate_by_region_and_who_is_missing(client, login, alert, world):
    client.post(f"/api/v1/alerts/{alert}/ack", headers=login("keeper_a"))
    push(client, login("grid_a"), [ack_record(alert)])
    client.post(f"/api/v1/alerts/{alert}/ack", headers=login("field_b"))
    body = client.get(f"/api/v1/alerts/{alert}/acks", headers=login("regulator")).get_json()
    # keepers a and b, grid workers a and b, field agents a and b work in Tongliao.
    assert (body["expected"], body["acknowledged"], body["rate"]) == (6, 3, 0.5)
    by_region = {r["code"]: (r["name"], r["expected"], r["acknowledged"]) for r in body["by_region"]}
    assert by_region == {"150502": ("科尔沁区", 3, 2), "150521": ("科尔沁左翼中旗", 3, 1)}
    missing = {m["user_id"] for m in body["not_acknowledged"]}
    assert missing == {world.users[u] for u in ("keeper_b", "grid_b", "field_a")}
    assert client.get(f"/api/v1/alerts/{alert}/acks", headers=login("admin")).status_code == 200


def test_ack_of_an_alert_she_cannot_see_is_refused(client, login, app, world):
    shenyang = make_alert(app, world, prefix="2101")
    grid = login("grid_a")
    assert client.post(f"/api/v1/alerts/{shenyang}/ack", headers=grid).status_code == 404
    assert client.post("/api/v1/alerts/999999/ack", headers=grid).status_code == 404
    [res] = push(client, grid, [ack_record(shenyang)])
    assert res["status"] == "rejected" and res["reason"].startswith("data.alert_id")
    assert count(app, "alert_acks") == 0


def test_offline_ack_counts_when_the_alert_was_in_force_then(client, login, app, world):
    now = datetime.now(UTC)
    ended = make_alert(app, world, published=now - timedelta(days=3), expires=now - timedelta(days=1))
    grid = login("grid_a")
    read_while_in_force = ack_record(ended, acked_at=(now - timedelta(days=2)).isoformat())
    read_after_it_ended = ack_record(ended, acked_at=now.isoformat())
    results = push(client, grid, [read_after_it_ended, read_while_in_force])
    assert [r["status"] for r in results] == ["rejected", "accepted"]


def test_bad_ack_records_and_roles(client, login, alert, app):
    grid = login("grid_a")
    bad = [
        {"id": str(uuid.uuid4()), "type": "alert_ack", "data": {"alert_id": "x"}},
        {"id": str(uuid.uuid4()), "type": "alert_ack", "data": {"alert_id": alert}},
        {"id": "nope", "type": "alert_ack", "data": {"alert_id": alert}},
    ]
    results = push(client, grid, bad)
    assert [r["reason"].split(":")[0] for r in results] == ["data.alert_id", "data.acked_at", "id"]
    [res] = push(client, login("sup_a"), [ack_record(alert)])
    assert res["status"] == "rejected"
    assert client.post(f"/api/v1/alerts/{alert}/ack", headers=login("sup_a")).status_code == 403
    for who in ("keeper_a", "grid_a", "sup_a"):
        assert client.get(f"/api/v1/alerts/{alert}/acks", headers=login(who)).status_code == 403
    assert count(app, "alert_acks") == 0


def test_the_alert_itself_tells_its_publisher_who_acknowledged(client, login, alert, world):
    """GET /api/v1/alerts/<id> carries the acknowledgement summary for those who may
    publish alerts (the same as /acks), and the alert alone for everyone else."""
    client.post(f"/api/v1/alerts/{alert}/ack", headers=login("keeper_a"))
    push(client, login("grid_a"), [ack_record(alert)])
    for publisher in ("regulator", "admin"):
        headers = login(publisher)
        got = client.get(f"/api/v1/alerts/{alert}", headers=headers)
        assert got.status_code == 200, publisher
        body = got.get_json()
        assert body["id"] == alert and body["title"] == "警惕冒充公检法诈骗"
        assert body["active"] is True and body["region_prefix"] == "1505"
        summary = body["acknowledgements"]
        assert summary == client.get(f"/api/v1/alerts/{alert}/acks", headers=headers).get_json()
        assert (summary["expected"], summary["acknowledged"], summary["rate"]) == (6, 2, 0.3333)
        assert {r["code"]: r["acknowledged"] for r in summary["by_region"]} == {"150502": 2, "150521": 0}
        missing = {m["user_id"] for m in summary["not_acknowledged"]}
        assert missing == {world.users[u] for u in ("keeper_b", "grid_b", "field_a", "field_b")}
    for reader in ("keeper_a", "grid_a", "field_a", "sup_a"):
        got = client.get(f"/api/v1/alerts/{alert}", headers=login(reader))
        assert got.status_code == 200, reader
        assert "acknowledgements" not in got.get_json(), reader
        assert got.get_json()["title"] == "警惕冒充公检法诈骗"


def test_the_alert_schema_documents_the_publisher_summary(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    get = doc["paths"]["/api/v1/alerts/{alert_id}"]["get"]
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    detail = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "acknowledgements" not in detail.get("required", [])
    summary_ref = detail["properties"]["acknowledgements"]
    summary_ref = summary_ref.get("$ref") or summary_ref["allOf"][0]["$ref"]
    assert summary_ref == get_ack_summary_ref(doc)
    summary = doc["components"]["schemas"][summary_ref.rsplit("/", 1)[1]]
    assert {"expected", "acknowledged", "rate", "by_region", "not_acknowledged"} <= set(summary["properties"])
    # The list, the publish answer and the phone's pull keep the plain alert.
    listed = doc["paths"]["/api/v1/alerts"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert "acknowledgements" not in doc["components"]["schemas"][listed.rsplit("/", 1)[1]]["properties"]


def get_ack_summary_ref(doc):
    acks = doc["paths"]["/api/v1/alerts/{alert_id}/acks"]["get"]
    return acks["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
