"""The server dies between COMMIT and its answer (a power cut, an OOM kill): the phone
sees a dropped connection and retries after the restart. Every record must be stored
exactly once, and the retried ones answer "duplicate" (DESIGN.md, guarantee 3)."""
import pytest
import requests
from sqlalchemy import text

from app.extensions import db
from tests.servers import GunicornServer
from tests.sync_support import PUSH, record, rollup_matches_recount


def _server(database_url, crash_after_commit):
    """The real server on the test database; the crashing one dies after its COMMIT."""
    hooks = {"SYNC_TEST_CRASH_AFTER_COMMIT": "1", "ZHUNONG_TEST_HOOKS": "1"}
    env = hooks if crash_after_commit else {"SYNC_TEST_CRASH_AFTER_COMMIT": None}
    return GunicornServer(database_url, env=env).start()


@pytest.mark.slow
def test_crash_between_commit_and_answer_then_retry(app, world, login, rules, database_url):
    headers = login("keeper_a", device_id="phone-crash-1")
    a1 = world.points["a1"]
    batch = [record(a1, amount_fen=10000 * (i + 1)) for i in range(5)]
    body = {"device_id": "phone-crash-1", "records": batch}

    crashing = _server(database_url, crash_after_commit=True)
    try:
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{crashing.url}{PUSH}", json=body, headers=headers, timeout=30)
    finally:
        crashing.stop()
    assert _count(app) == 5  # committed, though the phone never heard back

    server = _server(database_url, crash_after_commit=False)
    try:
        extra = record(a1, amount_fen=90000)
        retry = {"device_id": "phone-crash-1", "records": batch + [extra]}
        resp = requests.post(f"{server.url}{PUSH}", json=retry, headers=headers, timeout=30)
        assert resp.status_code == 200
        statuses = [r["status"] for r in resp.json()["results"]]
        assert statuses == ["duplicate"] * 5 + ["accepted"]
        again = requests.post(f"{server.url}{PUSH}", json=retry, headers=headers, timeout=30)
        assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 6
    finally:
        server.stop()
    assert _count(app) == 6
    assert rollup_matches_recount(app)
    with app.app_context():
        total = db.session.execute(text("select sum(amount_fen) from ledger_daily")).scalar()
        db.session.remove()
    assert total == sum(r["data"]["amount_fen"] for r in batch) + 90000


def _count(app):
    with app.app_context():
        n = db.session.execute(text("select count(*) from ledger_entries")).scalar()
        db.session.remove()
    return n
