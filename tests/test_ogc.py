"""OGC API - Features at /ogc: the documents, items with bbox, paging and filters, bad
parameters, scope; and GDAL's OAPIF driver (ogrinfo, ogr2ogr to a GeoPackage) against
a live gunicorn."""
import os
import shutil
import subprocess

import pytest
import requests

from tests.servers import GunicornServer


def test_landing_conformance_collections(client, login, world):
    headers = login("regulator")
    landing = client.get("/ogc", headers=headers).get_json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= rels
    conf = client.get("/ogc/conformance", headers=headers).get_json()
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf["conformsTo"]
    cols = client.get("/ogc/collections", headers=headers).get_json()["collections"]
    assert [c["id"] for c in cols] == ["service_points", "villages"]
    one = client.get("/ogc/collections/villages", headers=headers).get_json()
    assert one["id"] == "villages" and any(link["rel"] == "items" for link in one["links"])


def test_items_are_rfc7946_geojson_in_scope(client, login, world):
    resp = client.get("/ogc/collections/service_points/items", headers=login("regulator"))
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    body = resp.get_json()
    assert body["type"] == "FeatureCollection"
    # Tongliao's three points, not Shenyang's.
    assert body["numberMatched"] == 3 and body["numberReturned"] == 3
    names = {f["properties"]["name"] for f in body["features"]}
    assert "长白村助农取款服务点" not in names
    feature = next(f for f in body["features"] if f["id"] == world.points["a1"])
    assert feature["geometry"] == {"type": "Point", "coordinates": [122.301, 43.601]}  # lon, lat
    assert "keeper_phone" not in feature["properties"]
    # One feature, and one outside her scope answers 404.
    one = client.get(f"/ogc/collections/service_points/items/{world.points['a1']}",
                     headers=login("regulator"))
    assert one.get_json()["properties"]["name"] == "前进村助农取款服务点"
    assert client.get(f"/ogc/collections/service_points/items/{world.points['l1']}",
                      headers=login("regulator")).status_code == 404


def test_villages_with_status_bbox_filters_and_paging(client, login, world):
    headers = login("admin")
    base = "/ogc/collections/villages/items"
    everything = client.get(base, headers=headers).get_json()
    assert everything["numberMatched"] == 5
    polygon = everything["features"][0]["geometry"]
    assert polygon["type"] == "MultiPolygon"
    # bbox around 科尔沁区's two villages
    inside = client.get(f"{base}?bbox=122.2,43.5,122.5,43.7", headers=headers).get_json()
    assert sorted(f["id"] for f in inside["features"]) == ["150502001001", "150502001002"]
    covered = client.get(f"{base}?status=in_village", headers=headers).get_json()
    assert sorted(f["id"] for f in covered["features"]) == ["150502001001", "150521001001",
                                                            "210102001001"]
    county = client.get(f"{base}?county_code=150521", headers=headers).get_json()
    assert county["numberMatched"] == 2
    # Paging: two at a time, next links until the end.
    seen, url = [], f"{base}?limit=2"
    while url:
        page = client.get(url, headers=headers).get_json()
        seen += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
    assert seen == sorted(f["id"] for f in everything["features"])


@pytest.mark.parametrize("query, field", [
    ("bbox=123,40,122,44", "bbox"),          # west > east
    ("bbox=100,-95,120,40", "bbox"),         # outside WGS-84
    ("bbox=1,2,3", "bbox"),
    ("bbox=nan,1,2,3", "bbox"),
    ("limit=0", "limit"),
    ("limit=100001", "limit"),
    ("offset=-1", "offset"),
    ("status=open", "status"),
    ("colour=red", "colour"),                # unknown parameter
])
def test_bad_parameters_answer_400(client, login, world, query, field):
    resp = client.get(f"/ogc/collections/service_points/items?{query}", headers=login("admin"))
    assert resp.status_code == 400
    assert field in resp.get_json()["error"]["fields"]


def test_unknown_collection_and_auth(client, login, world):
    assert client.get("/ogc/collections/roads/items", headers=login("admin")).status_code == 404
    assert client.get("/ogc/collections/roads", headers=login("admin")).get_json()["error"]
    assert client.get("/ogc/collections").status_code == 401
    assert client.get("/ogc/collections", headers=login("keeper_a")).status_code == 403


@pytest.fixture
def gunicorn(database_url, world):
    server = GunicornServer(database_url, workers=1, threads=2).start()
    yield server
    server.stop()


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin missing (scripts/system-deps.sh)")
def test_gdal_reads_the_collections(gunicorn, tmp_path):
    token = requests.post(f"{gunicorn.url}/api/v1/auth/login", timeout=30,
                          json={"username": "regulator", "password": "test-password-1"}).json()["token"]
    env = dict(os.environ, GDAL_HTTP_HEADERS=f"Authorization: Bearer {token}")
    listing = subprocess.run(["ogrinfo", "-ro", "-q", f"OAPIF:{gunicorn.url}/ogc"],
                             capture_output=True, text=True, env=env, timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert "service_points" in listing.stdout and "villages" in listing.stdout
    out = tmp_path / "villages.gpkg"
    copy = subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{gunicorn.url}/ogc",
                           "villages", "-oo", "PAGE_SIZE=2"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert copy.returncode == 0, copy.stderr
    info = subprocess.run(["ogrinfo", "-ro", "-so", str(out), "villages"],
                          capture_output=True, text=True, timeout=60)
    # The regulator of Tongliao: its four villages, fetched two per page.
    assert "Feature Count: 4" in info.stdout, info.stdout
    # Without a token, GDAL gets nothing.
    denied = subprocess.run(["ogrinfo", "-ro", "-q", f"OAPIF:{gunicorn.url}/ogc"],
                            capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if k != "GDAL_HTTP_HEADERS"})
    assert denied.returncode != 0
