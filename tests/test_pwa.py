"""The PWA as files and HTTP answers (no browser): the shell, the built service worker and
its precache list, the manifest, the size budget, HTTP caching of the built files, and the
API reference page's assets.

static/sw.js, static/vendor/ and static/dist/ come from `make frontend` (npm run build)."""
import base64
import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "static"
DIST = STATIC / "dist"
SHELL_BUDGET = 150 * 1024
# Static and dynamic imports of the built (minified) modules: `from"./x.js"`, `import("./x.js")`.
IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["']([^"']+\.js)["']""")
# Any absolute URL to another host in a shell or docs file would be a CDN dependency.
FOREIGN_URL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)
HASHED_NAME = re.compile(r"/static/dist/[\w/-]+-[A-Z0-9]{8}\.(?:js|css|svg|png)")
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def precache():
    sw = STATIC / "sw.js"
    assert sw.exists(), "static/sw.js is missing: run `make frontend` (npm run build)"
    source = sw.read_text()
    assert "self.__WB_MANIFEST" not in source, "precache manifest was not injected"
    match = re.search(r"(?:const|var|let) MANIFEST = (\[.*?\]);", source)
    assert match, "no precache manifest in static/sw.js"
    return json.loads(match.group(1))


def test_shell_page_is_never_stale(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-cache"
    html = resp.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert re.search(r'<script type="module" src="/static/dist/assets/app-[A-Z0-9]{8}\.js">', html)
    assert 'name="viewport"' in html


def test_shell_page_inlines_its_stylesheet_allowed_by_hash(client):
    """Nothing render-blocking: the register's stylesheet is in the page, and the CSP allows
    exactly that <style> by its hash (never 'unsafe-inline')."""
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    assert 'rel="stylesheet"' not in html
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 1 and ".save-bar" in styles[0]
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    csp = resp.headers["Content-Security-Policy"]
    assert f"style-src 'self' 'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp


def test_hashed_files_are_immutable_and_entry_points_are_not(client, precache):
    """The built files named by their content are cached for a year without revalidation;
    the pages, the worker and the manifest are revalidated each time, and the unhashed
    files (sources, vendored libraries, icons) are kept for an hour only."""
    pages = [client.get("/").get_data(as_text=True), client.get("/console/").get_data(as_text=True)]
    hashed = {url for html in pages for url in HASHED_NAME.findall(html)}
    hashed |= {e["url"] for e in precache if e["url"].startswith("/static/dist/")}
    assert any(u.endswith(".js") for u in hashed) and any(u.endswith(".css") for u in hashed)
    for url in sorted(hashed):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["Cache-Control"] == IMMUTABLE, url
    for url in ("/", "/console/", "/sw.js", "/manifest.webmanifest", "/static/dist/index.html"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["Cache-Control"] == "no-cache", url
    for url in ("/static/js/store.js", "/static/js/field-store.js", "/static/css/app.css",
                "/static/vendor/idb/index.js", "/static/icons/icon-192.png"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["Cache-Control"] == "public, max-age=3600", url


def test_service_worker_served_from_root_uncached(client, precache):
    resp = client.get("/sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["Cache-Control"] == "no-cache"
    body = resp.get_data(as_text=True)
    assert "zhunong-shell-" in body and re.search(r"""addEventListener\(["']sync["']""", body)
    assert not IMPORT.search(body), "the worker is one file: /sw.js alone tells of an update"


def test_precache_lists_the_shell_with_revisions_and_every_file_answers(client, precache):
    urls = {entry["url"] for entry in precache}
    assert {"/", "/manifest.webmanifest"} <= urls
    # Every file of the register's build, and none of the unhashed sources.
    built = {"/static/" + p.relative_to(STATIC).as_posix() for p in (DIST / "assets").iterdir()}
    assert built and built <= urls
    assert not any(u.startswith(("/static/js/", "/static/css/")) for u in urls)
    # Developer pages, the console and big libraries stay out of the keeper's shell.
    assert not any("swagger" in u or "api-docs" in u or "console" in u for u in urls)
    for entry in precache:
        assert re.fullmatch(r"[0-9a-f]{32}", entry["revision"]), entry
        resp = client.get(entry["url"])
        assert resp.status_code == 200, entry["url"]


def test_every_module_the_shell_imports_is_precached(client, precache):
    """An import missing from the precache would break the app offline: from the page's
    entry module, every module it imports, now or when needed, is precached."""
    urls = {entry["url"] for entry in precache}
    html = (DIST / "index.html").read_text()
    entry = re.search(r'<script type="module" src="([^"]+)"', html).group(1)
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)"', html)
    seen, todo, imports = set(), [entry, *preloads], 0
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        assert url in urls, f"{url} is not precached"
        for target in IMPORT.findall((STATIC / url.removeprefix("/static/")).read_text()):
            imports += 1
            todo.append(target if target.startswith("/") else (Path(url).parent / target).as_posix())
    assert imports >= 3 and len(seen) >= 3
    # The field screens are a chunk of their own, loaded only for a field worker.
    field = [u for u in seen if "zhunong-field" in (STATIC / u.removeprefix("/static/")).read_text()]
    assert field and entry not in field and not set(field) & set(preloads)


def test_shell_is_within_its_compressed_budget(precache):
    total = len(gzip.compress((STATIC / "sw.js").read_bytes(), 9))
    for entry in precache:
        if entry["url"].endswith((".png", ".svg")):
            continue
        rel = "dist/index.html" if entry["url"] == "/" else entry["url"].removeprefix("/").removeprefix("static/")
        total += len(gzip.compress((STATIC / rel).read_bytes(), 9))
    assert total <= SHELL_BUDGET, f"shell is {total / 1024:.1f} KB gzip"


def test_web_app_manifest_makes_it_installable(client):
    resp = client.get("/manifest.webmanifest")
    assert resp.status_code == 200
    assert resp.mimetype == "application/manifest+json"
    manifest = json.loads(resp.get_data(as_text=True))
    assert manifest["lang"] == "zh-CN" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]


def test_api_reference_page_is_served_from_local_assets(client):
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)""", html):
        assert client.get(asset).status_code == 200, asset
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "'/api/v1/openapi.json'" in (STATIC / "js" / "api-docs.js").read_text()
    assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize("name", ["index.html", "api-docs.html", "dist/index.html", "dist/console/index.html"])
def test_pages_load_nothing_from_other_hosts(name):
    assert not FOREIGN_URL.search((STATIC / name).read_text())


def test_missing_asset_is_404_not_500(client):
    assert client.get("/static/js/nope.js").status_code == 404
    assert client.get("/static/../app/config.py").status_code == 404
