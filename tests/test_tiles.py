"""Vector tiles: decoded with GDAL's MVT driver (gdal-bin), checked for the right
features, the user's scope, cache headers and bad addresses."""
import json
import math
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("ogr2ogr") is None,
                                reason="gdal-bin missing (scripts/system-deps.sh installs it)")


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def decode(data, z, x, y, layer, tmp_path):
    """The features of one layer of a tile, as GeoJSON, through GDAL's MVT driver."""
    path = tmp_path / f"{layer}-{z}-{x}-{y}.mvt"
    path.write_bytes(data)
    out = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "-t_srs", "EPSG:4326", "/vsistdout/", str(path), layer,
         "-oo", f"Z={z}", "-oo", f"X={x}", "-oo", f"Y={y}"],
        capture_output=True, text=True, check=True, timeout=60,
    )
    return json.loads(out.stdout)["features"]


def get(client, headers, layer, z, x, y, **extra):
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", headers={**headers, **extra})


def test_points_tile_has_the_users_points_only(client, login, world, tmp_path):
    # One zoom-7 tile holds Tongliao's three points: a1 and a2 (bank A), b1 (bank B).
    z, x, y = tile_of(122.35, 43.6, 7)
    admin = get(client, login("admin"), "points", z, x, y)
    assert admin.status_code == 200
    assert admin.mimetype == "application/vnd.mapbox-vector-tile"
    features = decode(admin.data, z, x, y, "points", tmp_path)
    by_name = {f["properties"]["name"]: f for f in features}
    assert set(by_name) == {"前进村助农取款服务点", "胜利村助农取款服务点", "新华村助农取款服务点"}
    assert by_name["胜利村助农取款服务点"]["properties"]["status"] == "suspended"
    # The head office of each point's bank, as the figures' by-bank lines name it.
    assert by_name["胜利村助农取款服务点"]["properties"]["head_bank_id"] == world.orgs["bank_a"]
    assert by_name["新华村助农取款服务点"]["properties"]["head_bank_id"] == world.orgs["bank_b"]
    lon, lat = by_name["前进村助农取款服务点"]["geometry"]["coordinates"]
    assert lon == pytest.approx(122.301, abs=0.02) and lat == pytest.approx(43.601, abs=0.02)

    def names(user):
        data = get(client, login(user), "points", z, x, y).data
        return sorted(f["properties"]["name"] for f in decode(data, z, x, y, "points", tmp_path))

    assert names("sup_b") == ["新华村助农取款服务点"]
    assert names("sup_a") == ["前进村助农取款服务点", "胜利村助农取款服务点"]
    assert names("grid_a") == ["前进村助农取款服务点"]
    # Nothing in scope here: an empty tile, answered with no body.
    z2, x2, y2 = tile_of(123.40, 41.70, 7)
    empty = get(client, login("regulator"), "points", z2, x2, y2)
    assert empty.status_code == 200 and empty.data == b""


def test_villages_tile_carries_coverage_status(client, login, world, tmp_path):
    z, x, y = tile_of(122.35, 43.6, 7)
    features = decode(get(client, login("regulator"), "villages", z, x, y).data, z, x, y,
                      "villages", tmp_path)
    status = {f["properties"]["name"]: f["properties"]["status"] for f in features}
    # 前进村 and 新华村 have an active point inside; 胜利村's own point is suspended and a1
    # is 0.049 deg (4 km) from its west edge, beyond 3 km; 团结村 likewise from b1.
    assert status == {"前进村": "in_village", "胜利村": "uncovered", "新华村": "in_village",
                      "团结村": "uncovered"}
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}

    # The regulator of Tongliao sees no village of Shenyang.
    z2, x2, y2 = tile_of(123.40, 41.70, 7)
    assert get(client, login("regulator"), "villages", z2, x2, y2).data == b""
    assert decode(get(client, login("admin"), "villages", z2, x2, y2).data, z2, x2, y2,
                  "villages", tmp_path)[0]["properties"]["name"] == "长白村"


