"""Coverage analysis on a hand-built township, checked against values worked out by hand.

Township 大林镇 (150502001), villages 0.02 degrees square (about 1.6 x 2.2 km) on the
parallel 43.6 N, where a degree of longitude is 111,320 x cos(43.6) = 80,620 m:

  V1 前进村  lon 122.30  active point P1 at 122.301 inside        -> in_village
  V2 胜利村  lon 122.33  west edge 122.32: 0.019 deg from P1 = 1.53 km -> within_distance (3 km)
  V3 红旗村  lon 122.40  west edge 122.39: 0.089 deg = 7.2 km      -> uncovered
  V4 东风村  lon 122.45  a suspended point inside; west edge 122.44, P1 11.2 km away -> uncovered
  V5 团结村 (another county, 150521) lon 123.40, 89 km away      -> uncovered
  长白村 (Shenyang, 210102) with its own active point             -> never recomputed here
"""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.core.clock import today
from app.coverage.models import village_coverage as vc
from app.extensions import db
from app.models import LedgerDaily, Organisation
from tests import factories as f

DEG_LON = 111320 * 0.72417  # cos(43.6 deg)


@pytest.fixture
def township(app):
    """The villages and points above; returns names -> ids/codes and a few users."""
    with app.app_context():
        nm = f.make_region("15", "内蒙古自治区", "province")
        tl = f.make_region("1505", "通辽市", "city", nm, 122.24, 43.65)
        krq = f.make_region("150502", "科尔沁区", "county", tl, 122.25, 43.62)
        kzz = f.make_region("150521", "科尔沁左翼中旗", "county", tl, 123.31, 44.13)
        t1 = f.make_region("150502001", "大林镇", "township", krq, 122.4, 43.6)
        t2 = f.make_region("150521001", "保康镇", "township", kzz, 123.4, 43.6)
        villages = {}
        for code, name, lon, pop, town in (
            ("150502001001", "前进村", 122.30, 1000, t1),
            ("150502001002", "胜利村", 122.33, 800, t1),
            ("150502001003", "红旗村", 122.40, 1500, t1),
            ("150502001004", "东风村", 122.45, 700, t1),
            ("150521001001", "团结村", 123.40, 900, t2),
        ):
            v = f.make_region(code, name, "village", town, lon, 43.60, size=0.01)
            v.population = pop
            villages[name] = v
        # Far away, with its own point: a change in 大林镇 must leave it alone.
        ln = f.make_region("21", "辽宁省", "province")
        sy = f.make_region("2101", "沈阳市", "city", ln, 123.43, 41.80)
        hp = f.make_region("210102", "和平区", "county", sy, 123.42, 41.79)
        t3 = f.make_region("210102001", "浑河站街道", "township", hp, 123.4, 41.7)
        far = f.make_region("210102001001", "长白村", "village", t3, 123.40, 41.70, size=0.01)
        bank = f.make_org("通辽农村商业银行", "bank_head_office", region=tl)
        other = f.make_org("中国邮政储蓄银行", "bank_head_office")
        regulator = f.make_org("中国人民银行通辽市分行", "regulator", region=tl)
        p1 = f.make_point(bank, villages["前进村"], "前进村服务点", 122.301, 43.601,
                          opened_on=today() - timedelta(days=400),
                          status_since=today() - timedelta(days=400))
        p4 = f.make_point(other, villages["东风村"], "东风村服务点", 122.451, 43.601, status="suspended")
        f.make_point(other, far, "长白村服务点", 123.401, 41.701)
        grid = f.make_user("grid_1", "grid_worker", org=bank, county_code="150502")
        f.assign(grid, villages["胜利村"])
        users = dict(
            admin=f.make_user("admin", "admin"),
            regulator=f.make_user("regulator", "regulator", org=regulator),
            sup=f.make_user("sup", "supervisor", org=bank),
            sup_other=f.make_user("sup_other", "supervisor", org=other),
            keeper=f.make_user("keeper", "keeper", point=p1),
            grid=grid,
        )
        db.session.commit()
        out = {"p1": p1.id, "p4": p4.id, "bank": bank.id, "other": other.id,
               **{n: v.code for n, v in villages.items()}, **{k: u.id for k, u in users.items()}}
        db.session.remove()
    return out


