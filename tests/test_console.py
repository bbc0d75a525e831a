"""The console's page and the API additions it relies on (no browser): the page itself,
the role's permissions in /auth/me, sorting the point list, and the console never being
part of the keeper's precached shell."""
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_console_page_is_served_without_inline_code(client):
    for path in ("/console", "/console/"):
        resp = client.get(path)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "no-cache"
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    html = resp.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert re.search(r'<script type="module" src="/static/dist/console/main-[A-Z0-9]{8}\.js"></script>', html)
    assert re.search(r'<link rel="stylesheet" href="/static/dist/console/console-[A-Z0-9]{8}\.css">', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "style=" not in html and "<style" not in html
    for module in (STATIC / "js" / "console").glob("*.js"):
        source = module.read_text()
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source, module.name


def test_console_is_not_in_the_keepers_shell():
    sw = (STATIC / "sw.js").read_text()
    assert "/static/js/console/" not in sw and "console.css" not in sw
    # The register loads the console's routing only after a non-keeper signs in.
    app_js = (STATIC / "js" / "app.js").read_text()
    assert not re.search(r"^import .*console", app_js, re.M)
    assert "import('./console/home.js')" in app_js


def test_me_lists_the_roles_permissions(client, world, login):
    me = client.get("/api/v1/auth/me", headers=login("sup_a")).get_json()
    assert {"points.write", "users.write", "imports.run", "devices.revoke"} <= set(me["permissions"])
    assert "limits.write" not in me["permissions"]
    regulator = client.get("/api/v1/auth/me", headers=login("regulator")).get_json()
    assert "points.write" not in regulator["permissions"]
    assert {"alerts.publish", "limits.write", "ledger.read"} <= set(regulator["permissions"])
    token = client.post("/api/v1/auth/login", json={"username": "admin", "password": "test-password-1"})
    assert "banks.write" in token.get_json()["user"]["permissions"]


def test_points_sort(client, world, login):
    headers = login("admin")

    def names(sort=None):
        query = f"?sort={sort}" if sort else ""
        resp = client.get(f"/api/v1/service-points{query}", headers=headers)
        assert resp.status_code == 200, resp.get_json()
        return [p["name"] for p in resp.get_json()["items"]]

    by_place = names()
    assert by_place == names("place")
    assert names("name") == sorted(by_place)
    assert names("-name") == sorted(by_place, reverse=True)
    assert names("status")[-1] == "胜利村助农取款服务点"  # the one suspended point last
    resp = client.get("/api/v1/service-points?sort=bogus", headers=headers)
    assert resp.status_code == 422
    assert "sort" in resp.get_json()["error"]["fields"]


def test_maps_draw_no_basemap_unless_configured(client, monkeypatch):
    assert client.get("/console/config.json").get_json()["basemap"] is None
    monkeypatch.setenv("CONSOLE_BASEMAP_URL", "https://tiles.example/{z}/{x}/{y}.png")
    assert client.get("/console/config.json").get_json()["basemap"] == "https://tiles.example/{z}/{x}/{y}.png"
    # maplibre-gl is vendored from npm and loaded only by the console's map module.
    vendor = STATIC / "vendor" / "maplibre-gl"
    assert (vendor / "maplibre-gl.mjs").exists() and (vendor / "maplibre-gl-worker.mjs").exists()
    assert "maplibre" not in (STATIC / "sw.js").read_text()


def test_import_dry_run_checks_without_importing(client, world, login):
    import io

    headers = login("sup_a")
    csv = ("name,shop_name,keeper_name,village_code,lon,lat,services,merchant_code,terminal_code\n"
           "甲服务点,甲商店,张三,150502001001,122.30,43.60,取款,102150570110099,15050099\n")

    def post(**extra):
        data = {"bank_id": str(world.orgs["bank_a"]), "crs": "wgs84",
                "file": (io.BytesIO(csv.encode()), "points.csv"), **extra}
        return client.post("/api/v1/imports/service-points", data=data, headers=headers,
                           content_type="multipart/form-data")

    checked = post(dry_run="true")
    assert checked.status_code == 201, checked.get_json()
    body = checked.get_json()
    assert body["dry_run"] is True and body["checked"] == 1 and body["imported"] == 0
    assert body["terminals"] == 1 and body["point_ids"] == [] and body["audit_event_id"] is None
    assert client.get("/api/v1/service-points?q=甲服务点", headers=headers).get_json()["total"] == 0
    done = post()
    assert done.status_code == 201 and done.get_json()["imported"] == 1
    assert client.get("/api/v1/service-points?q=甲服务点", headers=headers).get_json()["total"] == 1


def test_the_downloadable_template_passes_the_check(client, world, login):
    """The CSV template the import page offers is a file the API accepts."""
    import io

    source = (STATIC / "js" / "console" / "imports.js").read_text()
    block = source[source.index("const TEMPLATE = ["):source.index("].join")]
    lines = re.findall(r"^\s*'([^']*)',?$", block, re.M)
    assert lines[0].startswith("name,shop_name,keeper_name")
    resp = client.post("/api/v1/imports/service-points", headers=login("sup_a"),
                       content_type="multipart/form-data", data={
                           "bank_id": str(world.orgs["bank_a"]), "dry_run": "true",
                           "file": (io.BytesIO("\r\n".join(lines).encode()), "template.csv")})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["checked"] == 1
