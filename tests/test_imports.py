"""Imports of service points: CSV, GeoJSON, GeoPackage; declared coordinate systems;
all-or-nothing with line numbers; the API endpoint's roles and bank scope."""
import io
import json
import shutil
import subprocess

import pytest
from coordTransform import bd09_to_gcj02, wgs84_to_gcj02
from sqlalchemy import func, select, text

from app.extensions import db
from app.imports.coords import to_wgs84
from app.models import AuditEvent, ServicePoint, Terminal

HEADER = ("name,shop_name,licence_no,keeper_name,keeper_phone,address,village_code,lon,lat,"
          "services,status,signage,opened_on,merchant_code,terminal_code")
GOOD_ROWS = [
    "胜利村第二服务点,胜利村老王副食商店,92150502MA0AB12C3X,王桂兰,13904751234,"
    "大林镇胜利村中心街1号,150502001002,122.402,43.602,withdrawal;balance_inquiry,active,是,"
    "2021-05-01,402150560110001,99000001",
    "前进村农资店服务点,前进村丰收农资店,,李秀英,0475-8221234,,150502001001,122.303,43.603,"
    "取款、转账、代理缴费,暂停,0,2020/1/2,,",
    "新华村超市服务点,新华村便民超市,,包金花,,,150521001002,123.402,44.102,withdrawal,,,,,",
]


def csv_bytes(*rows, header=HEADER, encoding="utf-8"):
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def point_count():
    return db.session.scalar(select(func.count()).select_from(ServicePoint))


def geojson(features):
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def feature(lon, lat, **props):
    base = dict(name="长胜村服务点", shop_name="长胜村超市", keeper_name="赵玉梅",
                village_code=150502001002, services="withdrawal;transfer")
    base.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": base}


# --- command line ---------------------------------------------------------------------

def test_cli_imports_a_good_csv_in_one_transaction_with_one_audit_event(runner, world, ctx,
                                                                        tmp_path):
    path = write(tmp_path, "points.csv", csv_bytes(*GOOD_ROWS))
    outlet = world.orgs["outlet_a"]
    result = runner.invoke(args=["registry", "import", path, "--bank", str(outlet)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 service points and 1 terminals" in result.output

    points = db.session.scalars(select(ServicePoint).where(ServicePoint.bank_id == outlet)
                                .order_by(ServicePoint.id)).all()
    assert [p.name for p in points] == ["前进村助农取款服务点", "胜利村第二服务点",
                                        "前进村农资店服务点", "新华村超市服务点"]
    first, second, third = points[1:]
    assert first.services == ["withdrawal", "balance_inquiry"] and first.signage is True
    assert second.services == ["withdrawal", "transfer", "bill_payment"]
    assert second.status == "suspended" and str(second.opened_on) == "2020-01-02"
    assert third.county_code == "150521" and third.status == "active"
    assert all(p.bank_path == points[0].bank_path for p in points)
    lon, lat = db.session.execute(text(
        f"select st_x(location), st_y(location) from service_points where id = {first.id}")).one()
    assert (lon, lat) == pytest.approx((122.402, 43.602))
    terminal = db.session.scalar(select(Terminal).where(Terminal.point_id == first.id))
    assert (terminal.merchant_code, terminal.terminal_code) == ("402150560110001", "99000001")

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert len(events) == 1
    assert events[0].entity == "service_point"
    assert events[0].after["count"] == 3
    assert events[0].after["file_name"] == "points.csv"
    assert events[0].after["crs"] == "wgs84"


def test_cli_broken_rows_are_reported_by_line_and_nothing_is_imported(runner, world, ctx,
                                                                     tmp_path):
    rows = [
        GOOD_ROWS[0],
        GOOD_ROWS[1].replace("150502001001", "150502999999"),  # line 3: unknown village
        GOOD_ROWS[2].replace("123.402", "200").replace("包金花", ""),  # line 4: two problems
        GOOD_ROWS[0].replace("150502001002", "150502001000"),  # line 5: a township's code
    ]
    before = point_count()
    path = write(tmp_path, "broken.csv", csv_bytes(*rows))
    result = runner.invoke(args=["registry", "import", path, "--bank",
                                 str(world.orgs["outlet_a"])])
    assert result.exit_code != 0
    assert "line 3: village_code: 未知村 Unknown village 150502999999" in result.output
    assert "line 4: lon:" in result.output
    assert "line 4: keeper_name:" in result.output
    assert "line 5: village_code: 不是村级代码" in result.output
    # line 5 repeats line 2's terminal: caught within the file too
    assert "line 5: terminal_code:" in result.output
    assert "line 2:" not in result.output
    assert "nothing imported" in result.output
    assert point_count() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_cli_refuses_a_terminal_already_in_use(runner, world, ctx, tmp_path):
    row = GOOD_ROWS[0].replace("402150560110001,99000001", "102150570110001,15050001")
    path = write(tmp_path, "dup.csv", csv_bytes(row))
    result = runner.invoke(args=["registry", "import", path, "--bank", str(world.orgs["bank_a"])])
    assert result.exit_code != 0
    assert f"line 2: terminal_code: 终端已在用 Terminal already in use at point {world.points['a1']}" \
        in result.output


def test_cli_reads_chinese_headers_in_gb18030(runner, world, ctx, tmp_path):
    header = "服务点名称,商户名称,负责人,联系电话,村代码,经度,纬度,服务种类,状态"
    row = "团结村服务点,团结村副食商店,佟凤琴,13904750099,150521001002,123.41,44.11,取款;余额查询,正常"
    path = write(tmp_path, "银行导出.csv", csv_bytes(row, header=header, encoding="gb18030"))
    result = runner.invoke(args=["registry", "import", path, "--bank", str(world.orgs["branch_b"])])
    assert result.exit_code == 0, result.output
    point = db.session.scalar(select(ServicePoint).where(ServicePoint.name == "团结村服务点"))
    assert point.keeper_name == "佟凤琴" and point.services == ["withdrawal", "balance_inquiry"]


def test_cli_missing_columns_and_unknown_bank(runner, world, tmp_path):
    path = write(tmp_path, "short.csv", csv_bytes("a,b", header="name,shop_name"))
    result = runner.invoke(args=["registry", "import", path, "--bank", str(world.orgs["bank_a"])])
    assert result.exit_code != 0 and "Missing columns" in result.output
    good = write(tmp_path, "good.csv", csv_bytes(GOOD_ROWS[0]))
    result = runner.invoke(args=["registry", "import", good, "--bank",
                                 str(world.orgs["regulator"])])
    assert result.exit_code != 0 and "No bank" in result.output


# --- coordinate systems -----------------------------------------------------------------

def test_gcj02_and_bd09_conversion_matches_published_vectors():
    # Reference values from the coordtransform (wandergis) documentation for 116.404, 39.915
    # are its one-step inverse, within a few centimetres here; the exact inverse maps back.
    exact = to_wgs84(116.404, 39.915, "gcj02")
    assert exact == pytest.approx((116.39775550083061, 39.91359571849836), abs=1e-6)
    assert wgs84_to_gcj02(*exact) == pytest.approx((116.404, 39.915), abs=1e-9)
    assert to_wgs84(116.404, 39.915, "wgs84") == (116.404, 39.915)
    # BD-09 is GCJ-02 shifted again; the same documentation gives 116.404, 39.915 (BD-09)
    # as 116.39762729119315, 39.90865673957631 in GCJ-02.
    assert bd09_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.39762729119315, 39.90865673957631), abs=1e-9)
    # (Those are again a one-step inverse; the exact conversion is within 10 cm of it.)
    assert to_wgs84(116.404, 39.915, "bd09") == pytest.approx(
        to_wgs84(116.39762729119315, 39.90865673957631, "gcj02"), abs=1e-6)