def coverage_rows():
    return {r.village_code: r for r in db.session.execute(select(vc)).all()}


def test_villages_get_hand_worked_nearest_and_status(ctx, township):
    rows = coverage_rows()
    assert rows["150502001001"].points_inside == 1
    assert rows["150502001001"].nearest_point_id == township["p1"]
    assert rows["150502001001"].nearest_m == 0
    # V2: P1 to the west edge of V2, along the parallel: 0.019 degrees of longitude.
    assert rows["150502001002"].nearest_m == pytest.approx(0.019 * DEG_LON, rel=0.01)
    assert rows["150502001003"].nearest_m == pytest.approx(0.089 * DEG_LON, rel=0.01)
    # The suspended point inside V4 does not count: nearest is P1, 0.139 degrees away.
    assert rows["150502001004"].points_inside == 0
    assert rows["150502001004"].nearest_point_id == township["p1"]
    assert rows["150502001004"].nearest_m == pytest.approx(0.139 * DEG_LON, rel=0.01)


def test_region_figures_by_hand(client, login, township):
    headers = login("admin")
    body = client.get("/api/v1/coverage?region=150502001", headers=headers).get_json()
    assert body["name"] == "大林镇" and body["distance_m"] == 3000
    assert body["villages"] == 4
    assert body["covered_villages"] == 2
    assert body["coverage_rate"] == 0.5
    assert body["points"] == 1                      # the suspended point is not counted
    assert body["points_per_village"] == 0.25
    assert body["population"] == 4000 and body["covered_population"] == 1800
    assert body["by_status"] == {"in_village": 1, "within_distance": 1, "visits_only": 0,
                                 "uncovered": 2}
    assert [c["code"] for c in body["children"]] == [
        "150502001001", "150502001002", "150502001003", "150502001004"]
    # The map's extent of the region: its villages' squares, V1's west edge to V4's east.
    assert body["bbox"] == pytest.approx([122.29, 43.59, 122.46, 43.61], abs=1e-4)
    # A wider distance (8 km) also covers V3 (7.2 km), not V4 (11.2 km).
    wider = client.get("/api/v1/coverage?region=150502001&distance_m=8000", headers=headers).get_json()
    assert wider["covered_villages"] == 3

    city = client.get("/api/v1/coverage?region=1505", headers=headers).get_json()
    assert city["villages"] == 5 and city["covered_villages"] == 2 and city["coverage_rate"] == 0.4
    counties = {c["code"]: c for c in city["children"]}
    assert counties["150502"]["name"] == "科尔沁区" and counties["150502"]["level"] == "county"
    assert counties["150502"]["coverage_rate"] == 0.5
    assert counties["150521"]["covered_villages"] == 0 and counties["150521"]["points"] == 0
    assert city["banks"] == [{"bank_id": township["bank"], "name": "通辽农村商业银行", "points": 1,
                              "villages_with_points": 1, "dormant_points": 1}]


