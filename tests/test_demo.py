"""`flask demo load --scale tongliao`: Tongliao at its real size, loaded once per module.

Tables are emptied after every test, so the module fixture loads the data once and
collects every fact the tests check (counts, geometry checks, sign-ins) before the
first test runs; the tests then assert on those facts.
"""
import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from app.core.clock import today
from app.demo import places
from app.demo.build import DEMO_USERNAMES
from app.extensions import db

# One worker loads Tongliao once for the whole module (the fixture is module-wide).
pytestmark = pytest.mark.xdist_group("demo")

COUNTY_NAMES = {
    "150502": "科尔沁区", "150521": "科尔沁左翼中旗", "150522": "科尔沁左翼后旗", "150523": "开鲁县",
    "150524": "库伦旗", "150525": "奈曼旗", "150526": "扎鲁特旗", "150581": "霍林郭勒市",
}


def _scalar(sql):
    return db.session.execute(text(sql)).scalar()


def _fingerprint():
    rows = db.session.execute(text(
        "select code, name, keeper_name, st_astext(location) from service_points order by id"
    )).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


FIELD_LISTS = {
    "demo-grid": ("requests", "inspections", "due", "findings"),
    "demo-keeper": ("requests", "inspections", "due", "findings"),
    "demo-field": ("teams", "requests", "inspections", "due", "findings"),
    "demo-supervisor": ("teams", "requests", "inspections", "due", "findings", "trainings",
                        "untrained"),
    "demo-regulator": ("teams", "requests", "inspections", "due", "findings", "trainings",
                       "untrained"),
}
FIELD_URLS = {
    "teams": "/api/v1/teams?limit=500", "requests": "/api/v1/requests?limit=500",
    "inspections": "/api/v1/inspections?limit=500", "due": "/api/v1/inspections/due?limit=500",
    "findings": "/api/v1/findings?limit=500", "trainings": "/api/v1/trainings?limit=500",
    "untrained": "/api/v1/trainings/untrained?limit=500",
}


def _field_work_as_demo_users(client, password):
    """What each demo account's field-work lists answer through the API."""
    seen = {}
    for username, lists in FIELD_LISTS.items():
        token = client.post("/api/v1/auth/login", json={
            "username": username, "password": password}).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}

        def get(url):
            resp = client.get(url, headers=headers)
            assert resp.status_code == 200, (username, url, resp.get_json())
            return resp.get_json()

        mine = seen[username] = {name: get(FIELD_URLS[name]) for name in lists}
        for status in ("open", "assigned", "resolved", "closed"):
            mine[f"requests {status}"] = get(f"/api/v1/requests?status={status}")["total"]
        overdue = get("/api/v1/requests?overdue=true&limit=500")
        mine["requests overdue"] = overdue["total"]
        mine["oldest overdue deadline"] = min(
            (date.fromisoformat(r["deadline"]) for r in overdue["items"]), default=None)
        for status in ("open", "fixed", "verified"):
            mine[f"findings {status}"] = get(f"/api/v1/findings?status={status}")["total"]
        late = get("/api/v1/findings?overdue=true&limit=500")
        mine["findings overdue"] = late["total"]
        mine["oldest finding deadline"] = min(
            (date.fromisoformat(f["deadline"]) for f in late["items"]), default=None)
        mine["due overdue"] = get("/api/v1/inspections/due?overdue=true")["total"]
        if "teams" in lists:
            mine["plans"] = {team["name"]: get(f"/api/v1/teams/{team['id']}/plans?limit=1")
                             for team in mine["teams"]["items"]}
    return seen


def _demo_scopes():
    """Each demo account's own place in the registry, to check the lists against."""
    users = {r.username: r for r in db.session.execute(text(
        "select u.username, u.id, u.point_id, u.org_id, o.path from users u "
        "left join organisations o on o.id = u.org_id where u.username like 'demo-%'"))}
    path = users["demo-supervisor"].path
    return {
        "users": {name: row.id for name, row in users.items()},
        "org_ids": {name: row.org_id for name, row in users.items()},
        "keeper_point": users["demo-keeper"].point_id,
        "keeper_village": _scalar(
            "select p.village_code from service_points p join users u on u.point_id = p.id "
            "where u.username = 'demo-keeper'"),
        "grid_villages": set(db.session.execute(text(
            "select a.village_code from grid_assignments a join users u on u.id = a.user_id "
            "where u.username = 'demo-grid' and a.ends_on is null")).scalars()),
        "supervisor_points": set(db.session.execute(text(
            "select id from service_points where bank_path like :p"), {"p": path + "%"}).scalars()),
        "field_points": set(db.session.execute(text(
            "select id from service_points where bank_path like :p"),
            {"p": users["demo-field"].path + "%"}).scalars()),
        "supervisor_orgs": set(db.session.execute(text(
            "select id from organisations where path like :p"), {"p": path + "%"}).scalars()),
        "tongliao_points": set(db.session.execute(text(
            "select id from service_points where village_code like '1505%'")).scalars()),
    }


