"""A keeper acknowledges a risk alert from her register, offline: the acknowledgement is
kept on the phone (through a reload with no server), shown as 已确认, and reaches the
server with her next sync as one `alert_ack` record, once."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from app.extensions import db
from tests import factories
from tests.browser import (
    OLD_REGISTER_STORES, background_sync, load_probes, screenshot, sign_in, wait_for_service_worker,
    wait_until)

pytestmark = pytest.mark.browser

STORE = "/static/js/store.js"
TITLE = "警惕冒充客服退款诈骗"
LATIN = re.compile(r"[A-Za-z]")

# The alert's controls and words (its title and body are the publisher's, left out).
ALERT_UI = """() => [...document.querySelectorAll('#alert-list .alert-foot *, #alerts h2')]
  .filter((e) => e.checkVisibility() && e.children.length === 0)
  .map((e) => { const r = e.getBoundingClientRect();
                return { tag: e.tagName, text: e.textContent.trim(), w: r.width, h: r.height }; })"""


def publish_alert(app, title=TITLE, prefix="1505"):
    with app.app_context():
        alert_id = db.session.execute(text(
            "insert into risk_alerts (title, body, region_prefix) values"
            " (:title, '有人自称客服要求转账“退款”，请提醒村民先打银行电话核实。', :prefix)"
            " returning id"), {"title": title, "prefix": prefix}).scalar()
        db.session.commit()
        db.session.remove()
    return alert_id


def ack_rows(app):
    with app.app_context():
        rows = db.session.execute(text(
            "select id::text, alert_id, user_id from alert_acks")).mappings().all()
        db.session.remove()
    return [dict(r) for r in rows]


def local_acks(page):
    return page.evaluate(f"""async () => {{
        const store = await import('{STORE}');
        return (await store.db()).getAll('acks');
    }}""")


def alert_item(page, alert_id):
    return page.locator(f"#alert-list li[data-alert-id='{alert_id}']")


def keeper_with_alert(phone, alert_id):
    """keeper_a signed in on a phone with the app installed and the store's module loaded,
    her alert on screen still asking to be read: (page, the alert's item)."""
    page = phone.new_page()
    sign_in(page, "keeper_a", factories.PASSWORD)
    wait_for_service_worker(page)
    load_probes(page)
    item = alert_item(page, alert_id)
    item.locator("button[data-action=ack-alert]").wait_for()
    return page, item


def test_keeper_acknowledges_an_alert_offline_and_it_arrives_once(app, world, phone, gunicorn_server):
    alert_id = publish_alert(app)
    other_id = publish_alert(app, title="警惕冒充公检法诈骗")
    page, item = keeper_with_alert(phone, alert_id)
    assert item.locator("button[data-action=ack-alert]").inner_text() == "已阅读，确认"
    # In zh-CN no Latin letter in the alert's controls, and each is a thumb's size.
    for ui in page.evaluate(ALERT_UI):
        assert not LATIN.search(ui["text"]), ui
        if ui["tag"] == "BUTTON":
            assert ui["w"] >= 48 and ui["h"] >= 48, ui

    gunicorn_server.stop()  # no signal in the village
    item.locator("button[data-action=ack-alert]").click()
    item.locator(".badge.alert-acked:has-text('已确认')").wait_for()
    assert item.locator("button[data-action=ack-alert]").count() == 0
    # The other alert still asks.
    assert alert_item(page, other_id).locator("button[data-action=ack-alert]").count() == 1
    screenshot(page, "register-alert-acked")
    [saved] = local_acks(page)
    assert (saved["alert_id"], saved["user_id"], saved["state"]) == (alert_id, world.users["keeper_a"], "queued")
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", saved["acked_at"])
    page.wait_for_selector("#view-register button[data-action=sync]:not([disabled])")

    # Reload with the server still down: the service worker serves the app, IDB the ack.
    page.reload()
    page.wait_for_selector("#view-register:not([hidden])")
    item = alert_item(page, alert_id)
    item.locator(".badge.alert-acked:has-text('已确认')").wait_for()
    assert item.locator("button[data-action=ack-alert]").count() == 0
    assert [a["id"] for a in local_acks(page)] == [saved["id"]]
    # Still on the phone only: the banner counts it as waiting, never "all synced".
    banner = page.locator("#view-register .outbox-banner .outbox-count")
    assert banner.inner_text().startswith("1 条"), banner.inner_text()
    # A tap on the phone's other copy of the screen cannot queue a second one.
    page.evaluate(f"""async () => {{
        const store = await import('{STORE}');
        await store.acknowledgeAlert({world.users["keeper_a"]}, {alert_id}, '2026-01-01T08:00:00+08:00');
    }}""")
    assert [a["id"] for a in local_acks(page)] == [saved["id"]]
    assert ack_rows(app) == []

    # English: the same controls in English words.
    # The alert list is redrawn from IndexedDB after the switch: wait for the words.
    page.click("#lang")
    expect(item.locator(".badge.alert-acked")).to_have_text("Acknowledged")
    expect(alert_item(page, other_id).locator("button[data-action=ack-alert]")).to_have_text("Read: acknowledge")
    page.click("#lang")
    expect(item.locator(".badge.alert-acked")).to_have_text("已确认")

    gunicorn_server.start()
    page.click("#view-register button[data-action=sync]")
    wait_until(page, lambda: [a["state"] for a in local_acks(page)] == ["synced"], "the server answered")
    assert ack_rows(app) == [{"id": saved["id"], "alert_id": alert_id, "user_id": world.users["keeper_a"]}]
    item.locator(".badge.alert-acked:has-text('已确认')").wait_for()
    page.wait_for_selector("#view-register .outbox-banner.clear")

    # Further syncs send nothing more; it stays acknowledged after the server's answer.
    page.wait_for_selector("#view-register button[data-action=sync]:not([disabled])")
    page.click("#view-register button[data-action=sync]")
    page.wait_for_selector("#view-register button[data-action=sync]:not([disabled])")
    page.reload()
    page.wait_for_selector("#view-register:not([hidden])")
    alert_item(page, alert_id).locator(".badge.alert-acked").wait_for()
    assert len(ack_rows(app)) == 1


def test_background_sync_sends_the_acknowledgement_with_the_app_closed(app, world, phone, gunicorn_server):
    """The service worker's 'outbox' sync (Chromium's DevTools protocol fires it on demand,
    with the page closed) takes the acknowledgement along."""
    alert_id = publish_alert(app)
    page, item = keeper_with_alert(phone, alert_id)
    gunicorn_server.stop()
    item.locator("button[data-action=ack-alert]").click()
    item.locator(".badge.alert-acked").wait_for()
    [saved] = local_acks(page)
    page.close()  # she put the phone away

    gunicorn_server.start()
    blank = background_sync(phone, gunicorn_server.url)
    wait_until(blank, lambda: len(ack_rows(app)) == 1, "the acknowledgement reached the server")
    assert ack_rows(app) == [{"id": saved["id"], "alert_id": alert_id, "user_id": world.users["keeper_a"]}]


def test_store_upgrade_to_acks_keeps_the_queued_ledger(app, world, phone):
    """A phone on the second version of the local store, with records still queued: the
    upgrade adds the acks store and leaves every record, state and setting as it was."""
    page = phone.new_page()
    page.goto("/manifest.webmanifest")  # same origin, and no app code opens the store
    page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('zhunong-register', 2);
        open.onupgradeneeded = () => {""" + OLD_REGISTER_STORES + """};
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['entries', 'states', 'settings'], 'readwrite');
          for (const [id, state, at] of [['q1', 'queued', 1000], ['q2', 'queued', 2000], ['s1', 'synced', 500]]) {
            tx.objectStore('entries').add({ id, user_id: 7, saved_at: at, data: { kind: 'withdrawal' } });
            tx.objectStore('states').add({ id, user_id: 7, state, since: at });
          }
          tx.objectStore('settings').put('dev-1', 'device_id');
          tx.oncomplete = () => { db.close(); resolve(); };
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
    })""")
    result = page.evaluate(f"""async () => {{
        const store = await import('{STORE}');
        const db = await store.db();
        const before = (await store.queuedEntries(7)).map((e) => e.id);
        await store.acknowledgeAlert(7, 41, '2026-03-01T08:00:00+08:00');
        return {{ version: db.version, stores: [...db.objectStoreNames].sort(), queued: before,
                  summary: await store.outboxSummary(7), device: await store.deviceId(),
                  acks: (await store.queuedAlertAcks(7)).map((a) => a.alert_id) }};
    }}""")
    assert result["version"] == 3
    assert result["stores"] == ["acks", "entries", "settings", "states"]
    assert result["queued"] == ["q1", "q2"]
    assert result["summary"] == {"waiting": 2, "oldest": 1000, "refused": 0}  # acks are not records
    assert result["device"] == "dev-1"
    assert result["acks"] == [41]
