"""Security headers on every route of the URL map, API answers never cached, no inline
script or style in the pages (so the CSP needs no 'unsafe-inline')."""
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "static"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "1", rule.rule)
        if "filename" in rule.arguments:
            url = rule.rule.replace("<path:filename>", "js/app.js")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


def _check(resp, url):
    for name, value in ALWAYS.items():
        assert resp.headers.get(name) == value, (url, name)
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "Server" not in resp.headers or "gunicorn" not in resp.headers["Server"].lower()
    if url.startswith("/api") or url == "/healthz":
        assert resp.headers["Cache-Control"] == "no-store", url
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP here


def test_every_route_answers_with_the_security_headers(app, client, world, login):
    headers = login("admin")
    seen = 0
    for method, url in _routes(app):
        body = {} if method in ("POST", "PATCH", "PUT") else None
        for auth in ({}, headers):
            resp = client.open(url, method=method, json=body, headers=auth)
            _check(resp, url)
            seen += 1
    assert seen > 40
    # And on answers the router itself gives.
    _check(client.get("/api/v1/no-such-thing"), "/api/v1/no-such-thing")
    _check(client.get("/no-such-page"), "/no-such-page")


def test_hsts_over_https(client):
    resp = client.get("/healthz", base_url="https://localhost")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("page", sorted(p.name for p in STATIC.glob("*.html")))
def test_pages_have_no_inline_script_or_style(page):
    html = (STATIC / page).read_text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, (page, tag)
    for content in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S):
        assert not content.strip(), page
    assert "<style" not in html and " style=" not in html, page
    assert not re.search(r"\son[a-z]+=", html), page  # no inline event handlers


@pytest.mark.parametrize("path", ["/", "/console/"])
def test_built_pages_have_no_inline_script_and_only_hashed_styles(client, path):
    """The built pages: no inline script, no style attribute or inline handler; the
    register's inlined stylesheet is the one <style>, allowed by its hash in the page's CSP."""
    import base64
    import hashlib

    resp = client.get(path)
    html = resp.get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, (path, tag)
    for content in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S):
        assert not content.strip(), path
    assert " style=" not in html and not re.search(r"\son[a-z]+=", html), path
    csp = resp.headers["Content-Security-Policy"]
    allowed = set(re.findall(r"'(sha256-[A-Za-z0-9+/=]+)'", csp))
    styles = {"sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
              for css in re.findall(r"<style>(.*?)</style>", html, re.S)}
    assert styles == allowed, path
    assert (path == "/") == bool(styles)


@pytest.mark.browser
def test_the_pwa_and_the_api_reference_work_under_the_csp(app, world, chromium, gunicorn_server):
    """Chromium enforces the policy: the keeper signs in and the reference page draws the
    API, and the browser reports no violation on either page."""
    from tests.browser import sign_in
    from tests.factories import PASSWORD

    context = chromium.new_context(base_url=gunicorn_server.url)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    sign_in(page, "keeper_a", PASSWORD)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path:has-text('/api/v1/sync/push')", timeout=20_000)
    context.close()
    assert violations == []
