"""Sync ingest benchmark: 200,000 register records pushed over HTTP to gunicorn (2
workers) in 500-record batches by 2 client threads, then the same batches resent (all
duplicates), then raw COPY of as many rows into the same table in the same run. Then the
same for field work: a grid worker and a field agent push as many mixed records -- visits
with their business (ledger records of channel grid/mobile naming the visit), a few
anti-fraud talks and villagers' requests -- beside raw COPY of as many rows into the same
tables. Prints records/s for each and the ratio to COPY (target: first delivery >= 0.15
of COPY), and the keeper shell's compressed size as built by `npm run build`.

    .venv/bin/python bench/sync_ingest.py [--records 200000] [--mixed-records N] [--batch 500]
        [--same-county] [--keep]

Uses a scratch database next to DATABASE_URL (created, migrated and dropped here), so
it never touches the dev database.
"""
import argparse
import io
import json
import os
import random
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import DEFAULT_DATABASE_URL, TestConfig  # noqa: E402
from tests.servers import GunicornServer  # noqa: E402

PASSWORD = "test-password-1"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--mixed-records", type=int, default=None,
                        help="field-work records (visits, business, talks, requests); default --records")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--same-county", action="store_true",
                        help="both field workers in one county (their per-card totals shared)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    mixed_total = args.records if args.mixed_records is None else args.mixed_records

    base = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    url, admin = scratch_database(base)
    server = None
    try:
        keepers, workers = prepare(url, args.clients, args.same_county)
        server = GunicornServer(url, workers=args.workers).start()
        batches = make_batches(keepers, args.records, args.batch)
        tokens = [login(server.url, k["username"]) for k in keepers]

        first = deliver(server.url, tokens, batches, expect="accepted")
        resend = deliver(server.url, tokens, batches, expect="duplicate")

        mixed = make_mixed_batches(workers, mixed_total, args.batch)
        field_tokens = [login(server.url, w["username"]) for w in workers]
        mixed_first = deliver(server.url, field_tokens, mixed, expect="accepted")
        mixed_resend = deliver(server.url, field_tokens, mixed, expect="duplicate")
        server.stop()
        copy = raw_copy(url, keepers, args.records)
        rows = count_rows(url)
        mixed_copy, mixed_rows = raw_copy_mixed(url, workers, mixed_total, args.batch)

        print(f"records: {args.records:,} in batches of {args.batch}, "
              f"{args.clients} client threads, gunicorn {args.workers} workers")
        print(f"first delivery : {first:10,.0f} records/s   ratio to COPY {first / copy:.3f}"
              f"   (target >= 0.15)")
        print(f"resend (dups)  : {resend:10,.0f} records/s   ratio to COPY {resend / copy:.3f}")
        print(f"raw COPY       : {copy:10,.0f} rows/s")
        print(f"ledger rows    : {rows:,} of channel point (= {args.records:,} pushed once + {args.records:,} copied)")
        mixed_n = sum(n for _, n in mixed)
        print(f"field work: {mixed_n:,} mixed records ({mixed_rows}) by a grid worker and a field agent")
        print(f"mixed first    : {mixed_first:10,.0f} records/s   ratio to COPY {mixed_first / mixed_copy:.3f}"
              f"   (target >= 0.15)")
        print(f"mixed resend   : {mixed_resend:10,.0f} records/s   ratio to COPY {mixed_resend / mixed_copy:.3f}")
        print(f"mixed raw COPY : {mixed_copy:10,.0f} records/s")
        shell_size()
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def scratch_database(base):
    name = f"zhunong_bench_{os.getpid()}"
    admin = make_url(base).set(drivername="postgresql", database="postgres")
    admin = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(base).set(database=name).render_as_string(hide_password=False), admin


