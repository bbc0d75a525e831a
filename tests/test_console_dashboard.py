"""The console's dashboard and flag queue in Debian's Chromium (issue 11, item 4): business
pushed through the real sync API by keepers and a grid worker, the figures the page shows
equal to GET /api/v1/stats, the charts drawn under the console's CSP, an XLSX export
downloaded with the bearer token, a flagged record reviewed by a supervisor and read by
the regulator.

Screenshots for the README: docs/screenshots/console-dashboard.png (1440 px) and
console-dashboard-phone.png (390 px).
"""
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from tests.browser import PHONE, SCREENSHOTS, screenshot
from tests.field_support import business, visit
from tests.sync_support import push, record
from tests.test_console_browser import DESKTOP, new_context, sign_in_console, watch_csp

pytestmark = pytest.mark.browser

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
YEAR_AGO = TODAY.replace(year=TODAY.year - 1, day=min(TODAY.day, 28 if TODAY.month == 2 else 31))


def yuan(fen):
    """As the page writes it (Intl.NumberFormat zh-CN, CNY)."""
    return f"¥{fen / 100:,.2f}"


@pytest.fixture
def business_done(client, world, login, rules):
    """Point business at a1 (bank A, 科尔沁区; one record not a multiple of 10 yuan, so
    flagged) and b1 (bank B, 科左中旗), one record a year ago, a grid visit's business."""
    a = push(client, login("keeper_a"), [
        record(world.points["a1"], amount_fen=120000),
        record(world.points["a1"], kind="transfer", amount_fen=35000),
        record(world.points["a1"], amount_fen=100500),
        record(world.points["a1"], amount_fen=20000, occurred_at=f"{YEAR_AGO}T10:00:00+08:00"),
    ])
    assert a[2]["flags"] == ["not_multiple_of_10", "over_daily_cap"]  # the same card, 2,205 yuan today
    push(client, login("keeper_b"), [record(world.points["b1"], amount_fen=60000)])
    g = visit()
    assert {r["status"] for r in push(client, login("grid_a"), [
        g, business(g), business(g, kind="bill_payment", amount_fen=12000)])} == {"accepted"}
    return a[2]["id"]