def test_incremental_update_after_close_move_and_reopen(client, login, township, app):
    headers = login("admin")
    with app.app_context():
        before = coverage_rows()
    point = f"/api/v1/service-points/{township['p1']}"
    resp = client.post(f"{point}/close", json={"reason": "店主外出务工"}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        rows = coverage_rows()
    # The nearest active point is now the one in Shenyang, over 200 km away.
    for code in ("150502001001", "150502001002", "150502001003", "150502001004"):
        assert rows[code].points_inside == 0 and rows[code].nearest_m > 200_000
    # A village far away, served by its own point, was not recomputed.
    assert rows["210102001001"].updated_at == before["210102001001"].updated_at
    body = client.get("/api/v1/coverage?region=150502001", headers=headers).get_json()
    assert body["covered_villages"] == 0 and body["points"] == 0

    # Reopen and move it into 红旗村 (V3): V3 in village; V2's east edge (122.34) is now
    # 0.061 deg (4.9 km) away and V4's west edge (122.44) 0.039 deg (3.1 km): both uncovered.
    client.post(f"{point}/reopen", json={"reason": "恢复营业"}, headers=headers)
    resp = client.patch(point, json={"lon": 122.401, "lat": 43.601, "village_code": "150502001003"},
                        headers=headers)
    assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        rows = coverage_rows()
    assert rows["150502001003"].points_inside == 1
    assert rows["150502001001"].points_inside == 0
    assert rows["150502001001"].nearest_m == pytest.approx(0.091 * DEG_LON, rel=0.01)
    assert rows["150502001002"].nearest_m == pytest.approx(0.061 * DEG_LON, rel=0.01)
    body = client.get("/api/v1/coverage/villages?region=150502001", headers=headers).get_json()
    assert {v["code"]: v["status"] for v in body["items"]} == {
        "150502001001": "uncovered", "150502001002": "uncovered",
        "150502001003": "in_village", "150502001004": "uncovered"}


def test_a_new_point_far_away_reaches_the_uncovered_tail(ctx, township):
    """团结村 is 89 km from any point (beyond the indexed search radius): a point opened
    next to it must still become its nearest."""
    bank = db.session.get(Organisation, township["bank"])
    village = db.session.get(f.Region, "150521001002".replace("002", "001"))
    f.make_point(bank, village, "团结村服务点", 123.42, 43.60)  # 0.01 deg east of its edge
    db.session.commit()
    row = coverage_rows()["150521001001"]
    assert row.nearest_m == pytest.approx(0.01 * DEG_LON, rel=0.01)
    assert row.points_inside == 0


def test_village_list_shows_points_nearest_and_grid_worker(client, login, township):
    body = client.get("/api/v1/coverage/villages?region=150502001&status=within_distance",
                      headers=login("admin")).get_json()
    assert body["total"] == 1
    (village,) = body["items"]
    assert village["code"] == "150502001002" and village["nearest_point_id"] == township["p1"]
    assert village["nearest_point_name"] == "前进村服务点"
    assert village["grid_worker"] == {"id": township["grid"], "name": "grid_1"}
    first = client.get("/api/v1/coverage/villages?region=150502001001",
                       headers=login("admin")).get_json()["items"][0]
    assert first["points"] == [{"id": township["p1"], "name": "前进村服务点"}]


def test_scope(client, login, township):
    # The other bank's supervisor sees the villages (a national bank) but not P1's name.
    body = client.get("/api/v1/coverage/villages?region=150502001002",
                      headers=login("sup_other")).get_json()
    assert body["items"][0]["status"] == "within_distance"
    assert body["items"][0]["nearest_point_id"] is None
    assert body["items"][0]["nearest_m"] > 0
    # Her figures count her own bank's active points only (none: hers is suspended).
    figures = client.get("/api/v1/coverage?region=1505", headers=login("sup_other")).get_json()
    assert figures["points"] == 0 and figures["covered_villages"] == 2 and figures["banks"] == []
    # A grid worker sees her village only.
    grid = client.get("/api/v1/coverage/villages", headers=login("grid_1")).get_json()
    assert [v["code"] for v in grid["items"]] == ["150502001002"]
    # Keepers have no coverage map; grid workers no siting.
    assert client.get("/api/v1/coverage", headers=login("keeper")).status_code == 403
    assert client.get("/api/v1/coverage/suggestions?region=1505",
                      headers=login("grid_1")).status_code == 403
    assert client.get("/api/v1/coverage").status_code == 401


def test_suggestions_greedy_by_hand(client, login, township):
    """At 5 km, uncovered: V3 (1500 people, 7.2 km from P1), V4 (700), V5 (900). A point
    at V3's centre (122.40) reaches V4's west edge (122.44, 3.2 km): 2200 people (V4's
    centre reaches V3 as well; the tie goes to the lower code). V5 alone is the second
    pick (900). A third pick has nobody left to cover."""
    headers = login("regulator")
    body = client.get("/api/v1/coverage/suggestions?region=1505&k=3&distance_m=5000",
                      headers=headers).get_json()
    picks = body["items"]
    assert [p["village_code"] for p in picks] == ["150502001003", "150521001001"]
    assert picks[0]["newly_covered_population"] == 2200
    assert [v["code"] for v in picks[0]["newly_covered_villages"]] == ["150502001003", "150502001004"]
    assert "东风村" in picks[0]["reason"] and "2200" in picks[0]["reason"]
    assert picks[1]["newly_covered_population"] == 900
    # At 3 km each uncovered village stands alone: the largest first.
    body = client.get("/api/v1/coverage/suggestions?region=1505&k=2", headers=headers).get_json()
    assert [p["newly_covered_population"] for p in body["items"]] == [1500, 900]


def test_dormant_points(client, login, township, app):
    headers = login("admin")
    body = client.get("/api/v1/coverage/dormant-points", headers=headers).get_json()
    assert [p["id"] for p in body["items"]] == [township["p1"]]
    with app.app_context():
        db.session.add(LedgerDaily(point_id=township["p1"], day=today() - timedelta(days=10),
                                   kind="withdrawal", county_code="150502", count=3, amount_fen=30000))
        db.session.commit()
    assert client.get("/api/v1/coverage/dormant-points", headers=headers).get_json()["total"] == 0
    assert client.get("/api/v1/coverage/dormant-points?dormant_days=5",
                      headers=headers).get_json()["total"] == 1
    figures = client.get("/api/v1/coverage?region=1505", headers=headers).get_json()
    assert figures["dormant_points"] == 0


@pytest.mark.parametrize("query, field", [
    ("region=15050", "region"),          # not a level's length
    ("region=159999", "region"),         # no such region
    ("region=abc", "region"),
    ("distance_m=0", "distance_m"),
    ("distance_m=99999999", "distance_m"),
])
def test_bad_figure_arguments(client, login, township, query, field):
    resp = client.get(f"/api/v1/coverage?{query}", headers=login("admin"))
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]


