"""The coverage map page of the console (issue 10) in Debian's Chromium: villages and
points drawn from the vector tiles (requested with the user's bearer token), the region's
figures beside the map as the API gives them, drill-down, the uncovered villages and the
siting suggestions, for a bank supervisor on a 1440 px desktop and a regulator on a
390 px phone.

Screenshots for the README: docs/screenshots/console-coverage{,-phone}.png.
"""
import pytest
from sqlalchemy import text

from app.extensions import db
from tests.browser import ARTIFACTS, PHONE, SCREENSHOTS, screenshot
from tests.test_console_browser import DESKTOP, new_context, sign_in_console, watch_csp

pytestmark = pytest.mark.browser

# 前进村 (a1 inside) and 新华村 (b1 inside) are covered; 胜利村 has only the suspended a2
# and 团结村 is 8 km from b1: uncovered at the default 3 km.
POPULATION = {"150502001001": 1200, "150502001002": 900, "150521001001": 1500, "150521001002": 1100}


@pytest.fixture
def coverage_world(app, world):
    with app.app_context():
        for code, pop in POPULATION.items():
            db.session.execute(text("update regions set population = :p where code = :c"), {"p": pop, "c": code})
        db.session.commit()
        db.session.remove()
    return world


def watch_tiles(page):
    """Every /tiles request: (url, Authorization header, status)."""
    seen = []

    def on_response(response):
        if "/tiles/" in response.url:
            seen.append((response.url, response.request.headers.get("authorization"), response.status))

    page.on("response", on_response)
    return seen


def wait_for_map(page):
    page.wait_for_selector(".coverage-map[data-ready=true] canvas", timeout=25_000)


def rendered(page, layer):
    """Properties of the features MapLibre drew in a layer (the map hangs on its box)."""
    return page.evaluate(
        """(layer) => document.querySelector('.coverage-map').map
             .queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties)""", layer)


def api(page, path):
    return page.evaluate(
        """async (path) => {
            const s = JSON.parse(localStorage.getItem('zhunong.console.session'));
            const r = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + s.token } });
            return r.json();
        }""", path)


def open_coverage(page, hash_):
    page.evaluate("(h) => { location.hash = h; }", hash_)
    page.wait_for_selector("h1:has-text('覆盖情况')")
    wait_for_map(page)