def test_gcj02_file_is_stored_as_wgs84(runner, world, ctx, tmp_path):
    true_lon, true_lat = 122.4015, 43.6015  # WGS-84, inside 胜利村
    gcj_lon, gcj_lat = wgs84_to_gcj02(true_lon, true_lat)
    assert abs(gcj_lon - true_lon) > 0.003  # the offset is real: hundreds of metres
    data = geojson([feature(gcj_lon, gcj_lat)])
    path = write(tmp_path, "amap.geojson", data)
    result = runner.invoke(args=["registry", "import", path, "--crs", "gcj02", "--bank",
                                 str(world.orgs["bank_a"])])
    assert result.exit_code == 0, result.output
    lon, lat = db.session.execute(text(
        "select st_x(location), st_y(location) from service_points where name = '长胜村服务点'")).one()
    assert lon == pytest.approx(true_lon, abs=2e-6) and lat == pytest.approx(true_lat, abs=2e-6)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
    assert event.after["crs"] == "gcj02"


# --- GeoJSON and GeoPackage -----------------------------------------------------------

def test_geojson_features_numbered_in_errors(runner, world, ctx, tmp_path):
    features = [
        feature(122.402, 43.602),
        {"type": "Feature", "geometry": {"type": "LineString",
                                         "coordinates": [[122.4, 43.6], [122.5, 43.7]]},
         "properties": feature(0, 0)["properties"]},
        feature(122.402, 43.602, services="teleport"),
    ]
    path = write(tmp_path, "points.geojson", geojson(features))
    result = runner.invoke(args=["registry", "import", path, "--bank", str(world.orgs["bank_a"])])
    assert result.exit_code != 0
    assert "feature 2: geometry: 应为点 Must be a Point, got LineString" in result.output
    assert "feature 3: services: 未知服务" in result.output
    assert "feature 1:" not in result.output
    assert point_count() == 4


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs GDAL's ogr2ogr (gdal-bin)")
def test_geopackage_written_by_gdal_imports(runner, world, ctx, tmp_path):
    source = write(tmp_path, "src.geojson", geojson([
        feature(122.402, 43.602, village_code="150502001002", keeper_phone="13904751111"),
        feature(123.302, 44.102, name="新华村二号服务点", village_code="150521001001",
                merchant_code="403150570110009", terminal_code="15210009"),
    ]))
    gpkg = str(tmp_path / "points.gpkg")
    subprocess.run(["ogr2ogr", "-f", "GPKG", gpkg, source, "-nln", "service_points"],
                   check=True, capture_output=True)
    result = runner.invoke(args=["registry", "import", gpkg, "--bank", str(world.orgs["bank_b"])])
    assert result.exit_code == 0, result.output
    assert "Imported 2 service points and 1 terminals" in result.output
    lon, lat = db.session.execute(text(
        "select st_x(location), st_y(location) from service_points where name = '新华村二号服务点'")
    ).one()
    assert (lon, lat) == pytest.approx((123.302, 44.102))


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs GDAL's ogr2ogr (gdal-bin)")
def test_geopackage_in_a_projected_crs_is_refused(runner, world, ctx, tmp_path):
    source = write(tmp_path, "src.geojson", geojson([feature(122.402, 43.602)]))
    gpkg = str(tmp_path / "mercator.gpkg")
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:3857", gpkg, source],
                   check=True, capture_output=True)
    result = runner.invoke(args=["registry", "import", gpkg, "--bank", str(world.orgs["bank_a"])])
    assert result.exit_code != 0 and "EPSG:4326" in result.output
    assert point_count() == 4


