"""Regions: browse the tree, search, detail with parents and counts."""
URL = "/api/v1/regions"


def codes(resp):
    return [r["code"] for r in resp.get_json()["items"]]


def test_roots_are_the_provinces(client, world, login):
    resp = client.get(URL, headers=login("keeper_a"))
    assert resp.status_code == 200
    assert codes(resp) == ["150000000000", "210000000000"]


def test_children_of_a_parent_by_prefix_or_full_code(client, world, login):
    headers = login("grid_a")
    by_prefix = client.get(URL, query_string={"parent": "150502001"}, headers=headers)
    by_code = client.get(URL, query_string={"parent": "150502001000"}, headers=headers)
    assert codes(by_prefix) == codes(by_code) == ["150502001001", "150502001002"]
    assert by_prefix.get_json()["items"][0]["name"] == "前进村"
    assert by_prefix.get_json()["items"][0]["level"] == "village"


def test_search_by_name_or_code_prefix_and_level(client, world, login):
    headers = login("regulator")
    assert codes(client.get(URL, query_string={"q": "胜利"}, headers=headers)) == ["150502001002"]
    assert codes(client.get(URL, query_string={"q": "150521001"}, headers=headers)) == [
        "150521001000", "150521001001", "150521001002"]
    counties = client.get(URL, query_string={"level": "county", "q": "科尔沁"}, headers=headers)
    assert codes(counties) == ["150502000000", "150521000000"]
    assert client.get(URL, query_string={"level": "village"}, headers=headers).get_json()["total"] == 5


def test_detail_has_parent_chain_and_counts(client, world, login):
    resp = client.get(f"{URL}/150502", headers=login("sup_a"))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["code"] == "150502000000" and body["name"] == "科尔沁区"
    assert [p["name"] for p in body["parents"]] == ["内蒙古自治区", "通辽市"]
    assert (body["children_count"], body["villages_count"]) == (1, 2)
    assert body["lon"] == 122.25


def test_unknown_or_malformed_code_is_404(client, world, login):
    headers = login("sup_a")
    assert client.get(f"{URL}/150599", headers=headers).status_code == 404
    assert client.get(f"{URL}/abc", headers=headers).status_code == 404
    assert client.get(f"{URL}/1234567890123", headers=headers).status_code == 404


def test_bad_arguments_are_422(client, world, login):
    resp = client.get(URL, query_string={"level": "planet", "parent": "x"}, headers=login("admin"))
    assert resp.status_code == 422
    assert {"level", "parent"} <= set(resp.get_json()["error"]["fields"])


def test_regions_need_sign_in(client, world):
    assert client.get(URL).status_code == 401


def test_a_region_in_every_form_people_write_it(client, world, login):
    """Tongliao is 1505, 150500 (the six-digit division code) or 150500000000 (the full
    code): each means the same region everywhere a region is asked for. An alert or a limit
    rule published for 150500 is stored for 1505 and reaches the villages there (before, it
    matched no village at all and reached nobody)."""
    regulator, keeper = login("regulator"), login("keeper_a", device_id="phone-a1")
    alert = client.post("/api/v1/alerts", headers=regulator, json={
        "title": "警惕冒充客服退款诈骗", "body": "客服不会要求您转账。", "region_prefix": "150500"}).get_json()
    assert alert["region_prefix"] == "1505"
    pulled = client.get("/api/v1/sync/pull", headers=keeper).get_json()["alerts"]
    assert [a["id"] for a in pulled] == [alert["id"]]
    rule = client.post("/api/v1/limits", headers=regulator, json={
        "kind": "withdrawal", "per_card_daily_fen": 100000, "region_prefix": "150502000000"}).get_json()
    assert rule["region_prefix"] == "150502"

    for path in ("/api/v1/stats?from=2026-01-01&to=2026-01-31&region={}",
                 "/api/v1/coverage?region={}", "/api/v1/coverage/villages?region={}",
                 "/api/v1/service-points?region={}", "/api/v1/flags?region={}",
                 "/api/v1/visits?region={}", "/api/v1/requests?region={}"):
        answers = [client.get(path.format(code), headers=regulator) for code in ("1505", "150500", "150500000000")]
        assert [a.status_code for a in answers] == [200] * 3, path
        assert answers[0].get_json() == answers[1].get_json() == answers[2].get_json(), path
    county = [client.get(f"/api/v1/service-points?region={code}", headers=regulator).get_json()["total"]
              for code in ("150502", "150502000000")]
    assert county[0] == county[1] > 0

    # A prefix cut between levels still filters as typed; what is stored must be a whole level.
    assert client.get("/api/v1/service-points?region=15050", headers=regulator).status_code == 200
    refused = client.post("/api/v1/alerts", headers=regulator, json={
        "title": "x", "body": "y", "region_prefix": "15050"})
    assert refused.status_code == 422 and "region_prefix" in refused.get_json()["error"]["fields"]
