"""The flag queue (GET /api/v1/flags) and reviews (PUT /api/v1/flags/<id>/review):
scoped by the token's user, filters, a review kept beside the record and in the audit log."""
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, LedgerEntry
from tests.sync_support import push, record

FLAGS = "/api/v1/flags"


def _fill(client, world, login):
    """Point a1 (bank A): one flagged (not a multiple of 10 yuan), one clean record.
    Point b1 (bank B): one flagged record."""
    a = push(client, login("keeper_a"), [
        record(world.points["a1"], amount_fen=100500),
        record(world.points["a1"], amount_fen=50000),
    ])
    b = push(client, login("keeper_b"), [record(world.points["b1"], amount_fen=20050)])
    assert a[0]["flags"] == ["not_multiple_of_10"] and a[1]["flags"] == []
    return a[0]["id"], a[1]["id"], b[0]["id"]


def _ids(client, headers, query=""):
    resp = client.get(f"{FLAGS}{query}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return [item["id"] for item in resp.get_json()["items"]]


def test_queue_lists_flagged_records_in_scope_only(client, world, login, rules):
    flagged_a, clean_a, flagged_b = _fill(client, world, login)
    assert _ids(client, login("sup_a")) == [flagged_a]
    assert _ids(client, login("sup_b")) == [flagged_b]
    assert set(_ids(client, login("regulator"))) == {flagged_a, flagged_b}
    assert _ids(client, login("sup_a"), "?flag=not_multiple_of_10") == [flagged_a]
    assert _ids(client, login("sup_a"), "?flag=over_daily_cap") == []
    assert _ids(client, login("regulator"), "?region=150521") == [flagged_b]
    # Another bank's point only narrows her own scope: nothing.
    assert _ids(client, login("sup_a"), f"?point_id={world.points['b1']}") == []
    for role in ("keeper_a", "grid_a", "field_a"):
        assert client.get(FLAGS, headers=login(role)).status_code == 403


def test_review_is_kept_with_its_history_and_filters_the_queue(client, world, login, rules, app):
    flagged_a, clean_a, _ = _fill(client, world, login)
    sup = login("sup_a")
    resp = client.put(f"{FLAGS}/{flagged_a}/review", json={"note": "已电话核实"}, headers=sup)
    assert resp.status_code == 200, resp.get_json()
    review = resp.get_json()["review"]
    assert review["note"] == "已电话核实" and review["reviewer_name"] == "sup_a"
    assert review["reviewed_at"].endswith("+00:00")
    assert _ids(client, sup, "?reviewed=false") == []
    assert _ids(client, sup, "?reviewed=true") == [flagged_a]
    # A changed note replaces the review; the audit log keeps both.
    resp = client.put(f"{FLAGS}/{flagged_a}/review", json={"note": "村民分两次取款"}, headers=sup)
    assert resp.get_json()["review"]["note"] == "村民分两次取款"
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == flagged_a).order_by(AuditEvent.id)
        ).all()
        assert [(e.action, e.before and e.before["note"], e.after["note"]) for e in events] == [
            ("review", None, "已电话核实"), ("review", "已电话核实", "村民分两次取款"),
        ]
        # The ledger itself never changes.
        assert db.session.get(LedgerEntry, flagged_a).flags == ["not_multiple_of_10"]
        db.session.remove()


def test_review_refusals(client, world, login, rules):
    flagged_a, clean_a, flagged_b = _fill(client, world, login)
    note = {"note": "看过"}
    # The regulator oversees the queue; the bank clears it.
    assert client.put(f"{FLAGS}/{flagged_a}/review", json=note,
                      headers=login("regulator")).status_code == 403
    # Another bank's record looks like no record at all.
    assert client.put(f"{FLAGS}/{flagged_b}/review", json=note,
                      headers=login("sup_a")).status_code == 404
    resp = client.put(f"{FLAGS}/{clean_a}/review", json=note, headers=login("sup_a"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_flagged"
    assert client.put(f"{FLAGS}/not-a-uuid/review", json=note,
                      headers=login("sup_a")).status_code == 404
    for body, field in (({}, "note"), ({"note": ""}, "note"), ({"note": "x" * 501}, "note")):
        resp = client.put(f"{FLAGS}/{flagged_a}/review", json=body, headers=login("sup_a"))
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"]
    for query, field in (("?flag=DROP TABLE", "flag"), ("?region=15a", "region"),
                         ("?from=2026-03-05&to=2026-03-01", "from"), ("?reviewed=perhaps", "reviewed")):
        resp = client.get(f"{FLAGS}{query}", headers=login("sup_a"))
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], query
