"""GET /api/v1/sync/pull: the point, limits in force, alerts and records after a cursor;
the cursor never moves past a row that is not yet committed."""
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from app.extensions import db
from app.models import RiskAlert
from app.sync.services import LOCK_NAMESPACE
from tests.sync_support import push, record

PULL = "/api/v1/sync/pull"


def test_pull_pages_with_the_server_cursor(client, world, login, rules):
    headers = login("keeper_a")
    sent = [record(world.points["a1"]) for _ in range(5)]
    push(client, headers, sent)
    push(client, login("keeper_b"), [record(world.points["b1"])])  # another point's record
    seen, cursor, pages = [], 0, 0
    while True:
        body = client.get(f"{PULL}?cursor={cursor}&limit=2", headers=headers).get_json()
        seqs = [r["seq"] for r in body["records"]]
        assert seqs == sorted(seqs) and all(s > cursor for s in seqs)
        seen += [r["id"] for r in body["records"]]
        cursor, pages = body["cursor"], pages + 1
        if not body["has_more"]:
            break
    assert seen == [r["id"] for r in sent] and pages == 3
    again = client.get(f"{PULL}?cursor={cursor}", headers=headers).get_json()
    assert again["records"] == [] and again["cursor"] == cursor and not again["has_more"]


def test_pull_returns_point_limits_alerts_and_record_state(client, world, login, rules, app):
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add_all([
            RiskAlert(title="警惕冒充客服诈骗", body="不要向陌生人转账", region_prefix="1505"),
            RiskAlert(title="全国提示", body="保护好银行卡密码", region_prefix=""),
            RiskAlert(title="沈阳提示", body="本地", region_prefix="2101"),
            RiskAlert(title="已过期", body="旧", region_prefix="", expires_at=now - timedelta(days=1)),
        ])
        db.session.commit()
        db.session.remove()
    headers = login("keeper_a")
    original = record(world.points["a1"], amount_fen=100500)
    push(client, headers, [original, record(world.points["a1"], kind="void", void_of=original["id"])])
    resp = client.get(PULL, headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    point = body["point"]
    assert point["id"] == world.points["a1"] and point["status"] == "active"
    assert point["village_code"] == "150502001001"
    assert abs(point["lon"] - 122.301) < 1e-9 and abs(point["lat"] - 43.601) < 1e-9
    limits = {lim["kind"]: lim for lim in body["limits"]}
    assert limits["withdrawal"]["per_card_daily_fen"] == 200000
    assert limits["withdrawal"]["multiple_of_fen"] == 1000
    assert limits["cash_remittance"]["per_card_daily_fen"] == 200000
    assert sorted(a["title"] for a in body["alerts"]) == ["全国提示", "警惕冒充客服诈骗"]
    first, void = body["records"]
    assert first["id"] == original["id"] and first["status"] == "accepted"
    assert first["flags"] == ["not_multiple_of_10"] and first["voided_by"] == void["id"]
    assert void["void_of"] == original["id"]


def test_only_keepers_pull(client, world, login):
    resp = client.get(PULL, headers=login("sup_a"))
    assert resp.status_code == 403
    assert client.get(PULL).status_code == 401
    assert client.get(f"{PULL}?cursor=-1", headers=login("keeper_a")).status_code == 422


def test_cursor_never_passes_a_row_in_flight(client, world, login, rules, app, database_url):
    """A writer holds the point's lock with a row in flight; a second push for the point
    waits for it instead of taking a seq that could commit first. Pull meanwhile
    returns nothing, and afterwards every row in seq order."""
    headers = login("keeper_a")
    a1 = world.points["a1"]
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    with app.app_context():
        user_id = world.users["keeper_a"]
        db.session.remove()
    in_flight = str(uuid.uuid4())
    writer = psycopg.connect(dsn)
    writer.execute("select pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, a1))
    writer.execute(
        "insert into ledger_entries (id, point_id, county_code, user_id, kind, amount_fen,"
        " occurred_at, body_hash) values (%s, %s, '150502', %s, 'transfer', 100, now(), %s)",
        (in_flight, a1, user_id, "0" * 64),
    )
    later = record(a1)
    answers = []
    pusher = threading.Thread(target=lambda: answers.append(push(client, headers, [later])))
    pusher.start()
    _wait_for_lock_waiter(dsn, a1)
    assert answers == []  # the second writer waits for the first
    assert client.get(PULL, headers=headers).get_json()["records"] == []
    writer.commit()
    writer.close()
    pusher.join(timeout=30)
    assert answers and answers[0][0]["status"] == "accepted"
    records = client.get(PULL, headers=headers).get_json()["records"]
    assert [r["id"] for r in records] == [in_flight, later["id"]]


def _wait_for_lock_waiter(dsn, point_id, timeout=20):
    """Until a writer waits for this point's lock in this database (colleagues' test
    databases on the same cluster take the same kind of lock)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                "select count(*) from pg_locks where locktype = 'advisory' and not granted"
                " and database = (select oid from pg_database where datname = current_database())"
                " and classid = %s and objid = %s and objsubid = 2",
                (LOCK_NAMESPACE, point_id),
            ).fetchone()[0]
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second push never waited for the point's lock")
