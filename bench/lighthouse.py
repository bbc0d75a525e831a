"""Lighthouse on the keeper's register, signed in, as a keeper opens it on her phone.

    .venv/bin/python bench/lighthouse.py [--runs 5] [--reports DIR]

Lighthouse comes from npm with the front-end (a dev dependency pinned in package.json,
installed by `make frontend`); LIGHTHOUSE names another binary. Uses a scratch database
next to DATABASE_URL (created, migrated, given the test world and a risk alert, dropped at
the end), serves the app with gunicorn, signs keeper_a in with Debian's Chromium (so the
register, not the sign-in screen, is measured, with its service worker installed) and runs
Lighthouse's mobile emulation (Moto G Power, 4x CPU slowdown, slow 4G) against that
browser `--runs` times. Prints each run's performance, total blocking time, accessibility
and best practices, the audits below full marks, then the median run (Lighthouse's own
advice for a noisy machine: the median of five) and the worst of each figure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import DEFAULT_DATABASE_URL  # noqa: E402
from bench.sync_ingest import PASSWORD, prepare, scratch_database  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, SHOP_LOCATION  # noqa: E402
from tests.servers import GunicornServer, free_port  # noqa: E402

CATEGORIES = ("performance", "accessibility", "best-practices")
# Lighthouse 13's names (12.x: uses-long-cache-ttl, render-blocking-resources).
WATCHED = ("cache-insight", "render-blocking-insight")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reports", type=Path, help="keep each run's JSON report in this folder")
    args = parser.parse_args()
    lighthouse = os.environ.get("LIGHTHOUSE", str(ROOT / "node_modules" / ".bin" / "lighthouse"))
    if not Path(lighthouse).exists():
        sys.exit(f"no Lighthouse at {lighthouse}: run `make frontend` (npm ci) or set LIGHTHOUSE")

    url, admin = scratch_database(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    server = None
    try:
        prepare(url, 1)
        add_alert(url)
        server = GunicornServer(url, threads=4).start()
        rows = measure(server.url, lighthouse, args.runs, args.reports)
    finally:
        if server:
            server.stop()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    print(f"{'run':>6} {'perf':>6} {'TBT ms':>8} {'a11y':>6} {'bp':>6}")
    for i, r in enumerate(rows, 1):
        print(line(str(i), r))
    print(line("median", median_run(rows)))
    worst = {c: min(r[c] for r in rows) for c in CATEGORIES}
    print(f"worst: performance {worst['performance']:.2f}, total blocking time {max(r['tbt'] for r in rows):.0f} ms, "
          f"accessibility {worst['accessibility']:.2f}, best practices {worst['best-practices']:.2f}")
    # The issue's two asks in Lighthouse's words: long-lived caching, nothing render-blocking.
    for audit in WATCHED:
        below = [str(i) for i, r in enumerate(rows, 1) if audit in r["failed"]]
        print(f"{audit}: {'below full marks in run ' + ', '.join(below) if below else 'full marks in every run'}")


def line(label, r):
    return (f"{label:>6} {r['performance']:>6.2f} {r['tbt']:>8.0f} {r['accessibility']:>6.2f} "
            f"{r['best-practices']:>6.2f}")


def median_run(rows):
    """The run whose performance score is the median (ties: by total blocking time)."""
    return sorted(rows, key=lambda r: (r["performance"], -r["tbt"]))[len(rows) // 2]


def add_alert(url):
    """The regulator's warning the demo keeper sees (as in the README's screenshots)."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db

    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        db.session.execute(text(
            "insert into risk_alerts (title, body, region_prefix) values"
            " ('警惕冒充客服退款诈骗', '有人自称客服要求转账“退款”，请提醒村民先打银行电话核实。', '1505')"))
        db.session.commit()
        db.session.remove()


def measure(base_url, lighthouse, runs, reports=None):
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        def browser(port=None):
            # One Chromium profile for signing in and for every run: the session in
            # IndexedDB and the installed service worker stay, so Lighthouse loads the
            # register as she opens it every morning.
            return p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM,
                args=[*CHROMIUM_ARGS, *([f"--remote-debugging-port={port}"] if port else [])],
                locale="zh-CN", timezone_id="Asia/Shanghai", geolocation=SHOP_LOCATION,
                permissions=["geolocation"], base_url=base_url)

        context = browser()
        page = context.pages[0] if context.pages else context.new_page()
        page.goto("/")
        page.fill("input[name=username]", "keeper_a")
        page.fill("input[name=password]", PASSWORD)
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("#view-register .outbox-count:has-text('全部已同步')", timeout=60_000)
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
        context.close()
        folder = reports or Path(profile) / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(runs):
            # A fresh browser on that profile for each run (as Lighthouse itself does): in a
            # browser reused across runs, the renderer's heap grows with every run, and the
            # profiler Lighthouse attaches walks all of it before the page commits -- a
            # blocking task that is Lighthouse's, not the page's, and longer each run.
            port = free_port()
            context = browser(port)
            try:
                out = folder / f"lighthouse-{i + 1}.json"
                subprocess.run(
                    [lighthouse, f"{base_url}/", f"--port={port}", "--disable-storage-reset",
                     "--only-categories=" + ",".join(CATEGORIES), "--output=json",
                     f"--output-path={out}", "--quiet", *(["--save-assets"] if reports else [])],
                    check=True, timeout=300)
            finally:
                context.close()
            report = json.loads(out.read_text())
            row = {c: report["categories"][c]["score"] for c in CATEGORIES}
            row["tbt"] = report["audits"]["total-blocking-time"]["numericValue"]
            row["failed"] = [a for a, v in report["audits"].items()
                             if v.get("score") is not None and v["score"] < 1
                             and v.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
            print(f"run {i + 1}: below full marks: {', '.join(sorted(row['failed'])) or 'none'}", flush=True)
            rows.append(row)
    return rows


if __name__ == "__main__":
    main()
