"""Lighthouse (from npm, pinned in package-lock.json) against Debian's Chromium: the four
scores of the keeper's register and of the console's main pages, with Lighthouse's mobile
emulation (its default: a mid-range phone on a throttled 4G network).

    make run                                   # the app with demo data on :8000
    .venv/bin/python scripts/lighthouse.py     # or --base URL --keeper U --console-user U --password P

It signs in once in a Chromium profile (the keeper through the register's own sign-in,
the supervisor's console session through the API), then points Lighthouse at that browser
with storage kept, so every page is measured as its user sees it. Prints one line per page;
--json writes every report's scores to a file. Targets (issue 9): accessibility >= 0.95,
best practices >= 0.95, performance >= 0.90.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 0.90, "accessibility": 0.95, "best-practices": 0.95}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(context, base, keeper, console_user, password):
    """The keeper in the register (IndexedDB), the console user's session (localStorage);
    returns the id of a service point the console user sees."""
    page = context.new_page()
    page.goto(f"{base}/")
    page.fill("input[name=username]", keeper)
    page.fill("input[name=password]", password)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#view-register:not([hidden])", timeout=30_000)
    point_id = page.evaluate(
        """async ([username, password]) => {
            const post = await fetch('/api/v1/auth/login', {method: 'POST',
                headers: {'Content-Type': 'application/json'}, body: JSON.stringify({username, password})});
            if (!post.ok) throw new Error('console sign-in: HTTP ' + post.status);
            const token = await post.json();
            localStorage.setItem('zhunong.console.session', JSON.stringify(
                {token: token.token, expires_at: token.expires_at, user: token.user}));
            const page = await (await fetch('/api/v1/service-points?limit=1',
                {headers: {Authorization: 'Bearer ' + token.token}})).json();
            return page.items[0].id;
        }""",
        [console_user, password],
    )
    page.close()
    return point_id


def lighthouse(url, port):
    out = subprocess.run(
        ["node", str(LIGHTHOUSE), url, f"--port={port}", "--disable-storage-reset",
         "--output=json", "--output-path=stdout", "--quiet",
         f"--only-categories={','.join(CATEGORIES)}"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"lighthouse {url}: {out.stderr.strip()[-800:]}")
    report = json.loads(out.stdout)
    return {c: report["categories"][c]["score"] for c in CATEGORIES}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--keeper", default="demo-keeper")
    parser.add_argument("--console-user", default="demo-supervisor")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "zhunong-demo-2026"))
    parser.add_argument("--json", help="also write the scores to this file")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    port = free_port()
    results = {}
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", f"--remote-debugging-port={port}"],
        )
        try:
            point = sign_in(context, args.base, args.keeper, args.console_user, args.password)
            pages = {
                "register": "/",
                "console: points": "/console/#points",
                "console: a point": f"/console/#points/{point}",
                "console: imports": "/console/#imports",
                "console: alerts": "/console/#alerts",
                "console: field work": "/console/#field/requests",
            }
            print(f"{'page':<20} " + " ".join(f"{c:>15}" for c in CATEGORIES))
            for name, path in pages.items():
                scores = lighthouse(args.base + path, port)
                results[name] = scores
                marks = " ".join(
                    f"{scores[c]:>14.2f}{'!' if c in TARGETS and scores[c] < TARGETS[c] else ' '}"
                    for c in CATEGORIES)
                print(f"{name:<20} {marks}", flush=True)
        finally:
            context.close()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    below = [(n, c) for n, s in results.items() for c, t in TARGETS.items() if s[c] < t]
    if below:
        print("below target (!): " + ", ".join(f"{n} {c}" for n, c in below))
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
