"""The console's field-work pages in Debian's Chromium: villagers' requests (the overdue one
first and marked; assigned, resolved and closed through the page), inspections (findings
past their deadline, a fix verified), visits with their business in yuan and a mobile
team's plan done, training sessions and the untrained; the regulator reads the same
pages without a form; on a 390 px phone nothing is wider than the screen and every
target is at least 48 px.

Screenshot for the README: docs/screenshots/console-field.png (1440 px).
"""
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.browser import PHONE, screenshot
from tests.field_support import V1, business, talk, visit
from tests.sync_support import push
from tests.test_console_browser import DESKTOP, new_context, sign_in_console, watch_csp
from tests.test_console_dashboard import yuan
from tests.test_field_inspections import inspection_record
from tests.test_field_requests import request_record

pytestmark = pytest.mark.browser

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()

# Every visible target in the page and the navigation (a radio is tapped by its label).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    '#main a, #main button, #main input:not([type=radio]), #main select, #main textarea,'
    + ' #main summary, #main label.check, #nav a, .who button')]
  .filter((e) => e.offsetParent !== null)
  .map((e) => { const r = e.getBoundingClientRect();
                return `${e.tagName} ${(e.textContent || e.name || '').trim().slice(0, 20)} ${Math.round(r.width)}x${Math.round(r.height)}`; })
  .filter((s) => { const [w, h] = s.split(' ').pop().split('x').map(Number); return w < 48 || h < 48; })"""


def shift(app, table, days, ident, column="deadline"):
    """Move a record's deadline `days` into the past (time passes)."""
    with app.app_context():
        db.session.execute(text(f"update {table} set {column} = {column} - :d where id = :i"),
                           {"d": days, "i": ident})
        db.session.commit()
        db.session.remove()


@pytest.fixture
def field_work(app, world, client, login):
    """Requests in 前进村 (one ten days late), inspections of a1 and a2 with findings (one
    past its deadline, two fixed), a grid visit and a mobile team's visit with business,
    a team with today's plan, a training session."""
    grid, field_a, sup = login("grid_a"), login("field_a"), login("sup_a")
    g = visit()
    on_time = request_record(V1, text="李大娘想开通手机银行，不会操作。", category="card_service")
    other = request_record(V1, text="村口服务点周末不开门。", category="complaint")
    late = request_record(V1, text="张大爷反映取款机吞卡，至今未退。", category="cash_service",
                          deadline=(TODAY + timedelta(days=1)).isoformat())
    results = push(client, grid, [g, business(g), business(g, kind="bill_payment", amount_fen=12000),
                                  talk(g), on_time, other, late])
    assert {r["status"] for r in results} == {"accepted"}, results
    shift(app, "villager_requests", 10, late["id"])

    rec = inspection_record(world.points["a1"], failed=["signage", "fee_list_posted"])
    assert push(client, field_a, [rec])[0]["status"] == "accepted"
    findings = {f["item"]: f for f in client.get("/api/v1/findings", headers=sup).get_json()["items"]}
    shift(app, "inspection_findings", 30, findings["signage"]["id"])
    fixed = client.post(f"/api/v1/findings/{findings['fee_list_posted']['id']}/fix",
                        json={"fix": "收费标准已张贴在柜台"}, headers=login("keeper_a"))
    assert fixed.status_code == 200, fixed.get_json()
    a2 = client.post("/api/v1/inspections", json={"point_id": world.points["a2"], "failed_items": ["register_kept"]},
                     headers=sup)
    assert a2.status_code == 201, a2.get_json()
    [a2_finding] = a2.get_json()["findings"]
    assert client.post(f"/api/v1/findings/{a2_finding['id']}/fix", json={"fix": "补登了三天的登记簿"},
                       headers=sup).status_code == 200

    team = client.post("/api/v1/teams", json={"name": "科尔沁流动服务一队", "bank_id": world.orgs["branch_a"]},
                       headers=sup)
    assert team.status_code == 201, team.get_json()
    team_id = team.get_json()["id"]
    assert client.post(f"/api/v1/teams/{team_id}/members", json={"user_id": world.users["field_a"]},
                       headers=sup).status_code == 200
    assert client.post(f"/api/v1/teams/{team_id}/plans", json={"village_code": V1, "planned_on": str(TODAY)},
                       headers=sup).status_code == 201
    m = visit()
    results = push(client, field_a, [m, business(m, channel="mobile", kind="withdrawal", amount_fen=30000)])
    assert {r["status"] for r in results} == {"accepted"}, results

    training = client.post("/api/v1/trainings", json={
        "topic": "防范电信网络诈骗与反洗钱", "held_on": str(TODAY - timedelta(days=3)),
        "bank_id": world.orgs["bank_a"], "attendee_ids": [world.users["keeper_a"]]}, headers=sup)
    assert training.status_code == 201, training.get_json()
    return {"late": late["id"], "on_time": on_time["id"], "other": other["id"], "grid_visit": g["id"],
            "late_finding": findings["signage"]["id"], "keeper_fixed": findings["fee_list_posted"]["id"],
            "sup_fixed": a2_finding["id"], "team": team_id}


