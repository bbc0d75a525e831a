"""Coverage benchmark: recomputation and tile serving, each beside its physical limit.

  (1) full recomputation of village_coverage from an empty table: coverage_refresh(NULL)
      in one session, then `flask coverage refresh` (app/coverage/refresh.py) over
      --jobs connections (both cores), whose result must equal the first row by row;
      beside the bare KNN of every village (nearest active point by the same index,
      nothing stored);
  (2) incremental upkeep: suspending one point (UPDATE through the trigger that
      recomputes the villages near it), beside the same UPDATE with that trigger off;
  (3) low zooms (0-6) pre-built for demo-admin by `flask coverage tiles`, then
      tiles at zoom 6, 10 and 14, layers points and villages, through gunicorn (2
      workers of 4 threads, HTTP with keep-alive, bearer token, scope, ETag) beside
      the same ST_AsMVT query sent raw through psycopg in this process; per zoom: raw p50/p95, API p50/p95 and the
      overhead (API minus raw) at p50 and p95.

Usage: .venv/bin/python bench/coverage.py [--scale tongliao|national] [--requests 200]
       [--points 100] [--jobs 2] [--only recompute|upkeep|tiles ...] [--reload]
DATABASE_URL selects the database; the default is the local cluster's
zhunong_bench_coverage[_national], created, migrated and loaded with `flask demo load`
when empty (not the registry bench's database: this one carries migration 0006). The
national load takes a few minutes on this machine (bench/README.md).
"""
import argparse
import http.client
import os
import random
import subprocess
import sys
import threading
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
SEED = 11
ZOOMS = (6, 10, 14)
LAYERS = ("points", "villages")

BARE_KNN = """
    select count(nn.id) from regions v
    left join lateral (select p.id from service_points p where p.status = 'active'
                       order by p.location <-> coalesce(v.geom, v.centroid) limit 1) nn on true
    where v.level = 'village' {extra}
"""


def libpq_dsn(url):
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database(url, scale, reload):
    u = make_url(url)
    with psycopg.connect(libpq_dsn(u.set(database="postgres")), autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (u.database,)).fetchone():
            print(f"creating database {u.database}")
            conn.execute(f'create database "{u.database}"')
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    with psycopg.connect(libpq_dsn(url)) as conn:
        points = conn.execute("select count(*) from service_points").fetchone()[0]
    if points and not reload:
        return
    args = [BIN / "flask", "demo", "load", "--scale", scale] + (["--reset"] if points else [])
    subprocess.run(args, cwd=ROOT, env=env, check=True)


