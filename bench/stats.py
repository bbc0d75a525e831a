"""Statistics and exports benchmark on a ledger of 10 million records (Tongliao's 1,539
points, 2024-01-01..2025-08-31), each figure beside the physical limit in the same run:

  (1) the stats query for the city by county and month (app/stats/services.grouped,
      from the rollups) beside the naive GROUP BY over the ledger; p50 of --runs each,
      results compared (target ratio >= 50x);
  (2) the ledger CSV export (app/exports/ledger.stream_ledger_csv) for --export-days
      days of the city, rows/s, beside `COPY (SELECT * ...) TO STDOUT` of the same rows
      (target ratio >= 0.5);
  (3) an XLSX of 1,000,000 ledger rows (app/exports/tables.xlsx_chunks) in a child
      process: peak resident memory (target < 300 MB), beside the same process's
      memory before writing.

    .venv/bin/python bench/stats.py [--rows 10000000] [--runs 15] [--export-days 31] [--keep]

Uses a scratch database next to DATABASE_URL (created, migrated, loaded with the
Tongliao demo registry, and dropped here).
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import DEFAULT_DATABASE_URL, TestConfig  # noqa: E402

START, END = date(2024, 1, 1), date(2025, 8, 31)
CITY = "1505"

# Point business spread over every point and day; amounts in whole tens of yuan.
POINTS = """
    CREATE TEMP TABLE pts AS
        SELECT row_number() OVER (ORDER BY id) - 1 AS i, id, village_code, county_code
        FROM service_points
"""
GENERATE = """
    INSERT INTO ledger_entries (id, point_id, channel, village_code, county_code, user_id,
                                kind, amount_fen, card_masked, occurred_at, flags, body_hash)
    SELECT gen_random_uuid(), p.id, 'point', p.village_code, p.county_code, %(user_id)s, k.kind,
           CASE WHEN k.kind = 'balance_inquiry' THEN 0
                ELSE (1 + floor(random() * 100))::bigint * 1000 END,
           '622848******' || lpad((g %% 10000)::text, 4, '0'),
           %(start)s::timestamptz + random() * (%(end)s::timestamptz - %(start)s::timestamptz),
           '{}', repeat('0', 64)
    FROM generate_series(0, %(rows)s - 1) g
    JOIN pts p ON p.i = g %% (SELECT count(*) FROM pts)
    CROSS JOIN LATERAL (SELECT (ARRAY['withdrawal', 'withdrawal', 'withdrawal', 'balance_inquiry',
                                      'transfer', 'bill_payment'])[1 + (g %% 6)] AS kind) k;
"""
# The rollups as the push would have kept them, built in bulk.
ROLL_UP = """
    INSERT INTO ledger_daily (point_id, day, kind, county_code, count, amount_fen)
    SELECT point_id, (occurred_at AT TIME ZONE 'Asia/Shanghai')::date, kind, min(county_code),
           count(*), sum(amount_fen)
    FROM ledger_entries GROUP BY 1, 2, 3;
    ALTER TABLE ledger_village_daily DISABLE TRIGGER ledger_village_monthly_roll;
    INSERT INTO ledger_village_daily (channel, day, village_code, kind, bank_path, county_code,
                                      count, amount_fen)
    SELECT 'point', d.day, p.village_code, d.kind, p.bank_path, min(d.county_code),
           sum(d.count), sum(d.amount_fen)
    FROM ledger_daily d JOIN service_points p ON p.id = d.point_id GROUP BY 2, 3, 4, 5;
    INSERT INTO ledger_village_monthly (channel, month, village_code, kind, bank_path,
                                        county_code, count, amount_fen)
    SELECT channel, date_trunc('month', day)::date, village_code, kind, bank_path,
           min(county_code), sum(count), sum(amount_fen)
    FROM ledger_village_daily GROUP BY 1, 2, 3, 4, 5;
    ALTER TABLE ledger_village_daily ENABLE TRIGGER ledger_village_monthly_roll;