def watch_errors(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_field_work_pages(app, world, client, login, field_work, chromium, gunicorn_server):
    ids = field_work
    sup_headers = login("sup_a")
    desktop = new_context(chromium, gunicorn_server.url, DESKTOP)
    page = desktop.new_page()
    violations = watch_csp(page)
    errors = watch_errors(page)
    sign_in_console(page, "sup_a")
    assert page.locator("#nav a").all_inner_texts()[-1] == "外勤工作"
    page.click("#nav a:has-text('外勤工作')")
    page.wait_for_selector(".tabs a[aria-current=page]:has-text('村民诉求')")
    assert page.locator(".tabs a").all_inner_texts() == ["村民诉求", "巡检", "走访", "培训"]

    # The overdue request first, marked; the others after it, not marked.
    cards = page.locator("li.request-item")
    cards.first.wait_for()
    assert cards.count() == 3
    assert cards.first.get_attribute("data-id") == ids["late"]
    assert "is-overdue" in cards.first.get_attribute("class")
    assert cards.first.locator(".badge.overdue").inner_text() == "已逾期"
    deadline = date.fromisoformat(client.get(f"/api/v1/requests/{ids['late']}", headers=sup_headers).get_json()["deadline"])
    assert f"逾期 {(TODAY - deadline).days} 天" in cards.first.locator(".deadline").inner_text()
    assert cards.first.locator(".badge.cat").inner_text() == "取款服务"
    assert page.locator("li.request-item .badge.overdue").count() == 1
    assert page.inner_text(".late-count") == "已逾期未办结的诉求 1 件 →"
    assert [" ".join(t.split()) for t in page.locator(".status-counts a").all_inner_texts()] == ["待分派 3", "已分派 0", "已办结 0", "已回访关闭 0"]
    screenshot(page, "console-field")

    # Assign → resolve → close through the page.
    card = page.locator(f"li.request-item[data-id='{ids['late']}']")
    card.locator("select[name=assignee_id]").select_option(str(world.users["grid_a"]))
    card.locator("form.assign-form button[type=submit]").click()
    card.locator("[role=status]:has-text('已分派给 grid_a')").wait_for()
    assert card.get_attribute("data-status") == "assigned"
    card.locator("textarea[name=resolution]").fill("已联系银行取回银行卡，当面交还张大爷。")
    card.locator("form.resolve-form button[type=submit]").click()
    card.locator("[role=status]:has-text('已办结，待回访村民')").wait_for()
    assert card.get_attribute("data-status") == "resolved"
    card.locator("textarea[name=feedback]").fill("张大爷说卡已拿到，很满意。")
    card.locator("form.close-form label.check:has-text('满意') input").first.check()
    card.locator("form.close-form button[type=submit]").click()
    card.locator("[role=status]:has-text('已回访关闭')").wait_for()
    assert card.get_attribute("data-status") == "closed"
    assert card.locator("form").count() == 0
    stored = client.get(f"/api/v1/requests/{ids['late']}", headers=sup_headers).get_json()
    assert stored["status"] == "closed" and stored["assignee_id"] == world.users["grid_a"]
    assert stored["resolution"] == "已联系银行取回银行卡，当面交还张大爷。"
    assert stored["feedback"] == "张大爷说卡已拿到，很满意。" and stored["satisfied"] is True

    # A request someone else closed meanwhile: the API's refusal in words, on its card.
    for step, body in (("assign", {"assignee_id": world.users["field_a"]}), ("resolve", {"resolution": "已解释周末值班安排"}),
                       ("close", {"feedback": "村民认可", "satisfied": True})):
        assert client.post(f"/api/v1/requests/{ids['other']}/{step}", json=body, headers=sup_headers).status_code == 200
    other = page.locator(f"li.request-item[data-id='{ids['other']}']")
    other.locator("select[name=assignee_id]").select_option(str(world.users["grid_a"]))
    other.locator("form.assign-form button[type=submit]").click()
    other.locator("form.assign-form [role=alert]:has-text('状态已变化，未能办理')").wait_for()
    assert "诉求已关闭" in other.locator("form.assign-form [role=alert]").inner_text()

    # Inspections: the finding past its deadline, in words; a fix verified.
    page.click(".tabs a:has-text('巡检')")
    page.wait_for_selector("#late-findings")
    late_rows = page.locator("#late-findings tbody tr")
    api_late = client.get("/api/v1/findings", query_string={"overdue": "true"}, headers=sup_headers).get_json()
    assert late_rows.count() == api_late["total"] == 1
    row = page.locator(f"#late-findings tr[data-finding='{ids['late_finding']}']")
    assert "标识标牌规范" in row.inner_text() and "前进村助农取款服务点" in row.inner_text()
    assert "keeper_a" in row.inner_text() and "已逾期" in row.inner_text()
    assert page.locator(".figure[data-figure=late_findings] .value").inner_text() == "1"
    recent = page.locator("li.inspection-item")
    assert recent.count() == 2
    assert "收费标准已公示 · 已整改" in page.locator(".inspection-list").inner_text()
    fix_row = page.locator(f"#to-verify tr[data-finding='{ids['sup_fixed']}']")
    assert "业务登记簿按时登记" in fix_row.inner_text() and "补登了三天的登记簿" in fix_row.inner_text()
    fix_row.locator("button:has-text('核验通过')").click()
    fix_row.locator("[role=status]:has-text('已核验')").wait_for()
    verified = client.get("/api/v1/findings", query_string={"status": "verified"}, headers=sup_headers).get_json()
    assert [f["id"] for f in verified["items"]] == [ids["sup_fixed"]]

    # Visits: the grid visit's business total in yuan; the team's plan done.
    page.click(".tabs a:has-text('走访')")
    row = page.locator(f"table.visits tr[data-id='{ids['grid_visit']}']")
    row.wait_for()
    assert row.locator("td[data-fen]").inner_text() == yuan(62000)
    assert row.locator("td[data-count]").inner_text() == "2"
    assert "网格员" in row.inner_text() and "前进村" in row.inner_text() and "grid_a" in row.inner_text()
    assert "1 场 23 人" in row.inner_text()
    api_visits = client.get("/api/v1/visits", headers=sup_headers).get_json()
    assert page.locator("table.visits tbody tr").count() == api_visits["total"] == 2
    assert page.locator("table.visits tfoot td[data-fen]").inner_text() == yuan(62000 + 30000)
    team = page.locator(f"table.teams tr[data-team='{ids['team']}']")
    assert team.locator("td[data-planned]").inner_text() == "1"
    assert team.locator("td[data-done]").inner_text() == "1"
    # Only the mobile service's visits.
    page.select_option("form.visit-filters select[name=channel]", "mobile")
    page.click("form.visit-filters button[type=submit]")
    page.wait_for_selector("p.total:has-text('共 1 次走访')")
    assert "流动服务" in page.locator("table.visits tbody tr").inner_text()

    # Training: the session, and the grid worker never trained.
    page.click(".tabs a:has-text('培训')")
    page.wait_for_selector("#sessions tbody tr:has-text('防范电信网络诈骗与反洗钱')")
    untrained = client.get("/api/v1/trainings/untrained", headers=sup_headers).get_json()
    assert page.locator("#untrained tbody tr").count() == untrained["total"]
    assert "从未培训" in page.locator(f"#untrained tr[data-user='{world.users['grid_a']}']").inner_text()
    assert page.locator(f"#untrained tr[data-user='{world.users['keeper_a']}']").count() == 0

    # In English: every word of the four tabs has its translation (no key shows).
    page.click("#lang")
    page.wait_for_selector(".tabs a:has-text('Training')")
    assert page.locator(".tabs a").all_inner_texts() == ["Villagers' requests", "Inspections", "Visits", "Training"]
    for tab in ("requests", "inspections", "visits", "trainings"):
        page.goto(f"/console/#field/{tab}")
        page.wait_for_selector(f".tabs a[data-tab={tab}][aria-current=page]")
        page.wait_for_selector("#main .field-body > *")
        words = set(re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", page.inner_text("#main")))
        assert words <= set(world.users), (tab, words - set(world.users))
    page.click("#lang")
    page.wait_for_selector(".tabs a:has-text('培训')")

    assert violations == []
    # The one error: the refused assignment's 409 (the browser logs a failed fetch).
    assert [e for e in errors if "409" not in e] == [], errors
    desktop.close()

    # The regulator reads the same pages and acts on nothing.
    reg_context = new_context(chromium, gunicorn_server.url, DESKTOP)
    reg = reg_context.new_page()
    reg_errors = watch_errors(reg)
    sign_in_console(reg, "regulator")
    reg.goto("/console/#field/requests")
    reg.locator("li.request-item").first.wait_for()
    assert reg.locator("li.request-item").count() == 3
    assert reg.locator("li.request-item form").count() == 0
    assert reg.locator(f"li.request-item[data-id='{ids['late']}'] .feedback").inner_text().startswith("满意")
    reg.click(".tabs a:has-text('巡检')")
    reg.wait_for_selector(f"#late-findings tr[data-finding='{ids['late_finding']}']")
    assert reg.locator(f"#to-verify tr[data-finding='{ids['keeper_fixed']}']:has-text('待银行核验')").count() == 1
    assert reg.locator("#to-verify button").count() == 0
    reg.click(".tabs a:has-text('走访')")
    reg.wait_for_selector(f"table.visits tr[data-id='{ids['grid_visit']}'] td[data-fen]:has-text('{yuan(62000)}')")
    reg.click(".tabs a:has-text('培训')")
    reg.wait_for_selector("#sessions tbody tr")
    assert reg_errors == []
    reg_context.close()

    # On a 390 px phone: one column, every target thumb-sized.
    phone = new_context(chromium, gunicorn_server.url, PHONE)
    page = phone.new_page()
    phone_errors = watch_errors(page)
    sign_in_console(page, "sup_a")
    for tab, ready in (("requests", "li.request-item"), ("inspections", "#late-findings"),
                       ("visits", "table.visits"), ("trainings", "#sessions")):
        page.goto(f"/console/#field/{tab}")
        page.wait_for_selector(ready)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], tab
        assert page.evaluate(SMALL_TARGETS) == [], tab
    page.goto("/console/#field/inspections?due=overdue")
    page.wait_for_selector(".due-toggle a:has-text('显示全部服务点')")
    assert phone_errors == []
    phone.close()
