"""Shared helpers for the browser tests: the app served by a real gunicorn subprocess on
the test database (so a test can stop the server and start it again, which is how we
test "offline": Playwright's set_offline does not cut service-worker fetches in every
version), and Debian's Chromium driven by Playwright for Python.

The fixtures (chromium, gunicorn_server, phone) reach every test module through
`pytest_plugins` in conftest.py. Do not import them into a module: an imported fixture
is a second definition, and a second session-wide Playwright cannot start beside the
first.
"""
import time
from pathlib import Path

import pytest

from tests import servers

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# `playwright install` cannot download browsers here; Debian's build is driven directly.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ROOT / "docs" / "screenshots"
ARTIFACTS = ROOT / "tests" / "artifacts"
# A keeper at her shop in 前进村 (point a1 of tests.factories.build_world).
SHOP_LOCATION = {"longitude": 122.3012, "latitude": 43.6011}


class GunicornServer(servers.GunicornServer):
    """The browser tests' server: 4 threads for the page's parallel fetches and the
    service worker's, and its log kept under tests/artifacts for a failed run."""

    def __init__(self, database_url, env=None):
        port = servers.free_port()
        super().__init__(database_url, threads=4, env=env, port=port,
                         log=ARTIFACTS / f"gunicorn-{port}.log")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def gunicorn_server(app, database_url):
    """The app in gunicorn on the (migrated) test database; stopped after the test."""
    server = GunicornServer(database_url).start()
    yield server
    server.stop()


@pytest.fixture
def phone(chromium, gunicorn_server):
    """A fresh phone on the test's server (see new_phone)."""
    context = new_phone(chromium, gunicorn_server.url)
    yield context
    context.close()


def new_phone(chromium, base_url, **options):
    """A fresh phone: its own storage, service worker and IndexedDB; zh-CN, Shanghai time,
    location permitted and set to the keeper's shop. The caller closes it. Other options
    go to new_context (service_workers="block" lets page.route see every request)."""
    context = chromium.new_context(
        **options,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation=SHOP_LOCATION,
        permissions=["geolocation"],
        base_url=base_url,
    )
    context.set_default_timeout(15_000)
    return context


# The register's IndexedDB stores as its first two versions made them (before `acks`), for
# the upgrade tests to build an old phone's store by hand: the body of onupgradeneeded.
OLD_REGISTER_STORES = """
          const db = open.result;
          db.createObjectStore('settings');
          db.createObjectStore('entries', { keyPath: 'id' }).createIndex('saved_at', 'saved_at');
          db.createObjectStore('states', { keyPath: 'id' }).createIndex('state', 'state');
        """


def screenshot(page, name):
    """Write docs/screenshots/<name>.png (used by the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def wait_for_service_worker(page):
    """Until the page is controlled by an activated service worker with the shell cached."""
    page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null"
        " && navigator.serviceWorker.controller.state === 'activated'",
        timeout=45_000,  # the 2-core machine may be busy with other test runs
    )


def sign_in(page, username, password, home="#view-register:not([hidden])"):
    """Sign in on the phone's sign-in screen and wait for her home (a keeper's register
    unless `home` names another)."""
    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector(home)


def load_probes(page, *modules):
    """The tests read and write the phone's IndexedDB through the unhashed source modules
    (/static/js/store.js and what it imports), which the page itself never loads (it runs
    the built bundle) and the service worker does not precache: fetched once while the
    server answers, they come from the HTTP cache (an hour) with no signal."""
    for module in modules or ("/static/js/store.js",):
        page.evaluate(f"async () => {{ await import('{module}'); }}")


def wait_until(page, condition, what, timeout=30):
    """Poll a condition while Playwright keeps dispatching the browser's events."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        page.wait_for_timeout(50)


def background_sync(context, origin):
    """Fire the service worker's Background Sync event (tag `outbox`) as Chromium does when
    the network comes back, with no page of the app open; returns the blank page used to
    reach the worker (keep polling through it)."""
    blank = context.new_page()
    cdp = context.new_cdp_session(blank)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    wait_until(blank, lambda: any(not r.get("isDeleted") for r in registrations), "the worker is listed")
    registration = next(r for r in registrations if not r.get("isDeleted"))
    cdp.send("ServiceWorker.dispatchSyncEvent", {
        "origin": origin, "registrationId": registration["registrationId"],
        "tag": "outbox", "lastChance": False,
    })
    return blank
