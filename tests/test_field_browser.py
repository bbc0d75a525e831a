"""The field worker's home in Debian's Chromium at 390x844 against a real gunicorn
(issue 8): a grid worker signs in once, the server stops (no signal in the village), she
acknowledges a risk alert, starts a visit (the phone's position lies inside 前进村, so
the app must pick it from the pulled boundary), records business, an anti-fraud talk and a villager's request,
reloads offline, ends the visit; when the server is back everything arrives exactly once."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.core.clock import today
from app.extensions import db
from tests import factories
from tests.browser import load_probes, screenshot, sign_in, wait_for_service_worker

pytestmark = pytest.mark.browser

FIELD_STORE = "/static/js/field-store.js"


def server_counts(app):
    with app.app_context():
        row = db.session.execute(text(
            "select (select count(*) from field_visits) as visits,"
            " (select count(*) from fraud_talks) as talks,"
            " (select count(*) from ledger_entries where channel = 'grid') as business,"
            " (select count(*) from ledger_entries) as all_records,"
            " (select count(*) from alert_acks) as acks,"
            " (select count(*) from villager_requests where visit_id is not null) as requests")).one()
        db.session.remove()
    return dict(row._mapping)


def queued(page):
    return page.evaluate(
        f"async () => (await (await import('{FIELD_STORE}')).inState('queued')).length")


def save_business(page, kind, amount, bin_="", last4=""):
    page.click(f"#field-business fieldset.kinds label:has(input[value={kind}])")
    page.fill("#field-business input[name=amount]", amount)
    page.fill("#field-business input[name=bin]", bin_)
    page.fill("#field-business input[name=last4]", last4)
    page.click("#field-business button[type=submit]")
    page.wait_for_selector("#field-status.ok:has-text('已保存')")


def test_grid_worker_visit_offline_arrives_exactly_once(app, world, phone, gunicorn_server):
    with app.app_context():
        db.session.execute(text(
            "insert into risk_alerts (title, body, region_prefix) values"
            " ('警惕冒充公检法诈骗', '公检法不会电话办案，更不会要求转账到“安全账户”。', '1505')"))
        db.session.commit()
        db.session.remove()
    page = phone.new_page()
    # Her own home, not the keeper's register.
    sign_in(page, "grid_a", factories.PASSWORD, home="#view-field:not([hidden]) button[data-act=start]")
    assert page.is_hidden("#view-register") and page.is_hidden("#tabs")
    assert page.inner_text(".bar h1") == "网格员入村走访"
    page.wait_for_selector("#view-field .alerts:has-text('警惕冒充公检法诈骗')")
    wait_for_service_worker(page)
    load_probes(page, FIELD_STORE, "/static/js/store.js")
    page.wait_for_function(
        f"async () => ((await (await import('{FIELD_STORE}')).get('pull')) || {{villages: []}})"
        ".villages.length === 1")
    # Her villages arrived with the first pull: no "no boundaries yet" notice, no reload needed.
    page.wait_for_selector("#view-field .alerts:has-text('警惕冒充公检法诈骗')")
    page.wait_for_selector("#field-main .notice.warn", state="detached")
    start = page.locator("button[data-act=start]").bounding_box()
    assert start["height"] >= 48

    gunicorn_server.stop()  # no signal in the village from here on

    page.click("button[data-act=ack]")  # she has read the alert
    page.wait_for_selector("#view-field .alerts .badge.acked")
    page.click("button[data-act=start]")
    page.wait_for_selector("#visit-card:has-text('走访中：前进村')")
    assert "按定位" in page.inner_text("#visit-card")  # found by the fix, not picked
    page.click("button[data-act=household]")
    page.click("button[data-act=household]")
    page.wait_for_selector("#household-count:text-is('2')")
    save_business(page, "withdrawal", "500", "622848", "1234")
    # She starts on the talk, then a villager comes for a repayment: saving the repayment
    # (and a third household) must not wipe what she had typed for the talk.
    page.fill("#field-talk input[name=topic]", "冒充公检法诈骗")
    save_business(page, "card_repayment", "1200")
    page.click("button[data-act=household]")
    page.wait_for_selector("#household-count:text-is('3')")
    assert page.input_value("#field-talk input[name=topic]") == "冒充公检法诈骗"
    page.fill("#field-talk input[name=attendance]", "23")
    page.click("#field-talk button[type=submit]")
    page.wait_for_selector("#field-status.ok:has-text('已保存')")
    page.select_option("#field-request select[name=category]", "card_service")
    page.fill("#field-request input[name=text]", "王大爷的社保卡密码锁了，想在村里办解锁")
    page.click("#field-request button[type=submit]")
    page.wait_for_selector("#field-status.ok:has-text('已保存')")
    # Measured in one go in the page: the lists below redraw after each save.
    heights = page.evaluate("""(selectors) => selectors.map((s) => {
        const e = document.querySelector(s);
        return e ? e.getBoundingClientRect().height : 0;
    })""", ["button[data-act=household]", "#field-business button[type=submit]",
            "button[data-act=end]"])
    assert min(heights) >= 48, heights
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "field-visit")

    # Reload with the server still down: the app and the visit in progress survive.
    page.reload()
    page.wait_for_selector("#visit-card:has-text('走访中：前进村')")
    assert page.inner_text("#household-count") == "3"
    page.click("button[data-act=end]")
    page.wait_for_selector("button[data-act=start]")
    page.wait_for_selector("#field-pending-count:has-text('6 条待同步')")
    assert queued(page) == 6
    assert server_counts(app)["all_records"] == 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "field-pending")

    gunicorn_server.start()
    page.click("button[data-act=sync]")
    page.wait_for_selector("#field-pending-count:has-text('全部已同步')", timeout=30_000)
    assert queued(page) == 0
    expected = {"visits": 1, "talks": 1, "business": 2, "all_records": 2, "acks": 1,
                "requests": 1}
    assert server_counts(app) == expected
    # The phone sends everything once more (as after a lost answer): still once.
    page.evaluate(f"""async () => {{
        const s = await import('{FIELD_STORE}');
        const rows = await s.since(0);
        const records = rows.map((r) => ({{ id: r.id, type: r.type, data: r.data }}));
        const session = await (await import('/static/js/store.js')).getSetting('session');
        const res = await fetch('/api/v1/sync/push', {{method: 'POST',
          headers: {{'Content-Type': 'application/json', Authorization: 'Bearer ' + session.token}},
          body: JSON.stringify({{records}})}});
        const body = await res.json();
        if (!body.results.every((r) => r.status === 'duplicate')) throw new Error(JSON.stringify(body));
    }}""")
    assert server_counts(app) == expected
    with app.app_context():
        visit = db.session.execute(text(
            "select village_code, village_source, households, flags from field_visits")).one()
        db.session.remove()
    assert tuple(visit) == ("150502001001", "gps", 3, [])


def test_field_agent_inspects_a_point_offline_and_sees_her_day(app, world, phone, gunicorn_server,
                                                                client, login):
    """A mobile-team member's home: what she saved today on another phone, the open
    requests of her county (the overdue one marked), and the inspection checklist, done
    with no signal and arriving once, each failed item a finding on the server."""
    from tests.field_support import V1, business, visit
    earlier = visit(V1, channel="mobile")
    taken = (today() - timedelta(days=10)).isoformat()
    overdue = {"id": "6f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5", "type": "request", "data": {
        "village_code": V1, "visit_id": None, "category": "cash_service",
        "text": "村里取款点周末不开门", "taken_at": f"{taken}T10:00:00+08:00",
        "deadline": (today() - timedelta(days=3)).isoformat()}}
    pushed = client.post("/api/v1/sync/push", headers=login("field_a", device_id="other-phone"),
                         json={"records": [earlier, business(earlier, channel="mobile"), overdue]})
    assert [r["status"] for r in pushed.get_json()["results"]] == ["accepted"] * 3

    page = phone.new_page()
    sign_in(page, "field_a", factories.PASSWORD, home="#view-field:not([hidden]) button[data-act=inspect]")
    assert page.inner_text(".bar h1") == "流动服务走访"
    # Her day so far, saved on the other phone, and the request past its deadline.
    page.wait_for_selector("#field-today li >> nth=1", state="attached")
    page.wait_for_selector("#field-requests li.overdue:has-text('村里取款点周末不开门')")
    assert "已逾期" in page.inner_text("#field-requests li.overdue")

    load_probes(page, FIELD_STORE, "/static/js/store.js")
    gunicorn_server.stop()
    page.click("button[data-act=inspect]")
    page.wait_for_selector("#field-inspection")
    page.select_option("#field-inspection select[name=point]", str(world.points["a1"]))
    items = page.eval_on_selector_all("#field-inspection fieldset.check-item", "fs => fs.length")
    assert items == 7
    page.click("#field-inspection fieldset.check-item >> nth=0 >> label:has(input[value=pass])")
    page.click("#field-inspection button[type=submit]")
    page.wait_for_selector("#field-inspection .error:has-text('还有 6 项未检查')")
    for i in range(1, 7):
        verdict = "fail" if i in (1, 2) else "pass"  # signage, fee list
        page.click(f"#field-inspection fieldset.check-item >> nth={i} >> label:has(input[value={verdict}])")
    boxes = page.eval_on_selector_all(
        "#field-inspection label:has(input[type=radio]) span",
        "spans => spans.map((s) => s.getBoundingClientRect().height)")
    assert min(boxes) >= 48, boxes
    page.fill("#field-inspection input[name=note]", "收费标准牌被遮挡")
    page.evaluate("document.getElementById('field-inspection').scrollIntoView()")
    screenshot(page, "field-inspection")
    page.click("#field-inspection button[type=submit]")
    page.wait_for_selector("#field-status.ok:has-text('已保存')")
    page.wait_for_selector("#field-pending li:has-text('巡检'):has-text('2 项不合格')")

    gunicorn_server.start()
    page.click("button[data-act=sync]")
    page.wait_for_selector("#field-pending-count:has-text('全部已同步')", timeout=30_000)
    with app.app_context():
        rows = db.session.execute(text(
            "select i.note, array_agg(f.item order by f.item) from inspections i"
            " join inspection_findings f on f.inspection_id = i.id group by i.id")).all()
        db.session.remove()
    assert [tuple(r) for r in rows] == [("收费标准牌被遮挡", ["fee_list_posted", "signage"])]

    # A record the server refuses (another bank's point) says why in her language only.
    page.evaluate(f"""async () => {{
        const s = await import('{FIELD_STORE}');
        const session = await (await import('/static/js/store.js')).getSetting('session');
        await s.queue({{ id: crypto.randomUUID(), type: 'inspection', user_id: session.user.id,
          saved_at: Date.now(), point_name: '新华村助农取款服务点',
          data: {{ point_id: {world.points["b1"]}, inspected_at: new Date().toISOString(),
                   failed_items: [], note: null }} }});
    }}""")
    page.click("button[data-act=sync]")
    refused = page.wait_for_selector("li.refused:has-text('新华村助农取款服务点')")
    assert "该服务点不在您的范围" in refused.inner_text()
    assert not re.search(r"[A-Za-z]{2,}", refused.inner_text()), refused.inner_text()