@pytest.mark.parametrize("query", ["k=51", "k=0", "k=x"])
def test_bad_k(client, login, township, query):
    resp = client.get(f"/api/v1/coverage/suggestions?region=1505&{query}", headers=login("admin"))
    assert resp.status_code == 422
    assert "k" in resp.get_json()["error"]["fields"]


def test_full_refresh_agrees_with_incremental(ctx, township):
    before = {c: (r.points_inside, r.nearest_point_id, round(r.nearest_m or -1, 3))
              for c, r in coverage_rows().items()}
    assert db.session.execute(text("select coverage_refresh(NULL)")).scalar() == 0  # nothing changed
    db.session.execute(text("delete from village_coverage"))
    db.session.execute(text("select coverage_refresh(NULL)"))
    after = {c: (r.points_inside, r.nearest_point_id, round(r.nearest_m or -1, 3))
             for c, r in coverage_rows().items()}
    assert after == before
    db.session.rollback()


def test_refresh_on_every_core_agrees_with_incremental(ctx, township, runner):
    from app.coverage.refresh import refresh_all

    def state():
        return {c: (r.points_inside, r.nearest_point_id, round(r.nearest_m or -1, 3))
                for c, r in coverage_rows().items()}

    before = state()
    db.session.execute(text("delete from village_coverage"))
    db.session.commit()
    villages, changed, _ = refresh_all(db.engine, jobs=2)
    assert villages == changed == len(before)
    assert state() == before
    result = runner.invoke(args=["coverage", "refresh", "--jobs", "2"])
    assert result.exit_code == 0 and "0 rows changed" in result.output
    assert state() == before