@pytest.fixture(scope="module")
def tongliao(app):
    runner = app.test_cli_runner()
    client = app.test_client()
    facts = {}
    with app.app_context():
        first = runner.invoke(args=["demo", "load", "--scale", "tongliao"])
        facts["load_output"] = first.output
        facts["load_exit"] = first.exit_code
        facts["villages"] = _scalar("select count(*) from regions where level = 'village'")
        facts["points"] = _scalar("select count(*) from service_points")
        facts["grid_workers"] = _scalar("select count(*) from users where role = 'grid_worker'")
        facts["counties"] = dict(db.session.execute(text(
            "select prefix, name from regions where level = 'county'")).all())
        facts["seats"] = {
            code: (lon, lat) for code, lon, lat in db.session.execute(text(
                "select prefix, st_x(centroid), st_y(centroid) from regions where level = 'county'"))
        }
        facts["villages_not_one_assignment"] = _scalar(
            "select count(*) from regions v where v.level = 'village' and (select count(*) "
            "from grid_assignments a where a.village_code = v.code and a.ends_on is null) <> 1")
        facts["points_outside_village"] = _scalar(
            "select count(*) from service_points p join regions v on v.code = p.village_code "
            "where not st_contains(v.geom, p.location)")
        facts["villages_without_polygon"] = _scalar(
            "select count(*) from regions where level = 'village' "
            "and (geom is null or centroid is null or not st_isvalid(geom) or population is null)")
        # Shared borders of generated cells may differ in the last floating-point digit;
        # anything above a square metre (~1e-10 square degrees) would be a real overlap.
        facts["village_overlap_area"] = _scalar(
            "select coalesce(sum(st_area(st_intersection(a.geom, b.geom))), 0) from regions a "
            "join regions b on a.level = 'village' and b.level = 'village' and a.code < b.code "
            "and a.geom && b.geom and st_intersects(a.geom, b.geom)")
        facts["bad_village_codes"] = _scalar(
            "select count(*) from regions v left join regions t on t.code = v.parent_code "
            "where v.level = 'village' and (v.code !~ '^[0-9]{12}$' or t.level <> 'township' "
            "or left(v.code, 9) <> t.prefix)")
        facts["bank_path_mismatch"] = _scalar(
            "select count(*) from service_points p join organisations o on o.id = p.bank_id "
            "where p.bank_path <> o.path or o.kind = 'regulator'")
        facts["points_without_terminal"] = _scalar(
            "select count(*) from service_points p where not exists "
            "(select 1 from terminals t where t.point_id = p.id)")
        facts["statuses"] = dict(db.session.execute(text(
            "select status, count(*) from service_points group by status")).all())
        facts["rural_banks"] = _scalar(
            "select count(*) from organisations where kind = 'bank_head_office' "
            "and name like '%农村商业银行'")
        facts["regulator"] = db.session.execute(text(
            "select name, region_code from organisations where kind = 'regulator'")).all()
        facts["passwordless_grid_workers"] = _scalar(
            "select count(*) from users where role = 'grid_worker' and password_hash is null")
        facts["demo_grid_villages"] = _scalar(
            "select count(*) from grid_assignments a join users u on u.id = a.user_id "
            "where u.username = 'demo-grid' and a.ends_on is null")
        facts["demo_users"] = {
            row.username: row for row in db.session.execute(text(
                "select u.username, u.role, u.point_id, o.kind as org_kind, o.region_code "
                "from users u left join organisations o on o.id = u.org_id "
                "where u.username like 'demo-%'"))
        }
        facts["fingerprint"] = _fingerprint()
        facts["keeper_records"] = db.session.execute(text(
            "select count(*), min(e.occurred_at) > now() - interval '8 days' from ledger_entries e "
            "join users u on u.point_id = e.point_id where u.username = 'demo-keeper'")).one()
        facts["rollup_minus_ledger"] = _scalar(
            "select (select sum(count) from ledger_village_daily) - (select count(*) from ledger_entries)"
            " + (select sum(amount_fen) from ledger_village_monthly)"
            " - (select sum(amount_fen) from ledger_entries)")
        facts["alert_regions"] = [r for (r,) in db.session.execute(text(
            "select region_prefix from risk_alerts where expires_at > now()"))]
        db.session.remove()

        password = app.config["DEMO_PASSWORD"]
        facts["logins"] = {}
        for username in DEMO_USERNAMES:
            resp = client.post("/api/v1/auth/login",
                               json={"username": username, "password": password})
            facts["logins"][username] = (resp.status_code, (resp.get_json() or {}).get("user"))

        token = client.post("/api/v1/auth/login", json={
            "username": "demo-regulator", "password": password}).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        facts["stats_points_period"] = client.get(
            "/api/v1/stats?from=2024-01-01&to=2025-08-31", headers=headers).get_json()
        facts["stats_2024"] = client.get(
            "/api/v1/stats?from=2024-01-01&to=2024-12-31", headers=headers).get_json()

        facts["coverage"] = client.get("/api/v1/coverage?region=1505", headers=headers).get_json()
        facts["flags"] = {}
        for username in ("demo-supervisor", "demo-regulator"):
            token = client.post("/api/v1/auth/login", json={
                "username": username, "password": password}).get_json()["token"]
            facts["flags"][username] = client.get(
                "/api/v1/flags?reviewed=false", headers={"Authorization": f"Bearer {token}"}).get_json()

        facts["field"] = _field_work_as_demo_users(client, password)
        with app.app_context():
            facts["scopes"] = _demo_scopes()
            db.session.remove()

        facts["if_empty"] = runner.invoke(args=["demo", "load", "--if-empty"])
        facts["again"] = runner.invoke(args=["demo", "load"])
        reset = runner.invoke(args=["demo", "load", "--reset"])
        facts["reset_exit"] = reset.exit_code
        facts["fingerprint_after_reset"] = _fingerprint()
        db.session.remove()
    return facts