@pytest.mark.parametrize("who", ["sup_a", "regulator"])
def test_coverage_page(app, coverage_world, chromium, gunicorn_server, who):
    viewport = DESKTOP if who == "sup_a" else PHONE
    context = new_context(chromium, gunicorn_server.url, viewport)
    try:
        page = context.new_page()
        violations = watch_csp(page)
        tiles = watch_tiles(page)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in_console(page, who)
        page.click("#nav a:has-text('覆盖地图')")
        page.wait_for_selector("h1:has-text('覆盖情况')")
        wait_for_map(page)
        # Nationwide: the province she may see, and a link down to it.
        page.click("table[data-table=children] a:has-text('内蒙古自治区')")
        page.wait_for_selector("nav.crumbs strong:has-text('内蒙古自治区')")
        wait_for_map(page)
        page.click("table[data-table=children] a:has-text('通辽市')")
        page.wait_for_selector("nav.crumbs strong:has-text('通辽市')")
        assert "region=1505" in page.url
        wait_for_map(page)

        # The tiles came with her token and were answered.
        page.wait_for_function(
            """() => document.querySelector('.coverage-map').map
                 .queryRenderedFeatures({ layers: ['villages-fill'] }).length >= 4""", timeout=30_000)
        assert tiles, "no tile requests"
        assert all(auth and auth.startswith("Bearer ") for _, auth, _ in tiles), tiles
        assert {status for _, _, status in tiles} <= {200, 304}, tiles  # so far
        assert any("/tiles/villages/" in url for url, _, _ in tiles)
        assert any("/tiles/points/" in url for url, _, _ in tiles)

        # What the map drew: Tongliao's four villages with their statuses; her points.
        villages = {p["code"]: p["status"] for p in rendered(page, "villages-fill")}
        assert villages == {"150502001001": "in_village", "150502001002": "uncovered",
                            "150521001001": "in_village", "150521001002": "uncovered"}
        points = sorted(p["name"] for p in rendered(page, "points"))
        expected = (["前进村助农取款服务点", "胜利村助农取款服务点"] if who == "sup_a" else
                    ["前进村助农取款服务点", "新华村助农取款服务点", "胜利村助农取款服务点"])
        assert points == expected

        # A click on a point opens its details.
        xy = page.evaluate("""() => { const m = document.querySelector('.coverage-map').map;
            const f = m.queryRenderedFeatures({ layers: ['points'] })
              .find((p) => p.properties.name === '前进村助农取款服务点');
            const p = m.project(f.geometry.coordinates);
            const r = m.getCanvas().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }""")
        page.mouse.click(*xy)
        page.wait_for_selector(".maplibregl-popup:has-text('前进村助农取款服务点') a[href^='#points/']")
        page.click(".maplibregl-popup-close-button")

        # The figures beside the map are the API's.
        figures = api(page, "/coverage?region=1505")
        panel = page.locator("[data-figures=region]").inner_text()
        assert f"{figures['coverage_rate'] * 100:.1f}%" in panel
        assert figures["villages"] == 4 and figures["covered_villages"] == 2
        rows = page.locator("table[data-table=children] tbody tr")
        assert rows.count() == len(figures["children"])
        banks = page.locator("table[data-table=banks] tbody tr")
        assert banks.count() == len(figures["banks"])

        # The legend hides a status; the uncovered villages list flies to one.
        page.uncheck(".legend input[value=uncovered]")
        page.wait_for_function(
            """() => document.querySelector('.coverage-map').map
                 .queryRenderedFeatures({ layers: ['villages-fill'] })
                 .every((f) => f.properties.status !== 'uncovered')""")
        page.check(".legend input[value=uncovered]")
        # Points by kind and by bank.
        page.uncheck(".legend input[name=points][value=suspended]")
        page.wait_for_function(
            """() => document.querySelector('.coverage-map').map
                 .queryRenderedFeatures({ layers: ['points'] })
                 .every((f) => f.properties.status === 'active')""")
        page.check(".legend input[name=points][value=suspended]")
        if who == "regulator":   # two banks' points in her region
            page.select_option(".legend select[name=bank]", label="中国邮政储蓄银行")
            page.wait_for_function(
                """() => { const names = document.querySelector('.coverage-map').map
                     .queryRenderedFeatures({ layers: ['points'] }).map((f) => f.properties.name);
                   return names.length === 1 && names[0] === '新华村助农取款服务点'; }""")
            page.select_option(".legend select[name=bank]", value="")
        else:                    # her own bank only: nothing to choose
            assert page.locator(".legend select[name=bank]").count() == 0
        uncovered = page.locator("#uncovered [data-village]")
        assert sorted(uncovered.all_inner_texts()) == ["团结村", "胜利村"]
        page.click("#uncovered [data-village='150502001002']")
        page.wait_for_function(
            """() => { const m = document.querySelector('.coverage-map').map;
                 return JSON.stringify(m.getFilter('villages-focus')).includes('150502001002')
                   && m.getZoom() >= 12 && !m.isMoving(); }""", timeout=20_000)

        # Siting suggestions: two, each with its reason, drawn on the map.
        page.fill("#cov-k", "2")
        page.click("#suggestions button[type=submit]")
        page.wait_for_selector("#suggestions li[data-suggestion]")
        items = page.locator("#suggestions li[data-suggestion]")
        assert 1 <= items.count() <= 2
        assert all(r.strip() for r in page.locator("#suggestions .reason").all_inner_texts())
        page.wait_for_function(
            """() => { const m = document.querySelector('.coverage-map').map;
                 return !m.isMoving() && m.queryRenderedFeatures({ layers: ['suggestions'] }).length >= 1; }""",
            timeout=20_000)
        page.wait_for_function(
            "() => document.querySelector('.coverage-map').map.areTilesLoaded()", timeout=20_000)
        if who == "regulator":   # the same page in English
            page.click("#lang")
            page.wait_for_selector("h1:has-text('Coverage')")
            page.wait_for_selector(".legend:has-text('Uncovered')")
            wait_for_map(page)
            page.click("#lang")
            page.wait_for_selector("h1:has-text('覆盖情况')")
            wait_for_map(page)
            page.click("#suggestions button[type=submit]")
            page.wait_for_selector("#suggestions li[data-suggestion]")
            page.wait_for_function(
                """() => { const m = document.querySelector('.coverage-map').map;
                     return !m.isMoving() && m.areTilesLoaded()
                       && m.queryRenderedFeatures({ layers: ['suggestions'] }).length >= 1; }""",
                timeout=20_000)
        page.evaluate("window.scrollTo(0, 0)")
        if who == "sup_a":       # the whole page: the lists and suggestions under the map
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "console-coverage.png"), full_page=True)
        else:
            screenshot(page, "console-coverage-phone")
            page.screenshot(path=str(ARTIFACTS / "console-coverage-phone-full.png"), full_page=True)
        assert not violations, violations
        assert not errors, errors

        if who == "regulator":
            # Drill down from the map: a click inside 前进村 (away from its point) opens
            # the village's details, with the way to its township's figures.
            page.evaluate("""() => document.querySelector('.coverage-map').map
                .jumpTo({ center: [122.27, 43.57], zoom: 12 })""")
            page.wait_for_function(
                """() => { const m = document.querySelector('.coverage-map').map;
                     return !m.isMoving() && m.areTilesLoaded(); }""", timeout=20_000)
            box = page.locator(".coverage-map canvas").bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_selector(".maplibregl-popup:has-text('前进村')")
            page.click(".maplibregl-popup a[href='#coverage?region=150502001']")
            page.wait_for_function("() => location.hash === '#coverage?region=150502001'")
            page.wait_for_selector("[data-figures=region]")
            township = api(page, "/coverage?region=150502001")
            assert township["villages"] == 2  # 前进村 and 胜利村

        if who == "sup_a":
            # Her session is revoked elsewhere: the next tiles answer 401 and she is asked
            # to sign in again, to come back to this page.
            page.evaluate("""async () => {
                const s = JSON.parse(localStorage.getItem('zhunong.console.session'));
                await fetch('/api/v1/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + s.token } });
                document.querySelector('.coverage-map').map.jumpTo({ center: [122.35, 43.6], zoom: 15 });
            }""")
            page.wait_for_selector("#view-signin:not([hidden])")
            assert "next=" in page.url and "coverage" in page.url
            assert any(status == 401 for _, _, status in tiles)
    finally:
        context.close()
