"""GET /api/v1/stats and its exports (stats.csv, stats.xlsx): the figures from the
rollups agree with a direct sum over the ledger, by channel, for any filter; scope comes
from the token; bad input is a 4xx; every export is audited."""
import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from app.extensions import db
from app.models import AuditEvent, Region
from tests import factories
from tests.field_support import business, visit
from tests.sync_support import push, record

STATS = "/api/v1/stats"
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
YEAR_AGO = TODAY.replace(year=TODAY.year - 1) if (TODAY.month, TODAY.day) != (2, 29) else TODAY - timedelta(days=366)
SPAN = f"from={TODAY - timedelta(days=30)}&to={TODAY}"

# Live records (no void refers to them) by business day, village, kind, channel and bank.
DIRECT_SUM = """
    select count(*) as n, coalesce(sum(e.amount_fen), 0) as amount
    from ledger_entries e
    left join service_points p on p.id = e.point_id
    left join field_visits v on v.id = e.visit_id
    where e.void_of is null
      and not exists (select 1 from ledger_entries x where x.void_of = e.id)
      and (e.occurred_at at time zone 'Asia/Shanghai')::date between :start and :end
      and coalesce(e.village_code, p.village_code) like :prefix || '%'
      and coalesce(p.bank_path, v.bank_path, '') like :bank || '%'
"""


@pytest.fixture
def business_done(client, world, login, rules):
    """Point business at a1 (bank A, 科尔沁区) and b1 (bank B, 科左中旗), one voided; a
    grid visit of grid_a (bank A) with two records; a mobile record of field_b (bank B);
    one point record a year ago."""
    a = push(client, login("keeper_a"), [
        record(world.points["a1"], amount_fen=100000),
        record(world.points["a1"], kind="transfer", amount_fen=35000),
        record(world.points["a1"], amount_fen=20000,
               occurred_at=f"{YEAR_AGO}T10:00:00+08:00"),
    ])
    b = push(client, login("keeper_b"), [record(world.points["b1"], amount_fen=40000)])
    push(client, login("keeper_b"), [record(world.points["b1"], kind="void", amount_fen=40000,
                                            void_of=b[0]["id"])])
    push(client, login("keeper_b"), [record(world.points["b1"], amount_fen=60000)])
    g = visit()
    assert {r["status"] for r in push(client, login("grid_a"), [
        g, business(g), business(g, kind="bill_payment", amount_fen=12000)])} == {"accepted"}
    m = visit(village="150521001001")
    assert {r["status"] for r in push(client, login("field_b"), [
        m, business(m, channel="mobile", kind="card_repayment", amount_fen=300000)])} == {"accepted"}
    return a


