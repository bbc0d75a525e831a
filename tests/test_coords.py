"""GCJ-02 and BD-09 are converted to WGS-84 exactly (to under a millimetre), everywhere
in China, not only where the one-step inverse happens to be close: checked on a grid
over the country's whole extent, as a function, through the command line and through
the API upload with a declared coordinate system."""
import io
import json
import math

import pytest
from coordTransform import wgs84_to_bd09, wgs84_to_gcj02
from sqlalchemy import text

from app.extensions import db
from app.imports.coords import to_wgs84

MM = 0.001
# China's extent: 73.5°E (Pamirs) to 135°E (Heilongjiang), 18.2°N (Hainan) to 53.5°N (Mohe).
LONS = [73.5 + i * (135.0 - 73.5) / 40 for i in range(41)]
LATS = [18.2 + j * (53.5 - 18.2) / 30 for j in range(31)]
GRID = [(lon, lat) for lon in LONS for lat in LATS]
FORWARD = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}
# Fewer points through the importers: corners, the middle and Tongliao, where the one-step
# inverse is off by metres.
SAMPLE = [(73.6, 39.4), (134.9, 48.3), (109.5, 18.3), (124.4, 53.4), (105.0, 35.0),
          (119.5, 44.1), (121.4, 31.2), (87.6, 43.8)]


def metres(a, b):
    """Ground distance between two lon/lat pairs (an equirectangular approximation, plenty
    at this scale)."""
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(b[1]))
    dy = (a[1] - b[1]) * 110_540
    return math.hypot(dx, dy)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_conversion_is_exact_on_a_grid_over_china(crs):
    worst = max(metres(to_wgs84(*FORWARD[crs](lon, lat), crs), (lon, lat)) for lon, lat in GRID)
    assert worst < MM, f"{crs}: off by {worst:.4f} m somewhere in China"


def test_tongliao_was_metres_off_with_the_one_step_inverse():
    """The case that broke: near Tongliao the one-step inverse misses by metres."""
    from coordTransform import gcj02_to_wgs84

    true = (119.5, 44.1)  # 扎鲁特旗, Tongliao
    gcj = wgs84_to_gcj02(*true)
    assert metres(gcj02_to_wgs84(*gcj), true) > 3.0
    assert metres(to_wgs84(*gcj, "gcj02"), true) < MM


def _geojson(crs):
    features = []
    for n, (lon, lat) in enumerate(SAMPLE):
        x, y = FORWARD[crs](lon, lat)
        features.append({
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
            "properties": dict(name=f"坐标测试点{n}", shop_name=f"坐标测试商店{n}", keeper_name="赵玉梅",
                               village_code=150502001002, services="withdrawal"),
        })
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _stored(app):
    with app.app_context():
        rows = db.session.execute(text(
            "select name, st_x(location) as lon, st_y(location) as lat from service_points"
            " where name like '坐标测试点%'")).all()
        db.session.remove()
    return {int(r.name.removeprefix("坐标测试点")): (r.lon, r.lat) for r in rows}


def _assert_exact(app):
    stored = _stored(app)
    assert sorted(stored) == list(range(len(SAMPLE)))
    for n, true in enumerate(SAMPLE):
        assert metres(stored[n], true) < MM, (n, true, stored[n])


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_cli_import_stores_exact_wgs84(app, runner, world, tmp_path, crs):
    path = tmp_path / f"{crs}.geojson"
    path.write_bytes(_geojson(crs))
    result = runner.invoke(args=["registry", "import", str(path), "--crs", crs,
                                 "--bank", str(world.orgs["bank_a"])])
    assert result.exit_code == 0, result.output
    _assert_exact(app)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_api_upload_stores_exact_wgs84(app, client, world, login, crs):
    body = {"file": (io.BytesIO(_geojson(crs)), f"{crs}.geojson"), "format": "geojson",
            "crs": crs, "bank_id": str(world.orgs["bank_a"])}
    resp = client.post("/api/v1/imports/service-points", data=body, headers=login("admin"),
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["crs"] == crs and resp.get_json()["imported"] == len(SAMPLE)
    _assert_exact(app)
