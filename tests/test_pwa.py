"""The PWA as files and HTTP answers (no browser): the shell, the built service worker and
its precache list, the manifest, the size budget, and the API reference page's assets.

static/sw.js and static/vendor/ come from `make frontend` (npm run build)."""
import gzip
import json
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "static"
SHELL_BUDGET = 150 * 1024
# Any absolute URL to another host in a shell or docs file would be a CDN dependency.
IMPORT = re.compile(r"""^import\s[^;]*?from\s+['"]([^'"]+)['"]""", re.M)
FOREIGN_URL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def precache():
    sw = STATIC / "sw.js"
    assert sw.exists(), "static/sw.js is missing: run `make frontend` (npm run build)"
    source = sw.read_text()
    assert "self.__WB_MANIFEST" not in source, "precache manifest was not injected"
    match = re.search(r"const MANIFEST = (\[.*?\]);", source)
    assert match, "no precache manifest in static/sw.js"
    return json.loads(match.group(1))


def test_shell_page_is_never_stale(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-cache"
    html = resp.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert '<script type="module" src="/static/js/app.js">' in html
    assert 'name="viewport"' in html


def test_service_worker_served_from_root_uncached(client, precache):
    resp = client.get("/sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["Cache-Control"] == "no-cache"
    body = resp.get_data(as_text=True)
    assert "zhunong-shell-" in body and "addEventListener('sync'" in body


def test_precache_lists_the_shell_with_revisions_and_every_file_answers(client, precache):
    urls = {entry["url"] for entry in precache}
    assert {"/", "/manifest.webmanifest", "/static/css/app.css", "/static/js/app.js",
            "/static/js/sync.js", "/static/js/store.js", "/static/vendor/idb/index.js"} <= urls
    # Developer pages and big libraries stay out of the keeper's shell.
    assert not any("swagger" in u or "api-docs" in u for u in urls)
    for entry in precache:
        assert re.fullmatch(r"[0-9a-f]{32}", entry["revision"]), entry
        resp = client.get(entry["url"])
        assert resp.status_code == 200, entry["url"]


def test_every_module_the_shell_imports_is_precached(precache):
    """An import missing from the precache would break the app offline."""
    urls = {entry["url"] for entry in precache}
    modules = [p for p in (STATIC / "js").glob("*.js") if p.name != "api-docs.js"]
    imports = 0
    for path in modules + [STATIC / "sw.js"]:
        if path.parent.name == "js":
            assert f"/static/js/{path.name}" in urls
        for target in IMPORT.findall(path.read_text()):
            imports += 1
            if not target.startswith("/"):
                target = "/" + (path.parent / target).resolve().relative_to(STATIC.parent).as_posix()
            assert target in urls, f"{path.name} imports {target}"
    assert imports >= 10


def test_shell_is_within_its_compressed_budget(precache):
    total = len(gzip.compress((STATIC / "sw.js").read_bytes(), 9))
    for entry in precache:
        if entry["url"].startswith("/static/icons/"):
            continue
        rel = "index.html" if entry["url"] == "/" else entry["url"].removeprefix("/").removeprefix("static/")
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


@pytest.mark.parametrize("name", ["index.html", "api-docs.html"])
def test_pages_load_nothing_from_other_hosts(name):
    assert not FOREIGN_URL.search((STATIC / name).read_text())


def test_missing_asset_is_404_not_500(client):
    assert client.get("/static/js/nope.js").status_code == 404
    assert client.get("/static/../app/config.py").status_code == 404