def pct(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def ms(fn):
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


# (1) Full recomputation ------------------------------------------------------------

def full_refresh(url, dsn, jobs):
    """coverage_refresh(NULL) in one session, then `flask coverage refresh`'s
    refresh_all over `jobs` connections; both from an empty table, with the same
    result (compared row by row), beside the bare KNN of every village."""
    from sqlalchemy import create_engine

    from app.coverage.refresh import refresh_all

    with psycopg.connect(dsn) as conn:
        conn.execute("set max_parallel_workers_per_gather = 0")  # one core, like the trigger
        conn.execute("set jit = off")
        bare, _ = ms(lambda: conn.execute(BARE_KNN.format(extra="")).fetchone())
        conn.execute("truncate village_coverage")
        one, n = ms(lambda: conn.execute("select coverage_refresh(NULL)").fetchone()[0])
        conn.execute("drop table if exists bench_coverage_one")
        conn.execute("create unlogged table bench_coverage_one as select * from village_coverage")
        conn.execute("truncate village_coverage")
        conn.commit()
    engine = create_engine(url)
    try:
        villages, _, seconds = refresh_all(engine, jobs)
    finally:
        engine.dispose()
    with psycopg.connect(dsn) as conn:
        differ = conn.execute("""
            select count(*) from bench_coverage_one a full join village_coverage b using (village_code)
             where (a.points_inside, a.nearest_point_id, a.nearest_m)
                   is distinct from (b.points_inside, b.nearest_point_id, b.nearest_m)""").fetchone()[0]
        conn.execute("drop table bench_coverage_one")
        conn.commit()
    if differ:
        sys.exit(f"{differ} villages differ between one session and {jobs}")
    print(f"(1) full recomputation, {n:,} villages   one session {one / 1000:6.1f} s | {jobs} connections "
          f"(flask coverage refresh) {seconds:6.1f} s | bare KNN of every village (one session, "
          f"nothing stored) {bare / 1000:6.1f} s")


# (2) Incremental upkeep ------------------------------------------------------------

def incremental(dsn, samples):
    with psycopg.connect(dsn) as conn:
        ids = [r[0] for r in conn.execute(
            "select id from service_points where status = 'active' order by random() limit %s",
            (samples,))]
        with_trigger, without = [], []
        update = "update service_points set status = 'suspended' where id = %s"
        for i, point in enumerate(ids):
            def on():
                t, _ = ms(lambda: conn.execute(update, (point,)))
                conn.rollback()
                return t

            def off():
                conn.execute("alter table service_points disable trigger coverage_points_update")
                t, _ = ms(lambda: conn.execute(update, (point,)))
                conn.rollback()
                return t

            # Take turns going first, so neither always finds the pages cached.
            if i % 2:
                with_trigger.append(on())
                without.append(off())
            else:
                without.append(off())
                with_trigger.append(on())
    print(f"(2) suspend one point, {len(ids)} points      with coverage upkeep p50 {pct(with_trigger, 50):6.2f} ms "
          f"p95 {pct(with_trigger, 95):6.2f} ms | bare UPDATE p50 {pct(without, 50):6.2f} ms "
          f"p95 {pct(without, 95):6.2f} ms | added p50 {pct(with_trigger, 50) - pct(without, 50):6.2f} ms")


# (3) Tiles -------------------------------------------------------------------------

def tile_xy(lon, lat, z):
    import math

    n = 2 ** z
    return (int((lon + 180) / 360 * n),
            int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))


def tile_cases(dsn, count):
    """Tiles around random active points, so each one shows data, as a map does."""
    rng = random.Random(SEED)
    with psycopg.connect(dsn) as conn:
        spots = conn.execute(
            "select st_x(location), st_y(location) from service_points where status = 'active' "
            "order by md5(id::text) limit 2000").fetchall()
    cases = {}
    for z in ZOOMS:
        cases[z] = [(z, *tile_xy(*rng.choice(spots), z)) for _ in range(count)]
    return cases


def raw_sql(url):
    """The exact SQL the API runs for each tile, compiled for demo-admin (scope: all)."""
    from app import create_app
    from app.coverage import tiles
    from app.coverage.services import distance_setting, dormant_setting
    from app.extensions import db
    from app.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        admin = db.session.query(User).filter_by(username="demo-admin").one()

        def compile_(layer, z, x, y):
            stmt = tiles.tile_query(admin, layer, z, x, y, distance_setting(), dormant_setting())
            return str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))

        return compile_, app


_connections = {}


def http_get(port, path, headers=None):
    """One GET through the standard library's client on a kept-alive connection, as a
    map's browser sends its tiles: the figures are the server's, not a client library's
    (requests adds ~0.5 ms of its own per call)."""
    conn = _connections.get(port) or http.client.HTTPConnection("127.0.0.1", port)
    _connections[port] = conn
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
    except (http.client.HTTPException, OSError):
        conn.close()  # the server closed it: once more on a new connection
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
    if resp.status != 200:
        sys.exit(f"GET {path}: {resp.status} {body[:200]!r}")
    return body


def prebuild(app, jobs):
    """`flask coverage tiles` for demo-admin (the national scope) up to zoom 6."""
    from app.coverage import tiles
    from app.extensions import db
    from app.models import User

    with app.app_context():
        admin = db.session.query(User).filter_by(username="demo-admin").one()
        seconds, count = ms(lambda: tiles.prebuild(admin, 6, jobs=jobs))
        db.session.remove()
    print(f"(3) low zooms pre-built (flask coverage tiles): {count:,} tiles of zoom 0-6, both layers, "
          f"demo-admin's scope, in {seconds / 1000:.1f} s on {jobs} connections")