def test_etag_revalidation_and_change(client, login, world):
    headers = login("admin")
    z, x, y = tile_of(122.35, 43.6, 12)
    first = get(client, headers, "points", z, x, y)
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, max-age=60"
    again = get(client, headers, "points", z, x, y, **{"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    # Another user has another scope, so another tag.
    assert get(client, login("sup_a"), "points", z, x, y).headers["ETag"] != tag
    # A change of any point changes the data version: the old tag no longer matches.
    client.post(f"/api/v1/service-points/{world.points['a1']}/suspend", json={"reason": "装修"},
                headers=headers)
    changed = get(client, headers, "points", z, x, y, **{"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_low_zoom_tile_served_from_cache_is_the_same(client, login, world):
    headers = login("admin")
    first = get(client, headers, "points", 2, 3, 1)
    second = get(client, headers, "points", 2, 3, 1)
    assert first.data == second.data and len(first.data) > 0


@pytest.mark.parametrize("address, status, field", [
    ("points/21/0/0.mvt", 422, "z"),           # zoom out of range
    ("points/3/8/0.mvt", 422, "x"),            # outside the zoom-3 grid
    ("points/3/0/8.mvt", 422, "y"),
    ("points/3/-1/0.mvt", 422, "x"),
    ("points/3/a/0.mvt", 422, "x"),
    ("points/3/0/0.png", 404, None),
    ("roads/3/0/0.mvt", 404, None),            # unknown layer
    ("points/99999999999/0/0.mvt", 422, "z"),
    ("points/3/0", 404, None),                 # no such path: JSON all the same
])
def test_bad_tile_addresses(client, login, world, address, status, field):
    resp = client.get(f"/tiles/{address}", headers=login("admin"))
    assert resp.status_code == status
    body = resp.get_json()
    assert "error" in body
    if field:
        assert field in body["error"]["fields"]


def test_tiles_need_a_sign_in_and_a_map_role(client, login, world):
    assert client.get("/tiles/points/0/0/0.mvt").status_code == 401
    assert client.get("/tiles/points/0/0/0.mvt", headers=login("keeper_a")).status_code == 403


def _names(client, headers, tmp_path, z, x, y):
    resp = get(client, headers, "points", z, x, y)
    assert resp.status_code == 200
    return sorted(f["properties"]["name"] for f in decode(resp.data, z, x, y, "points", tmp_path))


def test_a_revoked_token_gets_no_more_tiles(client, login, world):
    # The token has fetched tiles (its scope's statement is compiled and remembered);
    # the next tile after logout is refused all the same, revalidations included.
    headers = login("sup_a")
    z, x, y = tile_of(122.35, 43.6, 12)
    first = get(client, headers, "points", z, x, y)
    assert first.status_code == 200
    assert get(client, headers, "points", 2, 3, 1).status_code == 200  # a cached zoom
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    for resp in (get(client, headers, "points", z, x, y),
                 get(client, headers, "points", z, x, y, **{"If-None-Match": first.headers["ETag"]}),
                 get(client, headers, "points", 2, 3, 1),
                 get(client, headers, "villages", z, x, y)):
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"] == "Bearer"
        assert resp.data[:1] == b"{"  # the API's JSON error, no tile


def test_a_revoked_device_or_deactivated_user_gets_no_more_tiles(app, client, login, world):
    from sqlalchemy import text

    from app.extensions import db

    phone = login("field_a", device_id="phone-tiles-1")
    other = login("sup_b")
    z, x, y = tile_of(122.35, 43.6, 12)
    assert get(client, phone, "points", z, x, y).status_code == 200
    assert get(client, other, "points", z, x, y).status_code == 200
    with app.app_context():
        db.session.execute(text("update devices set revoked_at = now()"))
        db.session.execute(text("update users set active = false where username = 'sup_b'"))
        db.session.commit()
        db.session.remove()
    assert get(client, phone, "points", z, x, y).status_code == 401
    assert get(client, other, "points", z, x, y).status_code == 401


def test_the_scope_follows_the_user_not_what_her_token_first_saw(app, client, login, world, tmp_path):
    from sqlalchemy import text

    from app.extensions import db

    headers = login("sup_a")
    z, x, y = tile_of(122.35, 43.6, 7)
    assert _names(client, headers, tmp_path, z, x, y) == ["前进村助农取款服务点", "胜利村助农取款服务点"]
    # Moved to bank B: the same token now sees bank B's points, at once.
    with app.app_context():
        db.session.execute(text("update users set org_id = :org where username = 'sup_a'"),
                           {"org": world.orgs["bank_b"]})
        db.session.commit()
        db.session.remove()
    assert _names(client, headers, tmp_path, z, x, y) == ["新华村助农取款服务点"]
    # Made a keeper: no map at all (403), on the same token.
    with app.app_context():
        db.session.execute(text("update users set role = 'keeper', org_id = null, point_id = :p "
                                "where username = 'sup_a'"), {"p": world.points["b1"]})
        db.session.commit()
        db.session.remove()
    assert get(client, headers, "points", z, x, y).status_code == 403


def test_an_expired_token_gets_no_more_tiles(client, login, world, monkeypatch):
    from datetime import timedelta

    from app.auth import tokens

    headers = login("admin")
    z, x, y = tile_of(122.35, 43.6, 12)
    assert get(client, headers, "points", z, x, y).status_code == 200
    later = tokens.now_utc() + timedelta(hours=client.application.config["TOKEN_TTL_HOURS"], seconds=1)
    monkeypatch.setattr(tokens, "now_utc", lambda: later)
    assert get(client, headers, "points", z, x, y).status_code == 401


def test_a_star_if_none_match_revalidates(client, login, world):
    headers = login("admin")
    z, x, y = tile_of(122.35, 43.6, 12)
    resp = get(client, headers, "points", z, x, y, **{"If-None-Match": "*"})
    assert resp.status_code == 304 and resp.headers["ETag"]


@pytest.mark.parametrize("user", ["admin", "regulator", "sup_a", "grid_a"])
def test_a_warm_tile_is_one_statement(app, client, login, world, user):
    """After a token's first tile, its tiles (and revalidations) send one statement each
    on the tiles' own pool, and nothing through the app's session (no token look-up, no
    region of the scope, no BEGIN/ROLLBACK)."""
    from sqlalchemy import event

    from app.coverage.tiles import _engine
    from app.extensions import db

    headers = login(user)
    z, x, y = tile_of(122.35, 43.6, 12)
    first = get(client, headers, "points", z, x, y)
    assert first.status_code == 200
    with app.app_context():
        session_engine, tiles_engine = db.engine, _engine()
    seen = {"session": 0, "tiles": 0}

    def count(name):
        def listener(*args):
            seen[name] += 1
        return listener

    listeners = [(session_engine, count("session")), (tiles_engine, count("tiles"))]
    for engine, listener in listeners:
        event.listen(engine, "before_cursor_execute", listener)
        event.listen(engine, "checkout", listener)
    try:
        assert get(client, headers, "points", z, x, y).status_code == 200
        assert get(client, headers, "points", z, x, y,
                   **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    finally:
        for engine, listener in listeners:
            event.remove(engine, "before_cursor_execute", listener)
            event.remove(engine, "checkout", listener)
    assert seen == {"session": 0, "tiles": 2}  # two checkouts, raw statements not counted


LOW = tile_of(122.35, 43.6, 5)  # a stored zoom: Tongliao's tile


def _stored(app):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(text("select key, tag from coverage_tiles")).all()
        db.session.remove()
    return dict(rows)


def test_low_zoom_tiles_are_stored_for_every_worker(app, client, login, world, monkeypatch):
    from app.coverage import tiles

    headers = login("admin")
    first = get(client, headers, "points", *LOW)
    assert first.status_code == 200 and len(first.data) > 0
    stored = _stored(app)
    assert list(stored.values()) == [first.headers["ETag"].strip('"')]
    # Another worker (no tile in its memory) serves the stored one.
    monkeypatch.setattr(tiles, "_cache", type(tiles._cache)())
    again = get(client, headers, "points", *LOW)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert get(client, headers, "points", *LOW,
               **{"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_stored_tile_is_remade_once_stale(app, client, login, world, monkeypatch):
    from app.coverage import tiles

    headers = login("admin")
    first = get(client, headers, "points", *LOW)
    client.post(f"/api/v1/service-points/{world.points['a1']}/suspend", json={"reason": "装修"},
                headers=headers)
    # Within the allowed staleness the stored tile (and its tag) is still served...
    assert get(client, headers, "points", *LOW).headers["ETag"] == first.headers["ETag"]
    # ...and once past it, the tile is made again from the changed data.
    monkeypatch.setattr(tiles, "STALE_SECONDS", 0)
    changed = get(client, headers, "points", *LOW)
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert changed.data != first.data
    assert list(_stored(app).values()) == [changed.headers["ETag"].strip('"')]


def test_prebuilt_low_zoom_tiles(app, client, login, world, runner):
    result = runner.invoke(args=["coverage", "tiles", "--user", "admin", "--max-zoom", "5", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    stored = _stored(app)
    # Tongliao and Shenyang: one tile per zoom 0-5 for each layer, or two where they part.
    assert len(stored) >= 12 and "tiles (zoom 0-5, both layers)" in result.output
    resp = get(client, login("admin"), "points", *LOW)
    assert resp.headers["ETag"].strip('"') in stored.values()
    assert runner.invoke(args=["coverage", "tiles", "--user", "nobody"]).exit_code != 0