def _stats(client, headers, query):
    resp = client.get(f"{STATS}?{query}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _direct(app, start, end, prefix="", bank=""):
    with app.app_context():
        row = db.session.execute(text(DIRECT_SUM), {"start": start, "end": end,
                                                    "prefix": prefix, "bank": bank}).one()
        db.session.remove()
    return row.n, row.amount


def test_channels_kinds_and_the_year_before(client, world, login, business_done):
    body = _stats(client, login("admin"), SPAN)
    channels = {r["channel"]: (r["count"], r["amount_fen"]) for r in body["by_channel"]}
    assert channels == {"point": (3, 195000), "grid": (2, 62000), "mobile": (1, 300000)}
    kinds = {(r["kind"], r["channel"]): r["count"] for r in body["by_kind"]}
    assert kinds[("card_repayment", "mobile")] == 1 and kinds[("bill_payment", "grid")] == 1
    assert body["totals"] == {"count": 6, "amount_fen": 557000}
    assert body["previous_year"]["totals"] == {"count": 1, "amount_fen": 20000}
    assert body["region_name"] == "全国 National"
    assert body["coverage"]["points"] >= 3 and 0 <= body["coverage"]["coverage_rate"] <= 1


def test_grouping_by_region_bank_period_and_kind(client, world, login, business_done):
    headers = login("regulator")
    by_county = _stats(client, headers, SPAN + "&group_by=region_level")
    assert by_county["region"] == "1505"  # her jurisdiction by default
    counties = {}
    for row in by_county["groups"]:
        counties[(row["key"], row["name"])] = counties.get((row["key"], row["name"]), 0) + row["count"]
    assert counties == {("150502", "科尔沁区"): 4, ("150521", "科尔沁左翼中旗"): 2}
    by_bank = _stats(client, headers, SPAN + "&group_by=bank")
    assert len({r["key"] for r in by_bank["groups"]}) == 2
    by_month = _stats(client, headers, f"from={YEAR_AGO}&to={TODAY}&group_by=period&period=year")
    assert {r["key"] for r in by_month["groups"]} <= {str(YEAR_AGO.year), str(TODAY.year)}
    assert sum(r["count"] for r in by_month["groups"]) == 7
    by_kind = _stats(client, headers, SPAN + "&group_by=kind")
    assert {r["name"] for r in by_kind["groups"]} >= {"取款", "信用卡还款"}


def test_scope_comes_from_the_token(client, world, login, business_done, app):
    bank_a = _stats(client, login("sup_a"), SPAN)
    assert bank_a["totals"] == {"count": 4, "amount_fen": 197000}  # a1 + grid_a's visit
    assert {r["channel"] for r in bank_a["by_channel"]} == {"point", "grid"}
    with app.app_context():
        county = db.session.get(Region, "150502000000")
        org = factories.make_org("中国人民银行科尔沁区支行", "regulator", region=county)
        factories.make_user("county_reg", "regulator", org=org)
        db.session.commit()
        db.session.remove()
    county_reg = login("county_reg")
    assert _stats(client, county_reg, SPAN)["totals"]["count"] == 4
    for region in ("150521", "1505", "15"):
        resp = client.get(f"{STATS}?{SPAN}&region={region}", headers=county_reg)
        assert resp.status_code == 403, region
        assert resp.get_json()["error"]["code"] == "region_out_of_scope"
    for role in ("keeper_a", "grid_a", "field_a"):
        assert client.get(f"{STATS}?{SPAN}", headers=login(role)).status_code == 403


def test_bad_input_is_a_4xx_with_the_field(client, world, login):
    headers = login("admin")
    for query, field in (
        (f"from={TODAY}&to={TODAY - timedelta(days=1)}", "from"),
        (SPAN + "&group_by=colour", "group_by"),
        (SPAN + "&period=fortnight", "period"),
        (SPAN + "&region=15x", "region"),
        (SPAN + "&region=999999", "region"),
        (SPAN + "&region=150502001001&group_by=region_level", "group_by"),
        (f"to={TODAY}", "from"),
    ):
        resp = client.get(f"{STATS}?{query}", headers=headers)
        assert resp.status_code == 422, query
        assert field in resp.get_json()["error"]["fields"], query


def _csv_totals(raw):
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][:4] == ["业务类型", "渠道", "笔数", "金额（元）"]
    total = next(r for r in rows if r and r[0] == "合计")
    return int(total[2]), round(float(total[3]) * 100)


