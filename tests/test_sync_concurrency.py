"""The pull cursor under truly concurrent writers of one point.

The first writer takes its sequence numbers and then stalls before its commit (the test
holds the row of ledger_daily it must update). Other writers of the same point push
meanwhile, each through its own connection, and a reader pulls while they are in
flight. With the point's exclusive advisory lock taken before the insert, the later
writers wait for the first one, so no sequence number commits ahead of a smaller one
still in flight, and a reader that follows the cursor sees every record exactly once.
With the lock taken after the insert, taken shared or not taken at all, the later
writers commit first, the reader's cursor passes the stalled record, and it is never
pulled: this test fails.
"""
import threading
import time

import psycopg

from app.sync.services import LOCK_NAMESPACE
from tests.sync_support import push, record

PULL = "/api/v1/sync/pull"
DAY = "2026-03-02T10:00:00+08:00"
OTHER_DAYS = ["2026-03-03T10:00:00+08:00", "2026-03-04T10:00:00+08:00", "2026-03-05T10:00:00+08:00"]


def _dsn(database_url):
    return database_url.replace("postgresql+psycopg://", "postgresql://")


def _wait_until(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting until {what}")


def _pull_all(client, headers, cursor):
    seen = []
    while True:
        body = client.get(f"{PULL}?cursor={cursor}&limit=100", headers=headers).get_json()
        seen += [(r["seq"], r["id"]) for r in body["records"]]
        cursor = body["cursor"]
        if not body["has_more"]:
            return seen, cursor


def test_cursor_follows_concurrent_writers_committing_out_of_seq_order(app, world, login, rules,
                                                                        database_url):
    headers = login("keeper_a")
    a1 = world.points["a1"]
    dsn = _dsn(database_url)
    # The day's rollup row exists, so the first writer's rollup update needs its row lock.
    seed = record(a1, amount_fen=10000, occurred_at=DAY)
    push(app.test_client(), headers, [seed])
    reader = app.test_client()
    seen, cursor = _pull_all(reader, headers, 0)
    assert [i for _, i in seen] == [seed["id"]]

    with psycopg.connect(dsn, autocommit=True) as watcher:
        db_oid = watcher.execute(
            "select oid from pg_database where datname = current_database()").fetchone()[0]

        def stalled_writers():
            """Pushes of this database stuck on a row or transaction lock (not ours)."""
            return watcher.execute(
                "select count(*) from pg_stat_activity where datname = current_database()"
                " and wait_event_type = 'Lock' and wait_event in ('transactionid', 'tuple')"
                " and query ilike '%%INSERT INTO ledger_entries%%'").fetchone()[0]

        def lock_waiters():
            """Writers waiting for the point's advisory lock, in this database only."""
            return watcher.execute(
                "select count(*) from pg_locks where locktype = 'advisory' and not granted"
                " and database = %s and classid = %s and objid = %s and objsubid = 2",
                (db_oid, LOCK_NAMESPACE, a1)).fetchone()[0]

        blocker = psycopg.connect(dsn)
        blocker.execute(
            "select 1 from ledger_daily where point_id = %s and kind = 'withdrawal'"
            " and day = date '2026-03-02' for update", (a1,))
        answers = {}

        def writer(name, records):
            answers[name] = push(app.test_client(), headers, records)

        first = [record(a1, amount_fen=20000, occurred_at=DAY) for _ in range(3)]
        later = {f"w{n}": [record(a1, amount_fen=30000, occurred_at=d)] for n, d in enumerate(OTHER_DAYS)}
        threads = [threading.Thread(target=writer, args=("first", first))]
        try:
            threads[0].start()
            _wait_until(lambda: stalled_writers() == 1, "the first writer has its seqs and stalls")
            for name, records in later.items():
                threads.append(threading.Thread(target=writer, args=(name, records)))
                threads[-1].start()
            # Either they queue behind the first writer's lock (as they must), or, with the
            # lock broken, they get through and commit ahead of it.
            _wait_until(lambda: lock_waiters() + sum(n in answers for n in later) == len(later),
                        "every later writer either waits for the lock or has committed")
            # A reader pulls while the first writer is still in flight.
            page, cursor_between = _pull_all(reader, headers, cursor)
            seen += page
        finally:
            blocker.rollback()
            blocker.close()
            for t in threads:
                t.join(timeout=60)
    assert "first" in answers and all(n in answers for n in later)
    rest, _ = _pull_all(reader, headers, cursor_between)
    seen += rest
    sent = [seed["id"]] + [r["id"] for r in first] + [r["id"] for rs in later.values() for r in rs]
    ids = [i for _, i in seen]
    # Every record reached the reader exactly once, in seq order, though the writers ran
    # at once: none was passed over by the cursor.
    assert sorted(ids) == sorted(sent) and len(ids) == len(set(ids))
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)
    # And nothing but the seed was visible while the first writer was in flight.
    assert page == []