def test_load_reports_what_it_did_and_how_long(tongliao):
    assert tongliao["load_exit"] == 0, tongliao["load_output"]
    assert "2,093 villages" in tongliao["load_output"]
    assert "1,539 service points" in tongliao["load_output"]
    assert "COPY service_points" in tongliao["load_output"]
    assert "done in" in tongliao["load_output"]


def test_tongliao_has_the_seed_reports_counts(tongliao):
    assert tongliao["villages"] == 2093
    assert tongliao["points"] == 1539
    assert tongliao["grid_workers"] == 1950


def test_real_county_codes_names_and_seats(tongliao):
    assert tongliao["counties"] == COUNTY_NAMES
    for code, (lon, lat) in tongliao["seats"].items():
        seat = places.all_places()[code + "000000"]
        assert (lon, lat) == pytest.approx((seat.lon, seat.lat), abs=1e-9)


def test_every_village_has_exactly_one_grid_worker(tongliao):
    assert tongliao["villages_not_one_assignment"] == 0
    assert tongliao["demo_grid_villages"] == 3
    # Only demo-grid signs in; the other 1,949 grid workers cost no password hashing.
    assert tongliao["passwordless_grid_workers"] == 1949


def test_villages_have_valid_polygons_that_do_not_overlap(tongliao):
    assert tongliao["villages_without_polygon"] == 0
    assert tongliao["village_overlap_area"] < 1e-10
    assert tongliao["bad_village_codes"] == 0


def test_every_point_is_inside_its_village_and_owned_by_a_bank(tongliao):
    assert tongliao["points_outside_village"] == 0
    assert tongliao["bank_path_mismatch"] == 0
    assert tongliao["points_without_terminal"] == 0
    assert set(tongliao["statuses"]) == {"active", "suspended", "closed"}
    assert tongliao["statuses"]["active"] > 1300


def test_banks_and_regulator(tongliao):
    assert tongliao["rural_banks"] == 8  # one rural commercial bank per county
    assert tongliao["regulator"] == [("中国人民银行通辽市分行", "150500000000")]