def prepare(url, clients, same_county=False):
    """Migrate, seed the PBoC rules (the migration does) and build the test world: its
    keepers each own one point, so the client threads never wait for each other's lock."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from tests import factories

    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    with app.app_context():
        upgrade()
        world = factories.build_world()
        from app.models import ServicePoint, User

        keepers = []
        for name in ("keeper_a", "keeper_b")[:clients]:
            point = db.session.get(ServicePoint, world.points["a1" if name == "keeper_a" else "b1"])
            lon, lat = db.session.execute(
                db.select(db.func.ST_X(ServicePoint.location), db.func.ST_Y(ServicePoint.location))
                .where(ServicePoint.id == point.id)
            ).one()
            keepers.append(dict(username=name, user_id=world.users[name], point_id=point.id,
                                county_code=point.county_code, lon=lon, lat=lat))
        # A grid worker in her assigned village (a1's, 科尔沁区) and a field agent of the
        # other bank in its point's village (b1's, 科左中旗): each pushes under her own
        # lock and adds to her own county's per-card totals, like the keepers. With
        # --same-county the field agent is bank A's, in a2's village next door.
        agent = ("field_a", "mobile", "150502001002") if same_county else \
            ("field_b", "mobile", "150521001001")
        workers = []
        for name, channel, village in (("grid_a", "grid", "150502001001"), agent)[:clients]:
            user = db.session.get(User, world.users[name])
            workers.append(dict(username=name, user_id=user.id, channel=channel, village_code=village,
                                bank_path=user.org.path))
        db.session.remove()
    return keepers, workers


def login(base, username):
    resp = requests.post(f"{base}/api/v1/auth/login",
                         json={"username": username, "password": PASSWORD}, timeout=30)
    resp.raise_for_status()
    return resp.json()["token"]


def make_records(keeper, n, rng):
    """Realistic register lines: mostly withdrawals in whole tens of yuan over the last
    week, some inquiries and transfers, a few with GPS, a few that break a rule."""
    now = datetime.now(UTC)
    out = []
    for _ in range(n):
        kind = rng.choices(
            ["withdrawal", "balance_inquiry", "transfer", "bill_payment", "cash_remittance"],
            [60, 20, 10, 7, 3],
        )[0]
        amount = 0 if kind == "balance_inquiry" else rng.randint(1, 100) * 1000
        if amount and rng.random() < 0.02:
            amount += 500  # not a multiple of 10 yuan: flagged, still accepted
        data = {
            "point_id": keeper["point_id"],
            "kind": kind,
            "amount_fen": amount,
            "card_masked": f"622848******{rng.randint(0, 9999):04d}",
            "voucher_no": f"{rng.randint(0, 999999):06d}",
            "occurred_at": (now - timedelta(seconds=rng.randint(0, 7 * 86400))).astimezone().isoformat(),
            "lon": None,
            "lat": None,
            "void_of": None,
        }
        if rng.random() < 0.3:
            data["lon"] = keeper["lon"] + rng.uniform(-0.001, 0.001)
            data["lat"] = keeper["lat"] + rng.uniform(-0.001, 0.001)
        out.append({"id": str(uuid.uuid4()), "type": "ledger_entry", "data": data})
    return out


REQUEST_CATEGORIES = ("cash_service", "card_service", "fraud_report", "complaint", "credit",
                      "social_security", "other")


def make_mixed_records(worker, n, rng):
    """A field worker's day after day: each visit (pushed when it ends) followed by the
    business done on it (5 to 15 records of her channel naming the visit and its village),
    an anti-fraud talk on about one visit in three and a villager's request on one in
    ten. Exactly `n` records."""
    now = datetime.now(UTC)
    out = []
    while len(out) < n:
        start = now - timedelta(seconds=rng.randint(3600, 7 * 86400))
        end = start + timedelta(minutes=rng.randint(30, 180))
        vid = str(uuid.uuid4())
        village = worker["village_code"]
        out.append({"id": vid, "type": "visit", "data": {
            "village_code": village, "started_at": start.astimezone().isoformat(),
            "ended_at": end.astimezone().isoformat(), "village_source": "picked",
            "households": rng.randint(1, 30), "note": None}})
        for _ in range(rng.randint(5, 15)):
            kind = rng.choices(["withdrawal", "balance_inquiry", "transfer", "social_security"],
                               [60, 20, 10, 10])[0]
            amount = 0 if kind in ("balance_inquiry", "social_security") else rng.randint(1, 100) * 1000
            at = start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))
            out.append({"id": str(uuid.uuid4()), "type": "ledger_entry", "data": {
                "channel": worker["channel"], "visit_id": vid, "village_code": village,
                "kind": kind, "amount_fen": amount,
                "card_masked": f"622848******{rng.randint(0, 9999):04d}" if amount else None,
                "voucher_no": f"{rng.randint(0, 999999):06d}", "occurred_at": at.astimezone().isoformat(),
                "lon": None, "lat": None, "void_of": None}})
        if rng.random() < 0.3:
            out.append({"id": str(uuid.uuid4()), "type": "fraud_talk", "data": {
                "visit_id": vid, "village_code": village, "occurred_at": end.astimezone().isoformat(),
                "topic": "冒充公检法诈骗", "attendance": rng.randint(5, 60), "note": None}})
        if rng.random() < 0.1:
            out.append({"id": str(uuid.uuid4()), "type": "request", "data": {
                "village_code": village, "visit_id": vid, "category": rng.choice(REQUEST_CATEGORIES),
                "text": "村民反映取款机具时常断网", "taken_at": end.astimezone().isoformat(),
                "deadline": (end.date() + timedelta(days=15)).isoformat()}})
    return out[:n]


def make_mixed_batches(workers, total, size):
    """Serialised mixed batches per field worker (a visit's business may fall into the
    next batch, as it does when a phone syncs mid-visit)."""
    rng = random.Random(20261202)
    per_worker = total // len(workers)
    batches = []
    for worker in workers:
        records = make_mixed_records(worker, per_worker, rng)
        worker["records"] = records
        batches.append((push_bodies(worker, records, size), per_worker))
    return batches


def raw_copy_mixed(url, workers, total, size):
    """COPY as many mixed rows (fresh ids, same shapes) into the same four tables in one
    transaction: records/s, and the rows per table."""
    rng = random.Random(11)
    per_worker = total // len(workers)
    out = {"field_visits": io.StringIO(), "ledger_entries": io.StringIO(), "fraud_talks": io.StringIO(),
           "villager_requests": io.StringIO()}
    counts = dict.fromkeys(out, 0)
    for worker in workers:
        for rec in make_mixed_records(worker, per_worker, rng):
            d, t = rec["data"], rec["type"]
            county = d["village_code"][:6]
            digest = uuid.uuid4().hex + uuid.uuid4().hex
            if t == "visit":
                table, row = "field_visits", (
                    rec["id"], str(worker["user_id"]), worker["channel"], d["village_code"], county,
                    worker["bank_path"], d["started_at"], d["ended_at"], d["village_source"],
                    str(d["households"]), "{}", digest)
            elif t == "ledger_entry":
                table, row = "ledger_entries", (
                    rec["id"], worker["channel"], d["village_code"], d["visit_id"], county,
                    str(worker["user_id"]), d["kind"], str(d["amount_fen"]), d["card_masked"] or "\\N",
                    d["voucher_no"], d["occurred_at"], "{}", digest)
            elif t == "fraud_talk":
                table, row = "fraud_talks", (
                    rec["id"], d["visit_id"], str(worker["user_id"]), d["village_code"], county,
                    d["occurred_at"], d["topic"], str(d["attendance"]), "{}", digest)
            else:
                table, row = "villager_requests", (
                    rec["id"], d["village_code"], county, d["visit_id"], d["category"], d["text"],
                    d["deadline"], str(worker["user_id"]), worker["bank_path"], d["taken_at"], digest)
            out[table].write("\t".join(row) + "\n")
            counts[table] += 1
    columns = {
        "field_visits": "id, user_id, channel, village_code, county_code, bank_path, started_at, ended_at,"
                        " village_source, households, flags, body_hash",
        "ledger_entries": "id, channel, village_code, visit_id, county_code, user_id, kind, amount_fen,"
                          " card_masked, voucher_no, occurred_at, flags, body_hash",
        "fraud_talks": "id, visit_id, user_id, village_code, county_code, occurred_at, topic, attendance,"
                       " flags, body_hash",
        "villager_requests": "id, village_code, county_code, visit_id, category, text, deadline,"
                             " created_by, bank_path, taken_at, body_hash",
    }
    data = {t: buf.getvalue().encode() for t, buf in out.items()}
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        started = time.perf_counter()
        for table, payload in data.items():
            with conn.cursor().copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                for i in range(0, len(payload), 1 << 20):
                    copy.write(payload[i:i + (1 << 20)])
        conn.commit()
        elapsed = time.perf_counter() - started
    shown = ", ".join(f"{n:,} {t}" for t, n in counts.items())
    return per_worker * len(workers) / elapsed, shown


def make_batches(keepers, total, size):
    """Serialised request bodies per client thread (built before the clock starts)."""
    rng = random.Random(20260301)
    per_keeper = total // len(keepers)
    batches = []
    for keeper in keepers:
        records = make_records(keeper, per_keeper, rng)
        batches.append((push_bodies(keeper, records, size), per_keeper))
    return batches


def push_bodies(user, records, size):
    """The JSON bodies of `user`'s pushes, `size` records each, from her bench phone."""
    return [json.dumps({"device_id": f"bench-{user['username']}", "records": records[i:i + size]}).encode()
            for i in range(0, len(records), size)]


