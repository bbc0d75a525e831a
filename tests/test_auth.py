"""Sign-in, tokens, revocation, rate limiting and the error shape."""
from app import create_app
from app.config import TestConfig
from app.core.fields import contains_card_number
from tests import factories


def test_healthz_reports_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "ok"
    assert resp.get_json()["postgis"]


def test_login_returns_token_and_user(client, world):
    resp = client.post("/api/v1/auth/login", json={"username": "keeper_a", "password": "test-password-1"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["token_type"] == "Bearer"
    assert body["user"]["role"] == "keeper"
    assert body["user"]["point_id"] == world.points["a1"]


def test_wrong_password_and_unknown_user_look_the_same(client, world):
    a = client.post("/api/v1/auth/login", json={"username": "keeper_a", "password": "nope"})
    b = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert a.get_json() == b.get_json()
    assert a.get_json()["error"]["code"] == "unauthenticated"


def test_every_phone_id_the_app_makes_signs_in_and_syncs(client, world):
    """The PWA names itself by crypto.randomUUID(). About one UUID in 350 lines up, across
    its dashes, 13-19 decimal digits that pass Luhn; such a phone is still a phone, not a
    card number, and must sign in and sync. A card number given as the id is still refused."""
    unlucky = "7ee5e857-3489-4498-9143-40ff813fb5cd"  # 8573489449891434 0 passes Luhn
    assert contains_card_number(unlucky)
    resp = client.post("/api/v1/auth/login", json={
        "username": "keeper_a", "password": factories.PASSWORD, "device_id": unlucky})
    assert resp.status_code == 200, resp.get_json()
    token = {"Authorization": f"Bearer {resp.get_json()['token']}"}
    resp = client.post("/api/v1/sync/push", json={"device_id": unlucky, "records": []}, headers=token)
    assert resp.status_code == 200, resp.get_json()

    for card in ("4111111111111111", "6222-0212-3456-7894", "62220212-3456-7894-0000"):
        resp = client.post("/api/v1/auth/login", json={
            "username": "keeper_a", "password": factories.PASSWORD, "device_id": card})
        assert resp.status_code == 422, card
        assert "device_id" in resp.get_json()["error"]["fields"]
        resp = client.post("/api/v1/sync/push", json={"device_id": card, "records": []}, headers=token)
        assert resp.status_code == 422, card


def test_missing_fields_name_the_field(client):
    resp = client.post("/api/v1/auth/login", json={"username": "x"})
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "validation_error"
    assert "password" in err["fields"]


def test_malformed_json_is_a_4xx_in_the_error_shape(client):
    resp = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert 400 <= resp.status_code < 500
    assert "error" in resp.get_json()


def test_no_token_is_401_json(client):
    resp = client.get("/api/v1/auth/me")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthenticated"
    assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_api_path_is_json_404(client):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_logout_revokes_the_token(client, world, login):
    headers = login("sup_a")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_password_is_stored_hashed(ctx, world):
    from app.extensions import db
    from app.models import User

    user = db.session.get(User, world.users["keeper_a"])
    assert "test-password-1" not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:")  # tests' cheap KDF; production: scrypt


def test_failed_sign_ins_are_throttled(app, database_url):
    config = type(
        "StrictLoginConfig",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": database_url, "LOGIN_FAILURES_ALLOWED": 3},
    )
    client = create_app(config).test_client()
    answers = [client.post("/api/v1/auth/login", json={"username": "x", "password": "y"})
               for _ in range(5)]
    assert [a.status_code for a in answers[:4]] == [401, 401, 401, 429]
    assert answers[4].get_json()["error"]["code"] == "rate_limited"
    assert int(answers[4].headers["Retry-After"]) >= 1


def test_openapi_document_is_served(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in doc["paths"]