def test_a_bulk_load_recomputes_every_village(ctx, township):
    """More than 2,000 points in one statement (an import, the demo loader's COPY) take
    the set-based path: every village recomputed once, with the same result."""
    db.session.execute(text("""
        insert into service_points (bank_id, bank_path, name, shop_name, keeper_name,
                                    village_code, county_code, location, services, status, signage)
        select b.id, b.path, '红旗村服务点' || g, '商店', '李', '150502001003', '150502',
               ST_SetSRID(ST_MakePoint(122.40 + g * 1e-6, 43.60), 4326), '{}', 'active', false
          from generate_series(1, 2001) g, organisations b where b.id = :bank
    """), {"bank": township["bank"]})
    db.session.commit()
    rows = coverage_rows()
    assert rows["150502001003"].points_inside == 2001 and rows["150502001003"].nearest_m == 0
    # 东风村's west edge (122.44) is now 0.038 degrees from the nearest of them.
    assert rows["150502001004"].nearest_m == pytest.approx((122.44 - 122.402001) * DEG_LON, rel=0.01)
    assert rows["210102001001"].points_inside == 1


def test_concurrent_closures_leave_no_closed_point_as_nearest(app, township, database_url):
    """Two transactions each close one of 前进村's two points. Without serialising the
    upkeep, each would see the other's point still open and keep it as the nearest."""
    import threading

    import psycopg
    from sqlalchemy.engine import make_url

    with app.app_context():
        bank = db.session.get(Organisation, township["bank"])
        village = db.session.get(f.Region, township["前进村"])
        second = f.make_point(bank, village, "前进村二号服务点", 122.299, 43.599).id
        db.session.commit()
        db.session.remove()
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    close = "update service_points set status = 'closed' where id = %s"
    with psycopg.connect(dsn) as first:
        first.execute(close, (township["p1"],))

        def other():
            with psycopg.connect(dsn) as conn:
                conn.execute(close, (second,))  # waits for the first to commit
                conn.commit()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=1)  # let it reach the lock; it cannot pass it yet
        first.commit()
    thread.join(timeout=60)
    with app.app_context():
        row = coverage_rows()[township["前进村"]]
        assert row.points_inside == 0
        assert row.nearest_point_id not in (township["p1"], second)


def _visit(village, days_ago, user_id, channel="grid"):
    db.session.execute(text(
        "insert into field_visits (id, user_id, channel, village_code, county_code, started_at,"
        " ended_at, village_source, body_hash) values (gen_random_uuid(), :u, :c, :v, :county,"
        " now() - make_interval(days => :d), now() - make_interval(days => :d) + interval '2 hours',"
        " 'picked', repeat('0', 64))"),
        {"u": user_id, "c": channel, "v": village, "county": village[:6], "d": days_ago})


def test_villages_served_only_by_recent_visits(client, login, township, app):
    """红旗村 (uncovered) visited 5 days ago is served by visits; 东风村 visited 40 days ago
    is so only when the window is 60 days; the coverage rate still counts points only."""
    with app.app_context():
        _visit(township["红旗村"], 5, township["grid"])
        _visit(township["东风村"], 40, township["grid"], channel="mobile")
        db.session.commit()
        db.session.remove()
    headers = login("admin")
    statuses = lambda query="": {  # noqa: E731
        v["code"]: (v["status"], v["last_visit_at"] is not None)
        for v in client.get(f"/api/v1/coverage/villages?region=150502001{query}",
                            headers=headers).get_json()["items"]}
    assert statuses() == {
        township["前进村"]: ("in_village", False), township["胜利村"]: ("within_distance", False),
        township["红旗村"]: ("visits_only", True), township["东风村"]: ("uncovered", True)}
    assert statuses("&visit_days=60")[township["东风村"]] == ("visits_only", True)
    figures = client.get("/api/v1/coverage?region=150502001", headers=headers).get_json()
    assert figures["by_status"] == {"in_village": 1, "within_distance": 1, "visits_only": 1,
                                    "uncovered": 1}
    assert figures["covered_villages"] == 2


def test_a_visit_changes_the_villages_tile_etag(client, login, township, app):
    headers = login("admin")
    url = "/tiles/villages/10/860/375.mvt"
    before = client.get(url, headers=headers).headers["ETag"]
    with app.app_context():
        _visit(township["红旗村"], 1, township["grid"])
        db.session.commit()
        db.session.remove()
    assert client.get(url, headers=headers).headers["ETag"] != before