def stats(client, headers, **query):
    query = {"from": f"{TODAY.year}-01-01", "to": str(TODAY), **query}
    resp = client.get("/api/v1/stats", query_string=query, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_dashboard_and_flag_review(app, world, client, login, business_done, chromium, gunicorn_server):
    flagged = business_done
    desktop = new_context(chromium, gunicorn_server.url, DESKTOP)
    page = desktop.new_page()
    violations = watch_csp(page)

    # The regulator's console opens on her region's figures.
    sign_in_console(page, "regulator")
    page.wait_for_url("**/console/#dashboard")
    page.wait_for_selector("h1:has-text('统计概览') .region-name:has-text('通辽市')")
    assert page.locator("#nav a").all_inner_texts()[0] == "统计概览"
    api = stats(client, login("regulator"), group_by="period", period="month")
    card = page.locator(".figure[data-figure=total]")
    assert card.locator(".value").inner_text() == yuan(api["totals"]["amount_fen"])
    assert card.locator("[data-count]").inner_text() == f"{api['totals']['count']} 笔"
    assert card.locator("[data-prev-fen]").inner_text() == yuan(api["previous_year"]["totals"]["amount_fen"])
    for channel in api["by_channel"]:
        value = page.locator(f".figure[data-figure={channel['channel']}] .value")
        assert value.inner_text() == yuan(channel["amount_fen"])
    assert api["totals"]["amount_fen"] == 120000 + 35000 + 100500 + 60000 + 50000 + 12000
    queue = client.get("/api/v1/flags", query_string={"reviewed": "false", "from": f"{TODAY.year}-01-01",
                                                      "to": str(TODAY)}, headers=login("regulator")).get_json()
    assert page.inner_text(".flag-queue") == f"待复核的标记交易 {queue['total']} 笔 →"
    coverage = page.locator(".figure[data-figure=coverage]")
    assert coverage.locator("[data-points]").inner_text() == f"服务点 {api['coverage']['points']} 个"

    # By county and by bank: each row's amount is the API's.
    counties = stats(client, login("regulator"), group_by="region_level")
    by_county = {}
    for g in counties["groups"]:
        by_county[g["name"]] = by_county.get(g["name"], 0) + g["amount_fen"]
    rows = page.locator("#by-region tbody tr")
    assert rows.count() == len(by_county) == 2
    for name, fen in by_county.items():
        assert page.locator("#by-region tbody tr", has_text=name).locator("td[data-fen]").inner_text() == yuan(fen)
    banks = stats(client, login("regulator"), group_by="bank")
    assert page.locator("#by-bank tbody tr").count() == len({g["key"] for g in banks["groups"]})
    for box in ("months", "regions", "banks"):
        page.wait_for_selector(f".chart-box[data-chart={box}][data-ready=true] canvas")
    screenshot(page, "console-dashboard")

    # The XLSX export, fetched with her token, arrives as a download Excel can open.
    with page.expect_download() as info:
        page.click("button:has-text('统计表 Excel')")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read()), read_only=True)
    assert len(book.sheetnames) >= 2
    page.wait_for_selector(".exports [role=status]:has-text('已下载')")

    # Dates the wrong way round are refused next to the field, before any request.
    page.fill("form.dash-filters input[name=from]", str(TODAY))
    page.fill("form.dash-filters input[name=to]", f"{TODAY.year - 1}-12-31")
    page.click("form.dash-filters button[type=submit]")
    page.wait_for_selector("form.dash-filters [data-error=from]:has-text('起始日期晚于截止日期')")

    # Drill down to a county: its figures only.
    page.click("#by-region tbody a:has-text('科尔沁区')")
    page.wait_for_selector(".region-name:has-text('科尔沁区')")
    krq = stats(client, login("regulator"), region="150502", group_by="period")
    assert page.locator(".figure[data-figure=total] .value").inner_text() == yuan(krq["totals"]["amount_fen"])

    # The supervisor of bank A (her own browser) reviews the flagged record with a note.
    sup_context = new_context(chromium, gunicorn_server.url, DESKTOP)
    sup = sup_context.new_page()
    violations_sup = watch_csp(sup)
    sign_in_console(sup, "sup_a")
    sup.click("#nav a:has-text('标记复核')")
    item = sup.locator(f"li.flag-item[data-id='{flagged}']")
    item.wait_for()
    assert item.locator("ul.reasons li").all_inner_texts() == ["金额不是 10 元的整数倍", "超过单卡每日限额"]
    assert item.locator(".amount").inner_text() == yuan(100500)
    item.locator("button:has-text('标记已复核')").click()  # no note: refused next to it
    item.locator("textarea[name=note]").fill("已电话核实，村民补交手续费")
    item.locator("button:has-text('标记已复核')").click()
    item.locator(".reviewed .note:has-text('已电话核实，村民补交手续费')").wait_for()
    screenshot(sup, "console-flags")
    saved = client.get("/api/v1/flags", query_string={"reviewed": "true"}, headers=login("sup_a")).get_json()
    assert [(i["id"], i["review"]["note"]) for i in saved["items"]] == [(flagged, "已电话核实，村民补交手续费")]
    # Off the queue still to review.
    sup.reload()
    queue = client.get("/api/v1/flags", query_string={"reviewed": "false"}, headers=login("sup_a")).get_json()
    sup.wait_for_selector(f"p.total:has-text('共 {queue['total']} 笔')")
    assert sup.locator(f"li.flag-item[data-id='{flagged}']").count() == 0
    assert sup.locator("li.flag-item").count() == queue["total"]

    # The regulator reads the reviewed record and its note, without a form.
    page.goto("/console/#flags?reviewed=true")
    item = page.locator(f"li.flag-item[data-id='{flagged}']")
    item.locator(".note:has-text('已电话核实')").wait_for()
    assert item.locator("textarea").count() == 0
    assert violations == [] and violations_sup == []
    sup_context.close()
    desktop.close()

    # On a 390 px phone: nothing wider than the screen, the charts drawn.
    phone = new_context(chromium, gunicorn_server.url, PHONE)
    page = phone.new_page()
    sign_in_console(page, "regulator")
    page.wait_for_selector(".chart-box[data-chart=months][data-ready=true] canvas")
    page.wait_for_selector(".chart-box[data-chart=banks][data-ready=true] canvas")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "console-dashboard-phone.png"), full_page=True)
    phone.close()