def bench_tiles(url, dsn, requests_per_zoom, jobs):
    compile_, app = raw_sql(url)
    cases = tile_cases(dsn, requests_per_zoom)
    prebuild(app, jobs)
    server = GunicornServer(url, workers=2, threads=4).start()  # as gunicorn.conf.py
    try:
        session = requests.Session()
        password = os.environ.get("DEMO_PASSWORD", "zhunong-demo-2026")
        token = session.post(f"{server.url}/api/v1/auth/login",
                          json={"username": "demo-admin", "password": password}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        # The floor of any request through this stack (HTTP, a pooled connection, one
        # query), so the tiles' overhead can be read against it.
        floor = []
        for _ in range(requests_per_zoom):
            floor.append(ms(lambda: http_get(server.port, "/healthz"))[0])
        print(f"(3) stack floor: GET /healthz (no auth, one query) p50 {pct(floor, 50):6.1f} ms "
              f"p95 {pct(floor, 95):6.1f} ms")
        with app.app_context(), psycopg.connect(dsn, autocommit=True) as conn:
            sql = {(layer, c): compile_(layer, *c) for layer in LAYERS for z in ZOOMS for c in cases[z]}
            for layer in LAYERS:
                for z in ZOOMS:
                    api_ms, raw_ms, sizes = [], [], []
                    for i, (zz, x, y) in enumerate(cases[z]):
                        def api():
                            return http_get(server.port, f"/tiles/{layer}/{zz}/{x}/{y}.mvt", headers)

                        def raw():
                            return bytes(conn.execute(sql[(layer, (zz, x, y))]).fetchone()[0])

                        # Take turns going first, so neither always finds the pages cached.
                        if i % 2:
                            (r, raw_body), (a, body) = ms(raw), ms(api)
                        else:
                            (a, body), (r, raw_body) = ms(api), ms(raw)
                        # Same rows, maybe another order: MVT's key and value tables follow
                        # the rows' order, so the sizes may differ by a few varint bytes.
                        if abs(len(body) - len(raw_body)) > 0.01 * len(raw_body) + 8:
                            sys.exit(f"tile {layer}/{zz}/{x}/{y}: API {len(body)} bytes, raw {len(raw_body)}")
                        api_ms.append(a)
                        raw_ms.append(r)
                        sizes.append(len(body))
                    a50, a95, r50, r95 = pct(api_ms, 50), pct(api_ms, 95), pct(raw_ms, 50), pct(raw_ms, 95)
                    print(f"(3) tiles {layer:<8} z{z:<2} ({len(set(cases[z]))} tiles, p50 {pct(sizes, 50) / 1024:6.1f} KiB) "
                          f"API p50 {a50:6.1f} ms p95 {a95:6.1f} ms | raw ST_AsMVT p50 {r50:6.1f} ms "
                          f"p95 {r95:6.1f} ms | overhead p50 {a50 - r50:+6.1f} ms p95 {a95 - r95:+6.1f} ms")
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("tongliao", "national"), default="tongliao")
    parser.add_argument("--requests", type=int, default=200, help="tile requests per layer and zoom")
    parser.add_argument("--points", type=int, default=100, help="points suspended in (2)")
    parser.add_argument("--jobs", type=int, default=2, help="connections of the full recomputation")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--only", choices=("recompute", "upkeep", "tiles"), action="append",
                        help="run only these parts (repeatable); default all")
    args = parser.parse_args()
    default = "zhunong_bench_coverage" + ("_national" if args.scale == "national" else "")
    url = os.environ.get("DATABASE_URL") or local_database_url(default)
    ensure_database(url, args.scale, args.reload)
    dsn = libpq_dsn(url)
    with psycopg.connect(dsn) as conn:
        villages = conn.execute("select count(*) from regions where level = 'village'").fetchone()[0]
        points = conn.execute("select count(*) from service_points").fetchone()[0]
    print(f"coverage bench: {make_url(url).database}, {villages:,} villages, {points:,} service points")
    parts = set(args.only or ("recompute", "upkeep", "tiles"))
    if "recompute" in parts:
        full_refresh(url, dsn, args.jobs)
    if "upkeep" in parts:
        incremental(dsn, args.points)
    if "tiles" in parts:
        bench_tiles(url, dsn, args.requests, args.jobs)


if __name__ == "__main__":
    main()