def deliver(base, tokens, batches, expect):
    """Push every batch (one thread per keeper); check every answer; records/s."""
    errors = []

    def client(token, bodies):
        # A connection per batch, as phones arrive: each syncs a minute apart, past the
        # server's 5 s keep-alive, so any worker may take it. A kept connection would pin
        # both client threads to whichever worker accepted them, often the same one, and
        # measure one process instead of the server.
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Connection": "close"}
        for body in bodies:
            resp = requests.post(f"{base}/api/v1/sync/push", data=body, headers=headers, timeout=120)
            if resp.status_code != 200:
                errors.append(resp.text[:300])
                return
            bad = [r for r in resp.json()["results"] if r["status"] != expect]
            if bad:
                errors.append(f"expected {expect}: {bad[:2]}")
                return

    threads = [threading.Thread(target=client, args=(t, b)) for t, (b, _) in zip(tokens, batches)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"push failed: {errors[0]}")
    return sum(n for _, n in batches) / elapsed


def raw_copy(url, keepers, total):
    """COPY the same kind of rows (fresh ids) into the same table: the physical limit."""
    rng = random.Random(7)
    buf = io.StringIO()
    per_keeper = total // len(keepers)
    for keeper in keepers:
        for rec in make_records(keeper, per_keeper, rng):
            d = rec["data"]
            loc = "\\N" if d["lon"] is None else f"SRID=4326;POINT({d['lon']} {d['lat']})"
            buf.write("\t".join((
                rec["id"], str(keeper["point_id"]), keeper["county_code"], str(keeper["user_id"]),
                d["kind"], str(d["amount_fen"]), d["card_masked"], d["voucher_no"],
                d["occurred_at"], loc, "{}", uuid.uuid4().hex + uuid.uuid4().hex,
            )) + "\n")
    data = buf.getvalue().encode()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        started = time.perf_counter()
        with conn.cursor().copy(
            "COPY ledger_entries (id, point_id, county_code, user_id, kind, amount_fen,"
            " card_masked, voucher_no, occurred_at, location, flags, body_hash) FROM STDIN"
        ) as copy:
            for i in range(0, len(data), 1 << 20):
                copy.write(data[i:i + (1 << 20)])
        conn.commit()
        elapsed = time.perf_counter() - started
    return per_keeper * len(keepers) / elapsed


def count_rows(url):
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        return conn.execute("select count(*) from ledger_entries where channel = 'point'").fetchone()[0]


def shell_size():
    """The keeper's shell as the front-end build measured it (static/vendor/shell-size.json)."""
    path = ROOT / "static" / "vendor" / "shell-size.json"
    if not path.exists():
        print("shell size     : not built (run `npm run build`)")
        return
    size = json.loads(path.read_text())
    print(f"shell size     : {size['gzip'] / 1024:.1f} KB gzip ({size['raw'] / 1024:.1f} KB raw),"
          f" budget 150 KB compressed")


if __name__ == "__main__":
    main()
