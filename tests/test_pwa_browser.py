"""The keeper's register in Debian's Chromium against a real gunicorn (issue 3).

"Offline" is a stopped server: the page, its service worker and IndexedDB keep working,
and the records reach the database exactly once when the server is back.
"""
import re
import shutil
import time
import uuid

import pytest
from sqlalchemy import text

from app.extensions import db
from tests import factories
from tests.browser import (
    ROOT,
    GunicornServer,
    new_phone,
    screenshot,
    sign_in,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser

STORE = "/static/js/store.js"
STATIC_DIR = ROOT / "static"


def log_record(page, kind, amount=None, quick=None, bin_="", last4="", voucher="", note=""):
    """Fill the entry form like a keeper and wait for 已保存 (the IDB commit)."""
    page.click(f"fieldset.kinds label:has(input[value={kind}])")
    if quick:
        page.click(f".quick button[data-yuan='{quick}']")
    elif amount is not None:
        page.fill("input[name=amount]", amount)
    page.fill("input[name=bin]", bin_)
    page.fill("input[name=last4]", last4)
    page.fill("input[name=voucher_no]", voucher)
    page.fill("input[name=note]", note)
    page.evaluate("document.getElementById('save-status').textContent = ''")
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector("#save-status.ok:has-text('已保存')")


def local_entries(page):
    """Every record in the phone's IndexedDB with its sync state, oldest first."""
    return page.evaluate(
        f"""async () => {{
            const store = await import('{STORE}');
            return (await store.entriesSince(0)).reverse();
        }}"""
    )


def ledger_rows(app, point_id=None):
    with app.app_context():
        sql = (
            "select id::text, point_id, kind, amount_fen, card_masked, voucher_no,"
            " void_of::text, st_x(location) as lon, st_y(location) as lat from ledger_entries"
        )
        params = {}
        if point_id is not None:
            sql += " where point_id = :p"
            params["p"] = point_id
        rows = db.session.execute(text(sql), params).mappings().all()
        db.session.remove()
    return [dict(r) for r in rows]


def wait_until(page, condition, what, timeout=30):
    """Poll a condition while Playwright keeps dispatching the browser's events."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        page.wait_for_timeout(50)


def banner_text(page):
    return page.inner_text("#view-register .outbox-banner .outbox-count")


def test_offline_register_syncs_exactly_once(app, world, phone, gunicorn_server):
    with app.app_context():  # the regulator has warned Tongliao's points
        db.session.execute(text(
            "insert into risk_alerts (title, body, region_prefix) values"
            " ('警惕冒充客服退款诈骗', '有人自称客服要求转账“退款”，请提醒村民先打银行电话核实。', '1505')"
        ))
        db.session.commit()
        db.session.remove()
    page = phone.new_page()
    page.goto("/")
    page.wait_for_selector("#view-signin:not([hidden])")
    page.fill("input[name=username]", "keeper_a")
    screenshot(page, "sign-in")
    sign_in(page, "keeper_a", factories.PASSWORD)
    wait_for_service_worker(page)
    # The first pull brought her point.
    page.wait_for_selector("#point-name:has-text('前进村助农取款服务点')")
    page.wait_for_selector("#alerts:not([hidden]) li:has-text('警惕冒充客服退款诈骗')")

    gunicorn_server.stop()  # no server from here on: the village has no signal

    log_record(page, "withdrawal", amount="500", bin_="622848", last4="1234", voucher="000101")
    log_record(page, "transfer", quick="1000", bin_="621700", last4="5678", voucher="000102",
               note="给女儿转学费")
    log_record(page, "balance_inquiry", bin_="622848", last4="1234")
    assert re.match(r"3 条待同步，最早 (刚刚|1 分钟前)", banner_text(page))
    screenshot(page, "register")

    # The withdrawal was a mistake: void it (two taps) instead of editing it.
    page.click("#tabs a[data-view=today]")
    withdrawal = page.locator("#today-list li.record:has(.record-kind:text-is('取款'))")
    withdrawal.locator("button[data-action=void]").click()
    withdrawal.locator("button[data-action=void]:has-text('确认作废')").click()
    page.wait_for_selector("#today-list li.record.is-void")

    before = local_entries(page)
    assert len(before) == 4
    assert all(e["sync"]["state"] == "queued" for e in before)
    void = next(e for e in before if e["data"]["void_of"])
    original = next(e for e in before if e["id"] == void["data"]["void_of"])
    assert original["data"]["kind"] == "withdrawal" and original["data"]["amount_fen"] == 50000
    assert original["data"]["card_masked"] == "622848******1234"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", original["data"]["occurred_at"])
    assert original["data"]["lon"] == pytest.approx(122.3012)
    for e in before:  # the card never appears in full anywhere in the record
        assert not re.search(r"\d{12,}", str(e["data"]))

    # Reload with the server still down: the service worker serves the app, IDB the records.
    page.reload()
    page.wait_for_selector("#view-today:not([hidden])")
    after = local_entries(page)
    assert [e["id"] for e in after] == [e["id"] for e in before]
    assert page.locator("#today-list li.record").count() == 4
    assert "警惕冒充客服退款诈骗" in page.inner_text("#alerts")  # alerts were kept too
    assert page.locator("#today-list li.record.voided").count() == 1
    assert page.locator("#today-list .badge.queued").count() == 4
    totals = page.inner_text("#totals")
    assert re.search(r"取款\s+0 笔", totals) and re.search(r"转账\s+1 笔\s+1,000.00 元", totals)
    screenshot(page, "today")

    # A record the server must refuse: one for another keeper's point.
    foreign_id = str(uuid.uuid4())
    page.evaluate(
        f"""async ([id, pointId, userId]) => {{
            const store = await import('{STORE}');
            await store.addEntry({{
              id, user_id: userId, saved_at: Date.now(),
              data: {{ point_id: pointId, kind: 'withdrawal', amount_fen: 10000,
                       card_masked: '622848******9999', voucher_no: '000199',
                       occurred_at: new Date().toISOString(), lon: null, lat: null,
                       void_of: null, note: null }},
            }});
        }}""",
        [foreign_id, world.points["b1"], world.users["keeper_a"]],
    )
    page.click("#tabs a[data-view=outbox]")
    page.click("#view-outbox button[data-action=sync]")  # tries, fails, keeps everything
    page.wait_for_function("document.querySelectorAll('#waiting-list li.record').length === 5")
    page.wait_for_selector("#view-outbox button[data-action=sync]:not([disabled])")
    assert "同步失败" in page.inner_text("#sync-status")

    gunicorn_server.start()
    page.click("#view-outbox button[data-action=sync]")
    page.wait_for_selector("#view-outbox .outbox-count:has-text('全部已同步')")
    page.wait_for_selector(f"#refused-list li[data-id='{foreign_id}'] .reason")
    reason = page.inner_text(f"#refused-list li[data-id='{foreign_id}'] .reason")
    assert "服务点" in reason or "point" in reason
    assert "1 条被拒绝" in page.inner_text("#view-outbox .outbox-banner")
    screenshot(page, "outbox")

    # The database holds exactly the four records, once each; the refused one is not there.
    rows = ledger_rows(app)
    assert sorted(r["id"] for r in rows) == sorted(e["id"] for e in before)
    assert all(r["point_id"] == world.points["a1"] for r in rows)
    by_id = {r["id"]: r for r in rows}
    assert by_id[void["id"]]["void_of"] == original["id"]
    assert by_id[original["id"]]["card_masked"] == "622848******1234"
    assert by_id[original["id"]]["lon"] == pytest.approx(122.3012)  # GPS went along

    states = {e["id"]: e["sync"]["state"] for e in local_entries(page)}
    assert states.pop(foreign_id) == "rejected"
    assert set(states.values()) == {"synced"}

    # A second sync sends nothing new and changes nothing.
    page.click("#view-outbox button[data-action=sync]")
    page.wait_for_selector("#view-outbox button[data-action=sync]:not([disabled])")
    assert len(ledger_rows(app)) == 4

    # She has read the refusal: it leaves the outbox, the record itself stays visible today.
    page.click(f"#refused-list li[data-id='{foreign_id}'] button[data-action=ack]")
    page.wait_for_selector("#refused", state="hidden")
    page.click("#tabs a[data-view=today]")
    assert page.locator(f"#today-list li[data-id='{foreign_id}'] .badge.rejected").count() == 1


def test_expired_sign_in_keeps_queue_until_she_signs_in_again(app, world, phone):
    page = phone.new_page()
    sign_in(page, "keeper_a", factories.PASSWORD)
    wait_for_service_worker(page)
    page.wait_for_selector("#point-name:has-text('前进村')")
    with app.app_context():  # her phone's sign-in expires on the server (not revoked)
        db.session.execute(text("update api_tokens set expires_at = now() - interval '1 second'"))
        db.session.commit()
        db.session.remove()

    log_record(page, "withdrawal", quick="200", bin_="622848", last4="4321", voucher="000201")
    page.wait_for_selector("#view-register .auth-banner:not([hidden])")
    log_record(page, "bill_payment", amount="88.5", voucher="JF0001")  # still logs while signed out
    assert banner_text(page).startswith("2 条待同步")
    assert ledger_rows(app) == []

    page.click("#view-register .auth-banner button[data-action=reauth]")
    page.wait_for_selector("#signin-reauth:not([hidden])")
    assert page.input_value("input[name=username]") == "keeper_a"
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#view-register .outbox-count:has-text('全部已同步')")

    rows = ledger_rows(app)
    assert sorted((r["kind"], r["amount_fen"]) for r in rows) == [("bill_payment", 8850), ("withdrawal", 20000)]
    with app.app_context():  # the same phone both times: one device, generated once
        devices = db.session.execute(text("select count(*) from devices")).scalar()
        db.session.remove()
    assert devices == 1


def test_entry_rules_card_guard_and_language(app, world, phone):
    page = phone.new_page()
    sign_in(page, "keeper_a", factories.PASSWORD)

    rules = page.evaluate(
        """async () => {
            const L = await import('/static/js/ledger.js');
            const fails = (f) => { try { f(); return false; } catch { return true; } };
            return {
              fen: ['500', '88.5', '1,000.00', '0.01'].map(L.yuanToFen),
              bad: ['', '-5', '1.234', 'abc', '1e3'].map((x) => fails(() => L.yuanToFen(x))),
              shown: [0, 5, 50000, 123456789].map(L.formatFen),
              masked: L.maskCard('622848', '1234'),
              short: fails(() => L.maskCard('62284', '1234')),
              pan: [L.looksLikeCardNumber('6228 4800 1234 5678'), L.looksLikeCardNumber('000123')],
            };
        }"""
    )
    assert rules["fen"] == [50000, 8850, 100000, 1]
    assert all(rules["bad"])
    assert rules["shown"] == ["0.00", "0.05", "500.00", "1,234,567.89"]
    assert rules["masked"] == "622848******1234" and rules["short"]
    assert rules["pan"] == [True, False]

    # A full card number typed or pasted into the card fields is refused and wiped.
    page.fill("input[name=bin]", "6228480012345678")
    assert page.input_value("input[name=bin]") == ""
    assert "不要输入完整卡号" in page.inner_text("[data-error=bin]")
    page.fill("input[name=last4]", "12345")
    assert page.input_value("input[name=last4]") == ""
    # ...and one in the note blocks saving.
    page.fill("input[name=amount]", "300")
    page.fill("input[name=bin]", "622848")
    page.fill("input[name=last4]", "1234")
    page.fill("input[name=note]", "卡号 6228480012345678")
    page.click("#entry-form button[type=submit]")
    assert "不要输入完整卡号" in page.inner_text("[data-error=note]")
    assert local_entries(page) == []
    # Missing amount and card are named, not saved.
    page.fill("input[name=note]", "")
    page.fill("input[name=amount]", "")
    page.click("#entry-form button[type=submit]")
    assert page.inner_text("[data-error=amount]") == "请输入金额"
    assert local_entries(page) == []
    # A balance inquiry has no amount field.
    page.click("fieldset.kinds label:has(input[value=balance_inquiry])")
    assert page.locator("#amount-group").is_hidden()

    # A refused record can be re-entered: the form is filled from it, and it leaves the outbox.
    refused_id = page.evaluate(
        f"""async () => {{
            const store = await import('{STORE}');
            const id = crypto.randomUUID();
            await store.addEntry({{ id, user_id: {world.users["keeper_a"]}, saved_at: Date.now(),
              data: {{ point_id: {world.points["a1"]}, kind: 'transfer', amount_fen: 66600,
                       card_masked: '621700******0001', voucher_no: 'ZZ01', occurred_at: new Date().toISOString(),
                       lon: null, lat: null, void_of: null, note: '核对' }} }});
            await store.applyResults([{{ id, status: 'rejected', reason: 'data.voucher_no: 测试原因 test reason' }}]);
            return id;
        }}"""
    )
    page.click("#tabs a[data-view=outbox]")
    item = page.locator(f"#refused-list li[data-id='{refused_id}']")
    assert "测试原因" in item.locator(".reason").inner_text()
    item.locator("button[data-action=reenter]").click()
    page.wait_for_selector("#view-register:not([hidden])")
    assert page.input_value("input[name=amount]") == "666.00"
    assert (page.input_value("input[name=bin]"), page.input_value("input[name=last4]")) == ("621700", "0001")
    assert page.input_value("input[name=voucher_no]") == "ZZ01"
    assert page.locator("fieldset.kinds input[value=transfer]").is_checked()
    assert page.locator("#refused").is_hidden()

    # English on request, kept across reloads.
    page.click("#lang")
    assert page.inner_text("#entry-form button[type=submit]") == "Save"
    page.reload()
    page.wait_for_selector("#view-register:not([hidden])")
    assert page.inner_text("#entry-form button[type=submit]") == "Save"
    assert page.evaluate("document.documentElement.lang") == "en"


def test_api_reference_page_uses_local_assets_only(app, chromium, gunicorn_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=gunicorn_server.url)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: None if r.url.startswith(gunicorn_server.url) else outside.append(r.url))
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20_000)
    page.wait_for_selector(".opblock-summary-path:has-text('/api/v1/sync/push')")
    assert "助农服务点" in page.inner_text(".swagger-ui .info")
    screenshot(page, "api-reference")
    context.close()
    assert outside == []


def test_update_prompt_reloads_without_losing_queued_records(app, world, chromium, database_url, tmp_path):
    """A new deployment (a changed sw.js) installs beside the old one and waits; the keeper
    taps 刷新 and her queued records are still there, and still go to the server."""
    build = tmp_path / "static"
    shutil.copytree(STATIC_DIR, build)
    server = GunicornServer(database_url, env={"PWA_STATIC_DIR": str(build)}).start()
    context = new_phone(chromium, server.url)
    try:
        page = context.new_page()
        sign_in(page, "keeper_a", factories.PASSWORD)
        wait_for_service_worker(page)
        old_caches = page.evaluate("caches.keys()")
        # No signal for pushing: the records stay queued.
        context.route("**/api/v1/sync/**", lambda route: route.abort("internetdisconnected"))
        log_record(page, "cash_remittance", amount="1200", voucher="HK0001")
        log_record(page, "withdrawal", quick="100", bin_="622848", last4="1111", voucher="000301")
        queued = [e["id"] for e in local_entries(page)]

        # The next deployment: a changed stylesheet, so a new revision and a new cache name.
        (build / "css" / "app.css").write_text((build / "css" / "app.css").read_text() + "\n/* next */\n")
        sw = build / "sw.js"
        sw.write_text(re.sub(r'"revision":"[0-9a-f]{32}","url":"/static/css/app.css"',
                             '"revision":"' + "f" * 32 + '","url":"/static/css/app.css"', sw.read_text()))
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        page.wait_for_selector("#update-toast:not([hidden])")
        page.click("#update-reload")
        page.wait_for_load_state("load")
        page.wait_for_selector("#view-register:not([hidden])")
        page.wait_for_function("navigator.serviceWorker.controller && caches.keys().then((k) => k.length === 1)")
        new_caches = page.evaluate("caches.keys()")
        assert len(new_caches) == 1 and new_caches != old_caches  # the old version's cache is gone

        entries = local_entries(page)
        assert [e["id"] for e in entries] == queued
        assert all(e["sync"]["state"] == "queued" for e in entries)
        assert banner_text(page).startswith("2 条待同步")

        context.unroute("**/api/v1/sync/**")
        page.click("#view-register button[data-action=sync]")
        page.wait_for_selector("#view-register .outbox-count:has-text('全部已同步')")
        assert sorted(r["id"] for r in ledger_rows(app)) == sorted(queued)
    finally:
        context.close()
        server.stop()


def test_background_sync_sends_the_outbox_with_the_app_closed(app, world, phone, gunicorn_server):
    """The service worker's 'outbox' sync event pushes the queue on its own: the page is
    closed when the browser fires it (Chromium's DevTools protocol fires it on demand)."""
    page = phone.new_page()
    sign_in(page, "keeper_a", factories.PASSWORD)
    wait_for_service_worker(page)
    page.wait_for_selector("#point-name:has-text('前进村')")
    gunicorn_server.stop()
    log_record(page, "bill_payment", amount="45", voucher="DF0001")
    log_record(page, "withdrawal", quick="500", bin_="622848", last4="7777", voucher="000401")
    queued = sorted(e["id"] for e in local_entries(page))
    page.close()  # she put the phone away

    blank = phone.new_page()
    cdp = phone.new_cdp_session(blank)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    wait_until(blank, lambda: any(not r.get("isDeleted") for r in registrations), "the worker is listed")
    registration = next(r for r in registrations if not r.get("isDeleted"))
    gunicorn_server.start()
    cdp.send("ServiceWorker.dispatchSyncEvent", {
        "origin": gunicorn_server.url, "registrationId": registration["registrationId"],
        "tag": "outbox", "lastChance": False,
    })
    wait_until(blank, lambda: len(ledger_rows(app)) == 2, "the outbox reached the server")
    assert sorted(r["id"] for r in ledger_rows(app)) == queued


# --- the browser itself offline, and an answer lost on the way back ----------------------

def _states(page):
    return {e["id"]: e["sync"]["state"] for e in local_entries(page)}


def test_browser_offline_then_online_event_sends_the_outbox(app, world, chromium, gunicorn_server):
    """Playwright's offline mode (the server stays up): records wait in the outbox, and the
    browser's `online` event sends them, each once. No service worker runs (no Background
    Sync) and the retry timer is five minutes away, so only `online` can have sent them."""
    phone = new_phone(chromium, gunicorn_server.url, service_workers="block")
    try:
        _offline_then_online(app, phone)
    finally:
        phone.close()


def _offline_then_online(app, phone):
    page = phone.new_page()
    sign_in(page, "keeper_a", factories.PASSWORD)
    page.wait_for_selector("#point-name:has-text('前进村')")
    phone.set_offline(True)
    log_record(page, "withdrawal", quick="200", bin_="622848", last4="1111", voucher="000501")
    log_record(page, "transfer", amount="300", bin_="621700", last4="2222", voucher="000502")
    page.click("#view-register button[data-action=sync]")  # she tries anyway: it fails
    wait_until(page, lambda: page.evaluate("navigator.onLine") is False, "the browser is offline")
    states = _states(page)
    assert len(states) == 2 and set(states.values()) == {"queued"}
    assert banner_text(page).startswith("2 条待同步")
    assert ledger_rows(app) == []  # nothing got out
    # Make the last failure look like the tenth in a row: the retry timer and the minute
    # tick then wait five minutes, so only a forced sync (`online`) sends within the wait.
    page.evaluate(f"""async () => {{
        const store = await import('{STORE}');
        const status = await store.getSetting('sync_status');
        await store.setSetting('sync_status', {{ ...status, failures: 10, at: Date.now() }});
    }}""")
    phone.set_offline(False)  # fires `online`: no tap, no timer
    wait_until(page, lambda: set(_states(page).values()) == {"synced"}, "the outbox is sent")
    page.wait_for_selector("#view-register .outbox-count:has-text('全部已同步')")
    assert sorted(r["id"] for r in ledger_rows(app)) == sorted(states)


def test_answer_lost_after_commit_is_retried_by_the_timer_as_a_duplicate(app, world, chromium,
                                                                          gunicorn_server):
    """The server commits the push but its answer never reaches the phone (the route drops
    it). The outbox keeps the records queued; the retry timer (the page's clock is the
    test's) sends them again, the server answers "duplicate", and nothing is stored twice."""
    context = new_phone(chromium, gunicorn_server.url, service_workers="block")
    try:
        page = context.new_page()
        page.clock.install()
        answers = {"drop": True, "lost": 0, "delivered": 0}

        def lose_answers(route):
            response = route.fetch()  # the server stores the batch and answers ...
            if answers["drop"]:
                answers["lost"] += 1
                route.abort("connectionreset")  # ... and the answer is lost on the way
            else:
                answers["delivered"] += 1
                route.fulfill(response=response)

        sign_in(page, "keeper_a", factories.PASSWORD)
        page.wait_for_selector("#point-name:has-text('前进村')")
        page.route("**/api/v1/sync/push", lose_answers)
        log_record(page, "bill_payment", amount="45", voucher="DF0501")
        log_record(page, "withdrawal", quick="500", bin_="622848", last4="3333", voucher="000503")
        page.click("#view-register button[data-action=sync]")
        wait_until(page, lambda: len(ledger_rows(app)) == 2 and not page.evaluate(
            "document.querySelector('#view-register button[data-action=sync]').disabled"),
            "both records are committed and the sync gave up")
        states = _states(page)
        assert answers["lost"] >= 1 and answers["delivered"] == 0
        assert len(states) == 2 and set(states.values()) == {"queued"}  # the phone never heard back
        assert banner_text(page).startswith("2 条待同步")
        committed = sorted(r["id"] for r in ledger_rows(app))
        assert sorted(states) == committed
        answers["drop"] = False
        page.clock.run_for("05:00")  # the retry timer (backoff), not a tap
        wait_until(page, lambda: set(_states(page).values()) == {"synced"}, "the retry is answered")
        assert answers["delivered"] >= 1
        assert sorted(r["id"] for r in ledger_rows(app)) == committed  # stored once
        page.wait_for_selector("#view-register .outbox-count:has-text('全部已同步')")
    finally:
        context.close()
