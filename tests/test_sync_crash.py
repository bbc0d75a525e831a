"""The server dies between COMMIT and its answer (a power cut, an OOM kill): the phone
sees a dropped connection and retries after the restart. Every record must be stored
exactly once, and the retried ones answer "duplicate" (DESIGN.md, guarantee 3)."""
import os
import signal
import threading
import time

import psycopg
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


# --- crashes before the commit ----------------------------------------------------------

def _dsn(database_url):
    return database_url.replace("postgresql+psycopg://", "postgresql://")


def _children(pid):
    """Process ids whose parent is pid (gunicorn's workers), read from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _power_cut(server):
    """SIGKILL the master and its workers: no handler runs, nothing is committed."""
    workers = _children(server.process.pid)
    for pid in [server.process.pid, *workers]:
        os.kill(pid, signal.SIGKILL)
    server.process.wait()
    server.process = None


def _wait_until(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def _push_stalls_then_server_dies(server, headers, body, database_url):
    """Send the batch, wait until the server's transaction is stuck on a lock the test
    holds (so it is between its first insert and its commit), then cut the power."""
    outcome = []

    def send():
        try:
            outcome.append(requests.post(f"{server.url}{PUSH}", json=body, headers=headers, timeout=60))
        except requests.ConnectionError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    with psycopg.connect(_dsn(database_url), autocommit=True) as watcher:
        _wait_until(lambda: watcher.execute(
            "select count(*) from pg_stat_activity where datname = current_database()"
            " and wait_event_type = 'Lock' and query ilike '%%INSERT INTO ledger_entries%%'"
        ).fetchone()[0] == 1, "the push waits inside its transaction")
    _power_cut(server)
    sender.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["before commit", "mid-batch"])
def test_crash_before_commit_loses_the_whole_batch_and_the_retry_stores_it_once(
        app, world, login, rules, database_url, where):
    """"before commit": every record inserted, the rollup update waits on a row the test
    holds. "mid-batch": the third record's id is being inserted by another transaction,
    so the batch's insert waits after its first two rows. Either way the power is cut:
    nothing of the batch is stored, and the phone's retry stores all of it, once."""
    headers = login("keeper_a", device_id="phone-crash-2")
    a1 = world.points["a1"]
    day = "2026-03-02T10:00:00+08:00"
    seed = record(a1, amount_fen=10000, occurred_at=day)
    batch = [record(a1, amount_fen=20000, occurred_at=f"2026-03-0{3 + i}T10:00:00+08:00") for i in range(4)]
    batch.append(record(a1, amount_fen=30000, occurred_at=day))
    server = _server(database_url, crash_after_commit=False)
    blocker = psycopg.connect(_dsn(database_url))
    try:
        resp = requests.post(f"{server.url}{PUSH}", json={"device_id": "phone-crash-2", "records": [seed]},
                             headers=headers, timeout=30)
        assert resp.json()["results"][0]["status"] == "accepted"
        if where == "before commit":
            blocker.execute("select 1 from ledger_daily where point_id = %s and day = date '2026-03-02'"
                            " for update", (a1,))
        else:
            with app.app_context():
                user_id = world.users["keeper_a"]
            blocker.execute(
                "insert into ledger_entries (id, point_id, county_code, user_id, kind, amount_fen,"
                " occurred_at, body_hash) values (%s, %s, '150502', %s, 'transfer', 100, now(), %s)",
                (batch[2]["id"], a1, user_id, "0" * 64))
        body = {"device_id": "phone-crash-2", "records": batch}
        _push_stalls_then_server_dies(server, headers, body, database_url)
        blocker.rollback()
        assert _count(app) == 1  # only the seed: nothing of the batch survived the crash

        server = _server(database_url, crash_after_commit=False)
        resp = requests.post(f"{server.url}{PUSH}", json=body, headers=headers, timeout=30)
        assert [r["status"] for r in resp.json()["results"]] == ["accepted"] * 5
        again = requests.post(f"{server.url}{PUSH}", json=body, headers=headers, timeout=30)
        assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 5
    finally:
        blocker.close()
        if server.process is not None:
            server.stop()
    assert _count(app) == 6
    assert rollup_matches_recount(app)