def test_demo_accounts_have_their_scopes(tongliao):
    users = tongliao["demo_users"]
    assert set(users) == set(DEMO_USERNAMES)
    assert users["demo-keeper"].role == "keeper" and users["demo-keeper"].point_id
    assert users["demo-field"].org_kind == "bank_branch"
    assert users["demo-supervisor"].org_kind == "bank_head_office"
    assert users["demo-regulator"].region_code == "150500000000"
    assert users["demo-admin"].role == "admin"


def test_demo_accounts_sign_in_with_the_demo_password(tongliao):
    for username, (status, user) in tongliao["logins"].items():
        assert status == 200, username
        assert user["username"] == username


def test_if_empty_skips_and_a_second_load_refuses(tongliao):
    assert tongliao["if_empty"].exit_code == 0
    assert "1,539 service points" in tongliao["if_empty"].output
    assert tongliao["again"].exit_code != 0
    assert "--reset" in tongliao["again"].output


def test_reset_reloads_the_same_data(tongliao):
    assert tongliao["reset_exit"] == 0
    assert tongliao["fingerprint_after_reset"] == tongliao["fingerprint"]


def test_the_demo_ledger_reproduces_the_seed_table(tongliao):
    """What the Tongliao regulator's statistics (and so her exports) show: the seed's
    figures exactly, from the rollups."""
    channels = {c["channel"]: (c["count"], c["amount_fen"])
                for c in tongliao["stats_points_period"]["by_channel"]}
    assert channels["point"] == (1_105_300, 626_000_000_00)
    in_2024 = {c["channel"]: (c["count"], c["amount_fen"]) for c in tongliao["stats_2024"]["by_channel"]}
    assert in_2024["mobile"] == (27_200, 79_100_000_00)
    assert in_2024["grid"][0] == 87_000
    assert tongliao["rollup_minus_ledger"] == 0


def test_the_demo_keeper_has_a_short_recent_history_and_an_alert(tongliao):
    count, recent = tongliao["keeper_records"]
    assert count == 30 and recent
    assert "1505" in tongliao["alert_regions"]
    assert "(password: " + "DEMO_PASSWORD)" not in tongliao["load_output"]


def test_review_queues_and_the_coverage_map_have_something_to_show(tongliao):
    """Right after loading: the demo keeper's three flagged records wait in her
    supervisor's and the regulator's review queues, and the map has villages of every
    status, those served by visits only included; one point in seven has gone quiet."""
    for username, queue in tongliao["flags"].items():
        flags = sorted(flag for item in queue["items"] for flag in item["flags"])
        assert flags == ["far_from_point", "not_multiple_of_10", "over_daily_cap"], username
    figures = tongliao["coverage"]
    assert 0.05 < figures["dormant_points"] / figures["points"] < 0.3, figures  # not every point
    by_status = figures["by_status"]
    assert all(by_status[status] > 0 for status in
               ("in_village", "within_distance", "visits_only", "uncovered")), by_status


def test_the_load_reports_the_field_work(tongliao):
    out = tongliao["load_output"]
    assert "field work" in out
    for table in ("teams", "planned_visits", "villager_requests", "inspections",
                  "inspection_findings", "trainings"):
        assert table in out


def test_every_demo_account_has_field_work_to_show(tongliao):
    for username, lists in FIELD_LISTS.items():
        for name in lists:
            assert tongliao["field"][username][name]["total"] > 0, (username, name)


def test_requests_in_every_state_some_overdue(tongliao):
    for username in ("demo-supervisor", "demo-regulator"):
        seen = tongliao["field"][username]
        for status in ("open", "assigned", "resolved", "closed"):
            assert seen[f"requests {status}"] > 0, (username, status)
        assert seen["requests overdue"] > 0, username
        # Overdue by days or weeks, as in a bank that follows its requests up, not years.
        assert seen["oldest overdue deadline"] > today() - timedelta(days=90), username
    closed = [r for r in tongliao["field"]["demo-regulator"]["requests"]["items"]
              if r["status"] == "closed"]
    assert closed and all(r["feedback"] and r["satisfied"] is not None for r in closed)
    items = tongliao["field"]["demo-regulator"]["requests"]["items"]
    assert any(r["visit_id"] for r in items) and all(r["village_name"] for r in items)
    assert len({r["category"] for r in items}) >= 5