def _xlsx_totals(raw):
    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
    assert book.sheetnames[:2] == ["查询说明", "汇总"]
    about = {row[0]: row[1] for row in book["查询说明"].iter_rows(values_only=True)}
    assert "业务日期" in about and "导出人" in about
    total = next(r for r in book["汇总"].iter_rows(values_only=True) if r[0] == "合计")
    return int(total[2]), round(total[3] * 100)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    region=st.sampled_from(["", "1505", "150502", "150521", "150502001", "150502001001"]),
    who=st.sampled_from([("admin", ""), ("regulator", None), ("sup_a", "a"), ("sup_b", "b")]),
    days=st.integers(min_value=0, max_value=400),
    group_by=st.sampled_from(["kind", "bank", "period"]),
)
def test_api_csv_xlsx_and_a_direct_sum_agree(client, world, login, business_done, app,
                                             region, who, days, group_by):
    role, bank = who
    start, end = TODAY - timedelta(days=days), TODAY
    query = f"from={start}&to={end}&group_by={group_by}" + (f"&region={region}" if region else "")
    headers = login(role)
    body = _stats(client, headers, query)
    with app.app_context():
        paths = {"a": world.orgs["bank_a"], "b": world.orgs["bank_b"]}
        bank_path = "" if bank in ("", None) else db.session.execute(
            text("select path from organisations where id = :i"), {"i": paths[bank]}).scalar()
        db.session.remove()
    prefix = region or ("1505" if role == "regulator" else "")
    expected = _direct(app, start, end, prefix, bank_path)
    assert (body["totals"]["count"], body["totals"]["amount_fen"]) == expected
    assert sum(r["count"] for r in body["groups"]) == expected[0]
    csv_resp = client.get(f"/api/v1/exports/stats.csv?{query}", headers=headers)
    assert _csv_totals(csv_resp.get_data()) == expected
    xlsx_resp = client.get(f"/api/v1/exports/stats.xlsx?{query}", headers=headers)
    assert xlsx_resp.headers["Content-Disposition"].endswith('.xlsx"')
    assert _xlsx_totals(xlsx_resp.get_data()) == expected


def test_stats_exports_are_audited(client, world, login, business_done, app):
    for suffix in ("csv", "xlsx"):
        assert client.get(f"/api/v1/exports/stats.{suffix}?{SPAN}",
                          headers=login("regulator")).status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                    .order_by(AuditEvent.id)).all()
        assert [e.entity for e in events] == ["stats_csv", "stats_xlsx"]
        assert all(e.after["completed"] and e.after["rows"] > 0 and e.scope for e in events)
        db.session.remove()


def test_ranges_of_whole_and_partial_months_read_the_right_rollups(client, world, login,
                                                                   business_done, app):
    """Whole months come from the monthly rollup, the days around them from the daily
    one: every way a range can fall on month boundaries sums like the ledger."""
    headers = login("admin")
    first_of_month = TODAY.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    ranges = [
        (YEAR_AGO.replace(day=1), last_month_end),               # whole months only
        (YEAR_AGO, last_month_end),                              # partial head
        (YEAR_AGO.replace(day=1), TODAY),                        # partial tail
        (YEAR_AGO, TODAY),                                       # both
        (first_of_month, TODAY),                                 # inside one month
        (YEAR_AGO, YEAR_AGO),                                    # one day
    ]
    for start, end in ranges:
        body = _stats(client, headers, f"from={start}&to={end}&group_by=period&period=month")
        expected = _direct(app, start, end)
        assert (body["totals"]["count"], body["totals"]["amount_fen"]) == expected, (start, end)
        assert sum(g["count"] for g in body["groups"]) == expected[0], (start, end)
        daily = _stats(client, headers, f"from={start}&to={end}&group_by=period&period=day")
        assert sum(g["count"] for g in daily["groups"]) == expected[0], (start, end)


def test_two_groupings_region_by_month(client, world, login, business_done):
    body = _stats(client, login("regulator"), f"from={YEAR_AGO}&to={TODAY}"
                                              "&group_by=region_level,period&period=month")
    assert body["group_by"] == ["region_level", "period"]
    cells = {}
    for g in body["groups"]:
        cells[(g["name"], g["key2"])] = cells.get((g["name"], g["key2"]), 0) + g["count"]
    assert cells[("科尔沁区", f"{YEAR_AGO:%Y-%m}")] == 1
    assert cells[("科尔沁区", f"{TODAY:%Y-%m}")] == 4
    assert cells[("科尔沁左翼中旗", f"{TODAY:%Y-%m}")] == 2
    for query in ("&group_by=kind,kind", "&group_by=kind,bank,period"):
        resp = client.get(f"{STATS}?{SPAN}{query}", headers=login("regulator"))
        assert resp.status_code == 422 and "group_by" in resp.get_json()["error"]["fields"]