# --- the API ----------------------------------------------------------------------------

def upload(client, headers, data, name="points.csv", **form):
    body = {"file": (io.BytesIO(data), name), **{k: str(v) for k, v in form.items()}}
    return client.post("/api/v1/imports/service-points", data=body, headers=headers,
                       content_type="multipart/form-data")


def test_api_supervisor_imports_into_her_bank_subtree(client, world, login, ctx):
    resp = upload(client, login("sup_a"), csv_bytes(*GOOD_ROWS), bank_id=world.orgs["outlet_a"],
                  format="csv", crs="wgs84")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["imported"] == 3 and body["terminals"] == 1 and len(body["point_ids"]) == 3
    assert body["crs"] == "wgs84" and body["file_name"] == "points.csv"
    event = db.session.get(AuditEvent, body["audit_event_id"])
    assert event.actor_id == world.users["sup_a"] and event.after["count"] == 3


def test_api_other_banks_are_422_as_for_one_point_and_other_roles_403(client, world, login):
    data = csv_bytes(GOOD_ROWS[0])
    for username, bank in (("sup_a", "bank_b"), ("sup_a", "regulator"), ("sup_b", "outlet_a")):
        resp = upload(client, login(username), data, bank_id=world.orgs[bank])
        assert resp.status_code == 422, (username, bank)
        assert list(resp.get_json()["error"]["fields"]) == ["bank_id"]
    for username in ("keeper_a", "grid_a", "field_a", "regulator"):
        assert upload(client, login(username), data,
                      bank_id=world.orgs["bank_a"]).status_code == 403, username
    assert upload(client, {}, data, bank_id=world.orgs["bank_a"]).status_code == 401


def test_api_admin_imports_geojson_for_any_bank(client, world, login):
    resp = upload(client, login("admin"), geojson([feature(123.302, 44.102,
                                                           village_code="150521001001")]),
                  name="points.geojson", bank_id=world.orgs["branch_b"])
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["format"] == "geojson"


def test_api_broken_rows_answer_422_with_lines_and_import_nothing(client, world, login, ctx):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1].replace("150502001001", "150502999999")]
    resp = upload(client, login("sup_a"), csv_bytes(*rows), bank_id=world.orgs["bank_a"])
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "import_rejected"
    assert error["fields"] == {
        "line 3": ["village_code: 未知村 Unknown village 150502999999"]}
    assert point_count() == 4


def test_api_bad_requests_are_4xx_in_the_error_shape(client, world, login):
    headers = login("admin")
    bank = world.orgs["bank_a"]
    cases = [
        upload(client, headers, b"not json", name="x.geojson", bank_id=bank),
        upload(client, headers, b"\x00\x01binary", name="x.gpkg", bank_id=bank),
        upload(client, headers, csv_bytes(GOOD_ROWS[0]), name="x.xlsx", bank_id=bank),
        upload(client, headers, csv_bytes(GOOD_ROWS[0]), bank_id=bank, crs="utm"),
        upload(client, headers, b"", bank_id=bank),
        upload(client, headers, csv_bytes(GOOD_ROWS[0]), bank_id="abc"),
        client.post("/api/v1/imports/service-points", data={"bank_id": str(bank)},
                    headers=headers, content_type="multipart/form-data"),
    ]
    for resp in cases:
        assert resp.status_code == 422, resp.get_json()
        assert resp.get_json()["error"]["fields"]


def test_api_file_sent_as_text_field_is_422(client, world, login):
    resp = client.post("/api/v1/imports/service-points",
                       data={"bank_id": str(world.orgs["bank_a"]), "file": "name,shop_name"},
                       headers=login("admin"), content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "file" in resp.get_json()["error"]["fields"]


def test_openapi_documents_one_multipart_body(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    post = doc["paths"]["/api/v1/imports/service-points"]["post"]
    assert "parameters" not in post
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert set(doc["components"]["schemas"][name]["properties"]) == {
        "file", "format", "crs", "bank_id", "dry_run"}