def test_requests_are_in_each_accounts_scope(tongliao):
    scopes, field = tongliao["scopes"], tongliao["field"]
    for r in field["demo-regulator"]["requests"]["items"]:
        assert r["village_code"].startswith("1505")
    for r in field["demo-supervisor"]["requests"]["items"]:
        assert r["village_code"].startswith("150502")
    grid = scopes["users"]["demo-grid"]
    for r in field["demo-grid"]["requests"]["items"]:
        assert r["village_code"] in scopes["grid_villages"] or grid in (
            r["created_by"], r["assignee_id"])
    keeper = scopes["users"]["demo-keeper"]
    for r in field["demo-keeper"]["requests"]["items"]:
        assert r["village_code"] == scopes["keeper_village"] or r["created_by"] == keeper
    agent = scopes["users"]["demo-field"]
    assert all(agent in (r["created_by"], r["assignee_id"])
               for r in field["demo-field"]["requests"]["items"])
    assert field["demo-field"]["requests assigned"] + field["demo-field"]["requests open"] > 0


def test_inspections_findings_and_due_points_in_scope(tongliao):
    scopes, field = tongliao["scopes"], tongliao["field"]
    points = {"demo-supervisor": scopes["supervisor_points"], "demo-field": scopes["field_points"],
              "demo-keeper": {scopes["keeper_point"]}, "demo-regulator": scopes["tongliao_points"]}
    for username, allowed in points.items():
        seen = field[username]
        assert {i["point_id"] for i in seen["inspections"]["items"]} <= allowed, username
        assert {f["point_id"] for f in seen["findings"]["items"]} <= allowed, username
        assert {d["point_id"] for d in seen["due"]["items"]} <= allowed, username
    assert field["demo-keeper"]["due"]["total"] == 1
    for village in {d["village_code"] for d in field["demo-grid"]["due"]["items"]}:
        assert village in scopes["grid_villages"]
    for username in ("demo-supervisor", "demo-regulator"):
        seen = field[username]
        for status in ("open", "fixed", "verified"):
            assert seen[f"findings {status}"] > 0, (username, status)
        assert seen["findings overdue"] > 0, username
        assert seen["oldest finding deadline"] > today() - timedelta(days=90), username
        assert 0 < seen["due overdue"] < seen["due"]["total"], username
    failed = [i for i in field["demo-regulator"]["inspections"]["items"] if i["failed_items"]]
    assert failed and all(len(i["findings"]) == len(i["failed_items"]) for i in failed)
    assert any(not i["failed_items"] for i in field["demo-regulator"]["inspections"]["items"])
    # The keeper's point failed its last inspections: findings she owns, one still to fix.
    keeper = field["demo-keeper"]["findings"]["items"]
    assert keeper and all(f["owner_id"] == scopes["users"]["demo-keeper"] for f in keeper)
    assert field["demo-keeper"]["findings open"] > 0


def test_teams_with_members_and_done_versus_planned(tongliao):
    scopes, field = tongliao["scopes"], tongliao["field"]
    assert field["demo-regulator"]["teams"]["total"] == 8
    mine = {t["name"] for t in field["demo-field"]["teams"]["items"]}
    assert mine == {"开鲁农商银行金融志愿服务队", "科尔沁农商银行流动服务队"}
    supervised = field["demo-supervisor"]["teams"]["items"]
    assert [t["name"] for t in supervised] == ["科尔沁农商银行流动服务队"]
    assert all(t["bank_id"] in scopes["supervisor_orgs"] and t["members"] > 1
               for t in supervised)
    for username in ("demo-field", "demo-supervisor", "demo-regulator"):
        for name, plans in field[username]["plans"].items():
            assert 0 < plans["done"] < plans["planned"], (username, name)
    kailu = field["demo-field"]["plans"]["开鲁农商银行金融志愿服务队"]
    assert kailu["done"] >= 680  # every day and village the volunteer team visited


def test_trainings_and_who_is_untrained(tongliao):
    scopes, field = tongliao["scopes"], tongliao["field"]
    sessions = field["demo-supervisor"]["trainings"]["items"]
    assert all(s["bank_id"] in scopes["supervisor_orgs"] for s in sessions)
    assert all(s["topic"] and s["attendees"] > 0 for s in sessions)
    assert field["demo-regulator"]["trainings"]["total"] > len(sessions)
    untrained = field["demo-supervisor"]["untrained"]["items"]
    assert {u["role"] for u in untrained} == {"grid_worker"}
    assert any(u["last_trained_on"] is None for u in untrained)
    assert any(u["last_trained_on"] is not None for u in untrained)
    assert scopes["users"]["demo-keeper"] not in {u["user_id"] for u in untrained}
