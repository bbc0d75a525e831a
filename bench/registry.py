"""Registry read benchmark at national scale (864,900 points, 522,000 villages).

Measures through the real stack (gunicorn, 2 workers, HTTP, auth, scope, marshmallow)
and, in the same process, the same SQL sent raw through psycopg, so the ratio says
what the API adds over the database's own work:

  (a) bbox list:     GET /api/v1/service-points?bbox=<county-sized box>&limit=50
  (b) region count:  GET /api/v1/service-points?region=<county or city prefix>&limit=1
                     (reads `total`), as admin and as the Tongliao regulator

Usage: .venv/bin/python bench/registry.py [--requests 200] [--reload]
DATABASE_URL selects the database (default: the local cluster's zhunong_bench, created,
migrated and loaded with `flask demo load --scale national` when empty).
"""
import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import local_database_url  # noqa: E402
from tests.servers import GunicornServer  # noqa: E402

BIN = ROOT / ".venv" / "bin"
DEFAULT_URL = local_database_url("zhunong_bench")
NATIONAL_POINTS = 864_900
SEED = 7

# The SQL the list endpoint runs, written out: the page's total, the page itself with
# the village name it shows, and the terminals of the points on the page.
COUNT_SQL = "select count(*) from service_points where {where}"
PAGE_SQL = (
    "select p.*, st_asbinary(p.location), o.name, o.path, v.code, v.name "
    "from service_points p join organisations o on o.id = p.bank_id "
    "left join regions v on v.code = p.village_code "
    "where {where} order by p.village_code, p.id limit %(limit)s"
)
TERMINALS_SQL = "select * from terminals where point_id = any(%(ids)s) order by id"
BBOX_WHERE = "location && st_makeenvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)"
REGION_WHERE = "village_code like %(prefix)s"
REGULATOR_WHERE = "village_code like '1505%%' and village_code like %(prefix)s"


def libpq_dsn(url):
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database(url, reload):
    """Create, migrate and load the bench database when it is not at national scale."""
    u = make_url(url)
    admin = libpq_dsn(u.set(database="postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (u.database,)).fetchone():
            print(f"creating database {u.database}")
            conn.execute(f'create database "{u.database}"')
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    with psycopg.connect(libpq_dsn(url)) as conn:
        points = conn.execute("select count(*) from service_points").fetchone()[0]
    if points >= NATIONAL_POINTS and not reload:
        print(f"database {u.database}: {points:,} service points")
        return
    if points and not reload:
        sys.exit(f"{u.database} holds {points:,} points, not the national scale; "
                 "run with --reload to replace them")
    args = [BIN / "flask", "demo", "load", "--scale", "national"] + (["--reset"] if points else [])
    subprocess.run(args, cwd=ROOT, env=env, check=True)


def sign_in(http, base, username):
    password = os.environ.get("DEMO_PASSWORD", "zhunong-demo-2026")
    resp = http.post(f"{base}/api/v1/auth/login", json={"username": username, "password": password})
    resp.raise_for_status()
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def pct(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def report(label, api_ms, raw_ms):
    a50, a95, r50, r95 = pct(api_ms, 50), pct(api_ms, 95), pct(raw_ms, 50), pct(raw_ms, 95)
    print(f"{label:<34} API p50 {a50:7.1f} ms  p95 {a95:7.1f} ms | raw SQL p50 {r50:6.1f} ms "
          f" p95 {r95:6.1f} ms | ratio p50 {a50 / r50:5.1f}x  p95 {a95 / r95:5.1f}x")


def raw_list(conn, where, params, limit):
    total = conn.execute(COUNT_SQL.format(where=where), params).fetchone()[0]
    rows = conn.execute(PAGE_SQL.format(where=where), {**params, "limit": limit}).fetchall()
    ids = [row[0] for row in rows]
    if ids:
        conn.execute(TERMINALS_SQL, {"ids": ids}).fetchall()
    return total, len(rows)


def run(http, conn, base, headers, cases, where, limit, label):
    """Each case once through the API and once raw; totals must agree."""
    api_ms, raw_ms = [], []
    for query, params in cases[:10]:  # warm both paths' caches first
        http.get(f"{base}/api/v1/service-points", params=query, headers=headers)
        raw_list(conn, where, params, limit)
    for i, (query, params) in enumerate(cases):
        def api():
            return timed(lambda: http.get(f"{base}/api/v1/service-points", params=query,
                                          headers=headers))

        def raw():
            return timed(lambda: raw_list(conn, where, params, limit))

        # Whichever runs second finds the box's pages in cache: take turns going first.
        if i % 2:
            (raw_time, (total, _)), (api_time, resp) = raw(), api()
        else:
            (api_time, resp), (raw_time, (total, _)) = api(), raw()
        resp.raise_for_status()
        api_ms.append(api_time)
        raw_ms.append(raw_time)
        if resp.json()["total"] != total:
            sys.exit(f"{label}: API total {resp.json()['total']} != raw total {total} for {query}")
    report(label, api_ms, raw_ms)
    return api_ms, raw_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    parser.add_argument("--reload", action="store_true", help="wipe and reload national data")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url, args.reload)

    rng = random.Random(SEED)
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        counties = conn.execute(
            "select prefix, st_x(centroid), st_y(centroid) from regions "
            "where level = 'county' order by code").fetchall()
        cities = [r[0] for r in conn.execute(
            "select prefix from regions where level = 'city' order by code")]
        tongliao = [r[0] for r in conn.execute(
            "select prefix from regions where level in ('county', 'city') "
            "and prefix like '1505%' order by code")]
        points = conn.execute("select count(*) from service_points").fetchone()[0]

        bbox_cases = []
        for _ in range(args.requests):
            _, lon, lat = rng.choice(counties)
            box = dict(x0=lon - 0.3, y0=lat - 0.25, x1=lon + 0.3, y1=lat + 0.25)
            query = {"bbox": f"{box['x0']:.4f},{box['y0']:.4f},{box['x1']:.4f},{box['y1']:.4f}",
                     "limit": 50}
            bbox_cases.append((query, {k: float(f"{v:.4f}") for k, v in box.items()}))
        region_cases = []
        for _ in range(args.requests):
            prefix = rng.choice(counties)[0] if rng.random() < 0.7 else rng.choice(cities)
            region_cases.append(({"region": prefix, "limit": 1}, {"prefix": prefix + "%"}))
        regulator_cases = [({"region": p, "limit": 1}, {"prefix": p + "%"})
                           for p in (rng.choice(tongliao) for _ in range(args.requests))]

        server = GunicornServer(url, workers=2).start()
        base = server.url
        try:
            with requests.Session() as http:
                admin = sign_in(http, base, "demo-admin")
                regulator = sign_in(http, base, "demo-regulator")
                print(f"registry bench: {points:,} service points, {len(counties):,} counties, "
                      f"gunicorn 2 workers at {base}, {args.requests} requests each, one client")
                run(http, conn, base, admin, bbox_cases, BBOX_WHERE, 50,
                    "(a) bbox list, limit 50, admin")
                run(http, conn, base, admin, region_cases, REGION_WHERE, 1,
                    "(b) region count, admin")
                run(http, conn, base, regulator, regulator_cases, REGULATOR_WHERE, 1,
                    "(b) region count, regulator 通辽")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