"""
# The same figures as grouped(region_level, period=month) without the rollups.
NAIVE = """
    SELECT left(e.village_code, 6) AS key0,
           to_char(date_trunc('month', (e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date),
                   'YYYY-MM') AS key1,
           e.kind, e.channel, count(*) AS count, sum(e.amount_fen) AS amount_fen
    FROM ledger_entries e
    WHERE e.village_code LIKE %(prefix)s || '%%' AND e.void_of IS NULL
      AND NOT EXISTS (SELECT 1 FROM ledger_entries v WHERE v.void_of = e.id)
      AND (e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN %(start)s AND %(end)s
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--export-days", type=int, default=31)
    parser.add_argument("--xlsx-rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--xlsx-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.xlsx_child:
        return xlsx_child(args.xlsx_child, args.xlsx_rows)

    base = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    url, admin = scratch_database(base)
    try:
        app = prepare(url, args.rows)
        raw = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        print(f"stats bench: {args.rows:,} ledger rows, {START}..{END}, city {CITY}")
        stats_query(app, raw, args.runs)
        ledger_export(app, raw, args.export_days)
        out = subprocess.run([sys.executable, __file__, "--xlsx-child", url,
                              "--xlsx-rows", str(args.xlsx_rows)],
                             check=True, capture_output=True, text=True)
        print(out.stdout.strip())
    finally:
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def scratch_database(base):
    name = f"zhunong_bench_stats_{os.getpid()}"
    admin = make_url(base).set(drivername="postgresql", database="postgres")
    admin = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(base).set(database=name).render_as_string(hide_password=False), admin


def make_app(url):
    from app import create_app

    return create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))


def prepare(url, rows):
    from flask_migrate import upgrade

    from app.demo.cli import load_scale
    from app.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
        load_scale("tongliao", echo=lambda *a: None, business=False)
        user_id = db.session.execute(db.text("select id from users order by id limit 1")).scalar()
        db.session.remove()
    raw = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(raw) as conn:
        started = time.perf_counter()
        conn.execute(POINTS)
        conn.execute(GENERATE, {"rows": rows, "user_id": user_id, "start": str(START),
                                "end": str(END) + " 23:59:59+08"})
        conn.commit()
        generated = time.perf_counter() - started
        started = time.perf_counter()
        for statement in ROLL_UP.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        sizes = conn.execute(
            "select (select count(*) from ledger_village_daily), "
            "(select count(*) from ledger_village_monthly)").fetchone()
    print(f"generated {rows:,} rows in {generated:.0f} s; rollups in "
          f"{time.perf_counter() - started:.0f} s: village daily {sizes[0]:,} rows, "
          f"monthly {sizes[1]:,} rows")
    return app


def regulator(app):
    from app.extensions import db
    from app.models import User

    return db.session.scalar(db.select(User).where(User.username == "demo-regulator"))


def p50(samples):
    return statistics.median(samples) * 1000


def stats_query(app, raw, runs):
    from app.stats.services import grouped

    ours, naive = [], []
    with app.app_context(), psycopg.connect(raw) as conn:
        user = regulator(app)
        for n in range(runs):
            # Take turns going first, so neither always finds the pages in cache.
            for which in ((0, 1) if n % 2 else (1, 0)):
                started = time.perf_counter()
                if which == 0:
                    groups = grouped(user, CITY, START, END, ["region_level", "period"], "month")
                    ours.append(time.perf_counter() - started)
                else:
                    rows = conn.execute(NAIVE, {"prefix": CITY, "start": START, "end": END}).fetchall()
                    naive.append(time.perf_counter() - started)
        got = sorted((g["key"], g["key2"], g["kind"], g["channel"], g["count"], g["amount_fen"])
                     for g in groups)
        assert got == sorted(tuple(r) for r in rows), "rollup figures differ from the ledger"
    print(f"(1) city by county and month, {len(got):,} cells   rollups p50 {p50(ours):8.1f} ms"
          f" | naive GROUP BY p50 {p50(naive):8.1f} ms | ratio {p50(naive) / p50(ours):6.1f}x"
          f"   (target >= 50x)")


# The same rows as the export, as they are stored, with no formatting: the limit.
PLAIN_COPY = """
    COPY (SELECT e.* FROM ledger_entries e JOIN service_points p ON p.id = e.point_id
          WHERE p.village_code LIKE %(prefix)s || '%%'
            AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
          ORDER BY e.seq) TO STDOUT WITH (FORMAT csv)
"""


def ledger_export(app, raw, days):
    from datetime import timedelta

    from app.core.clock import day_start
    from app.exports.ledger import stream_ledger_csv
    from app.extensions import db
    from app.models import AuditEvent

    args = {"date_from": START, "date_to": START + timedelta(days=days - 1), "region": CITY}
    with app.app_context():
        user = regulator(app)
        started = time.perf_counter()
        size = sum(len(block) for block in stream_ledger_csv(user, args))
        ours = time.perf_counter() - started
        last = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        rows = last.after["rows"]
    params = {"prefix": CITY, "start": day_start(args["date_from"]),
              "end": day_start(args["date_to"] + timedelta(days=1))}
    with psycopg.connect(raw) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        plain = 0
        with cur.copy(PLAIN_COPY, params) as copy:
            for block in copy:
                plain += len(block)
        limit = time.perf_counter() - started
        assert cur.rowcount == rows, (cur.rowcount, rows)
    print(f"(2) ledger CSV, {rows:,} rows ({size / 1e6:.0f} MB)   export {rows / ours:10,.0f} rows/s"
          f" | COPY TO STDOUT {rows / limit:10,.0f} rows/s ({plain / 1e6:.0f} MB)"
          f" | ratio {limit / ours:.2f}   (target >= 0.5)")


def xlsx_child(url, rows):
    """Write an XLSX of `rows` ledger rows read through a server-side cursor; print the
    peak resident memory of this process before and after."""
    from app.exports.tables import Table, xlsx_chunks

    app = make_app(url)
    raw = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with app.app_context(), psycopg.connect(raw) as conn:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cur = conn.cursor(name="xlsx")
        cur.itersize = 5000
        cur.execute("SELECT seq, id::text, occurred_at::text, kind, amount_fen, card_masked "
                    "FROM ledger_entries ORDER BY seq LIMIT %s", (rows,))
        table = Table("登记簿", ["序号", "记录编号", "发生时间", "业务类型", "金额（元）", "卡号（脱敏）"], cur)
        started = time.perf_counter()
        size = sum(len(chunk) for chunk in xlsx_chunks([table], [("说明", "bench")]))
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(3) XLSX of {rows:,} rows ({size / 1e6:.0f} MB) in {seconds:.0f} s   peak RSS"
          f" {peak:6.0f} MB (before writing {before:.0f} MB)   (target < 300 MB)")


if __name__ == "__main__":
    main()
