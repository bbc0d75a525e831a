"""The console in Debian's Chromium (issue 9): one sign-in for every role, a home per
role, and the registry pages on a 1440 px desktop and a 390 px phone.

Screenshots for the README are written to docs/screenshots/console-*.png.
"""
import pytest
from sqlalchemy import text

from app.extensions import db
from tests import factories
from tests.browser import PHONE, screenshot, sign_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}


def new_context(chromium, base_url, viewport):
    context = chromium.new_context(
        viewport=viewport,
        is_mobile=viewport == PHONE,
        has_touch=viewport == PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=base_url,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def desktop(chromium, gunicorn_server):
    context = new_context(chromium, gunicorn_server.url, DESKTOP)
    yield context
    context.close()


@pytest.fixture
def phone(chromium, gunicorn_server):
    context = new_context(chromium, gunicorn_server.url, PHONE)
    yield context
    context.close()


def sign_in_console(page, username, path="/"):
    page.goto(path)
    page.wait_for_selector("#view-signin:not([hidden])")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_url("**/console/**")
    page.wait_for_selector("#main h1")


def expire_session(page):
    page.evaluate("""() => {
        const s = JSON.parse(localStorage.getItem('zhunong.console.session'));
        s.token = 'expired'; localStorage.setItem('zhunong.console.session', JSON.stringify(s));
    }""")


def nav_labels(page):
    return page.locator("#nav a").all_inner_texts()


def watch_csp(page):
    """Collect the page's Content-Security-Policy violations (the console has none)."""
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def test_supervisor_finds_suspends_creates_and_imports(app, world, desktop):
    page = desktop.new_page()
    violations = watch_csp(page)
    sign_in_console(page, "sup_a")
    assert nav_labels(page) == ["统计概览", "服务点", "银行机构", "网格分配", "风险提示", "标记复核", "限额规则", "人员", "批量导入", "覆盖地图", "外勤工作"]
    # Her bank's two points, not the other bank's.
    page.wait_for_selector("p.total:has-text('共 2 个')")

    # The points on a small map (no basemap: nothing is fetched from the internet), and
    # the list filtered by the map's area.
    page.click("button:has-text('显示地图')")
    page.wait_for_selector(".list-map .map-box[data-ready=true] canvas")
    page.click("button:has-text('按地图范围筛选')")
    page.wait_for_selector(".chip input[name=bbox]", state="attached")
    assert "bbox=" in page.url
    page.wait_for_selector("p.total:has-text('共 2 个')")
    page.click("a:has-text('重置')")

    # Find a point by its village's name: type it, pick the match, search.
    page.fill("#f-region-name", "前进")
    page.click(".suggest button:has-text('前进村')")
    page.wait_for_selector(".chip:has-text('前进村')")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("p.total:has-text('共 1 个')")
    assert "region=150502001001" in page.url
    screenshot(page, "console-points")
    page.click("table.list a:has-text('前进村助农取款服务点')")
    page.wait_for_selector("h1:has-text('前进村助农取款服务点') .badge:has-text('正常')")
    page.wait_for_selector("section.card:has-text('负责人账号') a:has-text('keeper_a')")
    page.wait_for_selector("#position .map-box[data-ready=true] canvas")

    # Suspend it with a reason; the change is in its history, who and before → after.
    page.click(".status-form button[value=suspend]")  # no reason: the API's field error
    page.wait_for_selector(".status-form [data-error=reason]:not(:empty)")
    page.fill(".status-form textarea[name=reason]", "机具故障，等待维修")
    page.click(".status-form button[value=suspend]")
    page.wait_for_selector("h1 .badge:has-text('暂停')")
    row = page.locator("#history tbody tr", has_text="机具故障，等待维修")
    assert "sup_a" in row.inner_text()
    assert row.locator("del", has_text="active").count() == 1
    assert row.locator("ins", has_text="suspended").count() == 1

    # A terminal: a bad merchant code is refused next to its field, a good one is added.
    page.fill(".add-terminal input[name=merchant_code]", "商户-1")
    page.fill(".add-terminal input[name=terminal_code]", "15050099")
    page.click(".add-terminal button[type=submit]")
    page.wait_for_selector(".add-terminal [data-error=merchant_code]:not(:empty)")
    page.fill(".add-terminal input[name=merchant_code]", "102150570119999")
    page.click(".add-terminal button[type=submit]")
    page.wait_for_selector("table.terminals td:text-is('102150570119999')")
    new_row = page.locator("table.terminals tr", has_text="102150570119999")
    new_row.locator("button:has-text('编辑')").click()
    page.fill(".add-terminal input[name=serial_no]", "SN-NEW-0099")
    page.click(".add-terminal button[type=submit]")
    page.wait_for_selector("table.terminals tr:has-text('102150570119999') td:text-is('SN-NEW-0099')")
    screenshot(page, "console-point")

    # A new point with a latitude outside China: the API's error next to the field, and
    # what she typed is still there.
    page.click("#nav a:has-text('服务点')")
    page.click("a:has-text('新建服务点')")
    page.wait_for_selector("form.point-form")
    page.fill("input[name=name]", "胜利村第二服务点")
    page.fill("input[name=shop_name]", "胜利村小卖部")
    page.fill("input[name=keeper_name]", "李秀英")
    page.fill("input[name=village_code]", "150502001002")
    page.fill("input[name=lon]", "122.41")
    page.fill("input[name=lat]", "99")
    page.click("form.point-form button[type=submit]")
    error = page.locator("[data-error=lat]")
    error.wait_for()
    page.wait_for_selector("[data-error=lat]:has-text('纬度应在18-54之间')")
    assert page.get_attribute("input[name=lat]", "aria-invalid") == "true"
    assert page.input_value("input[name=name]") == "胜利村第二服务点"
    screenshot(page, "console-point-form")
    page.fill("input[name=lat]", "43.61")
    page.click("form.point-form button[type=submit]")
    page.wait_for_selector("h1:has-text('胜利村第二服务点')")
    assert page.locator("#history tbody tr").count() == 1

    # Editing while her session has expired: she signs in again and is back on the form
    # with what she typed; the save then shows in the history as before → after.
    page.click("a:has-text('编辑')")
    page.wait_for_selector("form.point-form")
    expire_session(page)
    page.fill("input[name=address]", "胜利村东街8号")
    page.click("form.point-form button[type=submit]")
    page.wait_for_selector("#view-signin:not([hidden])")
    page.fill("input[name=username]", "sup_a")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("form.point-form")
    assert page.url.endswith("/edit")
    assert page.input_value("input[name=address]") == "胜利村东街8号"
    page.click("form.point-form button[type=submit]")
    edit = page.locator("#history tbody tr", has_text="修改")
    edit.wait_for()
    assert edit.locator("ins", has_text="胜利村东街8号").count() == 1

    # Her keeper's account, created from the point's page.
    page.click("a:has-text('新建负责人账号')")
    form = page.locator("form:has(h2:has-text('新建人员'))")
    form.locator("input[name=username]").fill("li_xiuying")
    form.locator("input[name=display_name]").fill("李秀英")
    form.locator("input[name=password]").fill("first-password-1")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("h1:has-text('李秀英')")
    page.click("dd a[href^='#points/']")
    page.wait_for_selector("section.card:has-text('负责人账号') a:has-text('li_xiuying')")

    # Import a file with two bad rows: both lines with their reasons, nothing imported.
    page.click("#nav a:has-text('批量导入')")
    page.wait_for_selector("form input[type=file]")
    assert page.get_attribute("a[download]", "download") == "service-points-template.csv"
    csv = (
        "name,shop_name,keeper_name,village_code,lon,lat,services\n"
        "甲服务点,甲商店,张三,150502001001,122.30,43.60,取款\n"
        "乙服务点,乙商店,李四,999999999999,122.30,43.60,取款\n"
        "丙服务点,丙商店,王五,150502001001,122.30,43.60,取款\n"
        "丁服务点,丁商店,赵六,150502001001,122.30,95,取款\n"
    )
    page.set_input_files("input[type=file]", files=[
        {"name": "points.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.click("form button[value=check]")
    page.wait_for_selector("table.bad-rows")
    assert page.is_disabled("form button[value=import]")
    lines = page.locator("table.bad-rows tbody tr td:first-child").all_inner_texts()
    assert lines == ["3", "5"]
    screenshot(page, "console-import")
    with app.app_context():
        assert db.session.execute(text("select count(*) from service_points where name = '甲服务点'")).scalar() == 0
        db.session.remove()
    # The file without its bad rows goes in whole.
    good = "\n".join(line for i, line in enumerate(csv.splitlines()) if i not in (2, 4)) + "\n"
    page.set_input_files("input[type=file]", files=[
        {"name": "points.csv", "mimeType": "text/csv", "buffer": good.encode()}])
    page.click("form button[value=check]")
    page.wait_for_selector(".notice.ok:has-text('检查通过：2 行都可以导入')")
    with app.app_context():
        assert db.session.execute(text("select count(*) from service_points where name = '甲服务点'")).scalar() == 0
        db.session.remove()
    page.click("form button[value=import]")
    page.wait_for_selector(".notice.ok:has-text('已导入 2 个服务点')")
    assert violations == []
    with app.app_context():
        assert db.session.execute(text("select count(*) from service_points where name in ('甲服务点', '丙服务点')")).scalar() == 2
        db.session.remove()


def test_regulator_on_a_phone_sees_her_region_and_publishes_rules(app, world, phone):
    page = phone.new_page()
    # A grid worker has no console: the same sign-in takes her to her field home.
    sign_in(page, "grid_a", factories.PASSWORD, home="#view-field:not([hidden])")
    assert "/console" not in page.url
    page.click("#view-field [data-act=sign-out]")  # nothing waits on her phone
    page.wait_for_selector("#view-signin:not([hidden])")

    sign_in_console(page, "regulator")
    assert nav_labels(page) == ["统计概览", "服务点", "银行机构", "网格分配", "风险提示", "标记复核", "限额规则", "覆盖地图", "外勤工作"]
    # Her home is the dashboard (tests/test_console_dashboard.py); the points are one tap away.
    page.wait_for_selector("h1:has-text('统计概览')")
    page.click("#nav a:has-text('服务点')")
    # Every bank's points in Tongliao (both banks), none in Shenyang.
    page.wait_for_selector("p.total:has-text('共 3 个')")
    names = page.locator("table.list tbody a").all_inner_texts()
    assert "新华村助农取款服务点" in names and "前进村助农取款服务点" in names
    assert "长白村助农取款服务点" not in names
    assert page.locator("a:has-text('新建服务点')").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "console-phone")
    page.click("table.list a:has-text('新华村助农取款服务点')")
    page.wait_for_selector("h1:has-text('新华村助农取款服务点')")
    assert page.locator(".status-form").count() == 0
    assert "139****" in page.inner_text("dl.props")  # the keeper's phone, masked for her
    screenshot(page, "console-point-phone")
    # A point outside her region cannot be opened.
    page.goto(f"/console/#points/{world.points['l1']}")
    page.wait_for_selector(".notice.warn:has-text('没有找到')")
    # Alerts: publish one for 科尔沁区, see it in force there, withdraw it.
    page.click("#nav a:has-text('风险提示')")
    page.wait_for_selector("form.publish")
    page.click("form.publish button[type=submit]")  # empty: the API names both fields
    page.wait_for_selector("form.publish [data-error=title]:not(:empty)")
    page.wait_for_selector("form.publish [data-error=body]:not(:empty)")
    page.fill("form.publish input[name=title]", "警惕冒充客服退款诈骗")
    page.fill("form.publish textarea[name=body]", "请提醒村民：银行不会电话要求转账。")
    page.fill("form.publish input[type=search]", "科尔沁区")
    page.click("form.publish .suggest button:has-text('科尔沁区')")
    page.click("form.publish button[type=submit]")
    alert = page.locator("li[data-alert]", has_text="警惕冒充客服退款诈骗")
    alert.locator(".badge:has-text('生效中')").wait_for()
    assert "科尔沁区" in alert.inner_text()
    screenshot(page, "console-alerts")
    alert.locator("button:has-text('撤回')").click()
    page.wait_for_selector("text=没有生效中的风险提示")
    # Limits: the rules in force, a new one for Tongliao, and what applies at a point.
    page.click("#nav a:has-text('限额规则')")
    page.wait_for_selector("form.new-rule")
    page.fill("form.new-rule input[type=search]", "通辽")
    page.click("form.new-rule .suggest button:has-text('通辽市')")
    page.fill("form.new-rule input[name=per_card_daily_fen]", "3000")
    page.fill("form.new-rule input[name=source]", "通辽市分行2026年第3号通知")
    page.click("form.new-rule button[type=submit]")
    row = page.locator("tr[data-rule]", has_text="通辽市分行2026年第3号通知")
    row.wait_for()
    assert "3,000 元" in row.inner_text()
    page.goto(f"/console/#points/{world.points['b1']}")
    page.wait_for_selector("#limits li:has-text('3,000 元')")

    # English on request, and back.
    page.click("#lang")
    page.wait_for_selector("#nav a:has-text('Service points')")
    page.click("#lang")
    page.wait_for_selector("#nav a:has-text('服务点')")


def test_admin_deactivates_a_user_whose_phone_is_then_signed_out(app, world, desktop, client, gunicorn_server):
    phone_login = client.post("/api/v1/auth/login", json={
        "username": "keeper_b", "password": factories.PASSWORD, "device_id": "phone-of-keeper-b-0001"})
    headers = {"Authorization": f"Bearer {phone_login.get_json()['token']}"}
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 200

    page = desktop.new_page()
    sign_in_console(page, "admin")
    assert nav_labels(page) == ["统计概览", "服务点", "银行机构", "网格分配", "风险提示", "标记复核", "限额规则", "人员", "批量导入", "覆盖地图", "外勤工作"]
    page.click("#nav a:has-text('人员')")
    # A new person: a bad username is refused next to its field, then she is created and
    # her password reset.
    form = page.locator("form:has(h2:has-text('新建人员'))")
    form.locator("input[name=username]").fill("张 三")
    form.locator("input[name=display_name]").fill("张三")
    form.locator("select[name=role]").select_option("supervisor")
    form.locator("select[name=org_id]").select_option(label="中国邮政储蓄银行")
    form.locator("input[name=password]").fill("first-password-1")
    form.locator("button[type=submit]").click()
    form.locator("[data-error=username]:has-text('用户名只能含字母')").wait_for()
    form.locator("input[name=username]").fill("zhangsan")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("h1:has-text('张三')")
    page.fill("input[name=password]", "short")
    page.click("button:has-text('重置密码')")
    page.wait_for_selector("[data-error=password]:not(:empty)")
    page.fill("input[name=password]", "second-password-2")
    page.click("button:has-text('重置密码')")
    page.wait_for_selector("p.ok:has-text('已完成')")
    assert client.post("/api/v1/auth/login", json={
        "username": "zhangsan", "password": "second-password-2"}).status_code == 200

    page.click("#nav a:has-text('人员')")
    page.fill("form.filters input[name=q]", "keeper_b")
    page.click("form.filters button[type=submit]")
    page.click("table.list a:has-text('keeper_b')")
    page.wait_for_selector("tr[data-device]")
    page.click("button:has-text('停用')")
    page.wait_for_selector("h1 .badge:has-text('已停用')")
    screenshot(page, "console-user")
    # Her phone's next sync is refused: signed out.
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 401
    # A lost phone of another keeper: revoked from her page, its token stops at once.
    other = client.post("/api/v1/auth/login", json={
        "username": "keeper_a", "password": factories.PASSWORD, "device_id": "phone-of-keeper-a-0001"})
    other_headers = {"Authorization": f"Bearer {other.get_json()['token']}"}
    page.click("#nav a:has-text('人员')")
    page.fill("form.filters input[name=q]", "keeper_a")
    page.click("form.filters button[type=submit]")
    page.click("table.list a:has-text('keeper_a')")
    page.click("tr[data-device] button:has-text('注销设备')")
    page.wait_for_selector("tr[data-device]:has-text('已注销')")
    assert client.get("/api/v1/sync/pull", headers=other_headers).status_code == 401

    # The banks tree, and a grid worker assigned to a village, then the assignment ended.
    page.click("#nav a:has-text('银行机构')")
    page.wait_for_selector("ul.tree ul.tree ul.tree a:has-text('大林镇分理处')")
    form = page.locator("form.new-bank")
    form.locator("select[name=kind]").select_option("bank_outlet")
    form.locator("button[type=submit]").click()  # no name: the API's error next to it
    form.locator("[data-error=name]:not(:empty)").wait_for()
    form.locator("input[name=name]").fill("保康镇分理处")
    form.locator("select[name=parent_id]").select_option(label="　邮储银行科左中旗支行")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("ul.tree ul.tree ul.tree a:has-text('保康镇分理处')")
    # Renamed: its kind and place in the tree stay; an empty name is refused next to the field.
    page.click("ul.tree li:has(> a:has-text('保康镇分理处')) > button.edit-org")
    form.locator("h2:has-text('保康镇分理处')").wait_for()
    assert form.locator("select[name=kind]").is_disabled()
    form.locator("input[name=name]").fill("")
    form.locator("button[type=submit]").click()
    form.locator("[data-error=name]:not(:empty)").wait_for()
    form.locator("input[name=name]").fill("保康镇分理处（新址）")
    form.locator("input[name=short_name]").fill("保康")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("ul.tree ul.tree ul.tree a:has-text('保康镇分理处（新址）')")
    admin_token = client.post("/api/v1/auth/login", json={
        "username": "admin", "password": factories.PASSWORD}).get_json()["token"]
    renamed = client.get("/api/v1/banks?q=保康", headers={
        "Authorization": f"Bearer {admin_token}"}).get_json()["items"]
    assert [(b["name"], b["short_name"], b["kind"]) for b in renamed] == [("保康镇分理处（新址）", "保康", "bank_outlet")]
    page.click("#nav a:has-text('网格分配')")
    page.wait_for_selector("form.assign")
    page.select_option("form.assign select[name=user_id]", label="grid_b（grid_b）")
    page.fill("form.assign input[type=search]", "团结")
    page.click("form.assign .suggest button:has-text('团结村')")
    page.click("form.assign button[type=submit]")
    row = page.locator("tr[data-assignment]", has_text="团结村")
    row.wait_for()
    screenshot(page, "console-assignments")
    row.locator("button:has-text('结束')").click()
    page.wait_for_selector("tr[data-assignment]:has-text('团结村')", state="detached")

    # A session that expires sends her to sign in and back to the same page.
    page.goto("/console/#users")
    expire_session(page)
    page.click("#nav a:has-text('服务点')")
    page.wait_for_selector("#view-signin:not([hidden])")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_url("**/console/#points")
    page.wait_for_selector("h1:has-text('服务点')")

    # The network fails while she saves: nothing is lost from the form.
    page.goto(f"/console/#points/{world.points['b1']}/edit")
    page.wait_for_selector("form.point-form")
    gunicorn_server.stop()
    page.fill("input[name=shop_name]", "新华村便民超市")
    page.click("form.point-form button[type=submit]")
    page.wait_for_selector(".form-error:has-text('网络不通，未保存')")
    assert page.input_value("input[name=shop_name]") == "新华村便民超市"
