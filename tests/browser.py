"""Shared helpers for the browser tests: the app served by a real gunicorn subprocess on
the test database (so a test can stop the server and start it again, which is how we
test "offline": Playwright's set_offline does not cut service-worker fetches in every
version), and Debian's Chromium driven by Playwright for Python.

Import the fixtures into a test module:
    from tests.browser import chromium, gunicorn_server, phone  # noqa: F401
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

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
# A keeper at her shop in 前进村 (point a1 of tests.factories.build_world).
SHOP_LOCATION = {"longitude": 122.3012, "latitude": 43.6011}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GunicornServer:
    """`gunicorn wsgi:app` on a fixed free port; stop() and start() keep the port, so the
    page and its service worker see the same origin come back."""

    def __init__(self, database_url: str, env=None):
        self.extra_env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.process = None
        self.log = ROOT / "tests" / "artifacts" / f"gunicorn-{self.port}.log"

    def start(self, timeout=30):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        env = dict(
            os.environ,
            DATABASE_URL=self.database_url,
            LOGIN_RATE_LIMIT="1000 per minute",
            PYTHONUNBUFFERED="1",
            **self.extra_env,
        )
        cmd = [
            sys.executable, "-m", "gunicorn",
            "--workers", "1", "--threads", "4",
            "--bind", f"127.0.0.1:{self.port}",
            "--graceful-timeout", "2",
            "--access-logfile", "-",
            # Each test server is its own: never take over the default control socket
            # that another gunicorn on this machine (make run, a benchmark) listens on.
            "--no-control-socket",
            "wsgi:app",
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout}s; see {self.log}")

    def stop(self):
        """Quick shutdown (SIGQUIT): open keep-alive connections from the browser must not
        keep the server alive; then make sure the port refuses connections."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None


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


def new_phone(chromium, base_url):
    """A fresh phone: its own storage, service worker and IndexedDB; zh-CN, Shanghai time,
    location permitted and set to the keeper's shop. The caller closes it."""
    context = chromium.new_context(
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


def screenshot(page, name):
    """Write docs/screenshots/<name>.png (used by the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def wait_for_service_worker(page):
    """Until the page is controlled by an activated service worker with the shell cached."""
    page.wait_for_function(
        "navigator.serviceWorker.controller !== null"
        " && navigator.serviceWorker.controller.state === 'activated'",
        timeout=45_000,  # the 2-core machine may be busy with other test runs
    )


def sign_in(page, username, password):
    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#view-register:not([hidden])")
