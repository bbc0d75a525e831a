"""The served app: sign-in throttling that holds across two gunicorn workers, logs without
query strings or card numbers, no Server header; production start-up refusing unsafe
defaults; deactivation that stays; a 503 with Retry-After when the database is away."""
import subprocess
import sys

import pytest
import requests

from app import create_app
from app.config import DEV_DEMO_PASSWORD, DEV_SECRET_KEY, TestConfig, UnsafeConfiguration
from tests.servers import ROOT, GunicornServer, free_port, scan_for_cards

ALLOWED = 3
SECRET = "s" * 40


@pytest.fixture
def two_workers(app, world, database_url, tmp_path):
    log = tmp_path / "gunicorn.log"
    errors = tmp_path / "error.log"
    server = GunicornServer(database_url, workers=2, log=log,
                            env={"LOGIN_FAILURES_ALLOWED": str(ALLOWED),
                                 "GUNICORN_ERROR_LOG": str(errors)}).start()
    try:
        yield server, log, errors
    finally:
        server.stop()


def test_throttling_holds_across_two_workers(two_workers):
    server, _, _ = two_workers
    codes = []
    for _ in range(ALLOWED + 3):
        # A new connection each time, so the two workers share the attempts.
        resp = requests.post(f"{server.url}/api/v1/auth/login",
                             json={"username": "keeper_a", "password": "wrong"},
                             headers={"Connection": "close"}, timeout=10)
        codes.append(resp.status_code)
    assert codes == [401] * ALLOWED + [429] * 3
    assert int(resp.headers["Retry-After"]) >= 1
    # The right password is refused too while the account is blocked: no guessing through.
    resp = requests.post(f"{server.url}/api/v1/auth/login",
                         json={"username": "keeper_a", "password": "test-password-1"}, timeout=10)
    assert resp.status_code == 429


def test_logs_carry_no_query_string_no_card_number_and_no_server_header(two_workers):
    server, log, errors = two_workers
    token = requests.post(f"{server.url}/api/v1/auth/login",
                          json={"username": "admin", "password": "test-password-1"},
                          timeout=10).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    resp = requests.get(f"{server.url}/api/v1/service-points?q=4111111111111111", headers=auth,
                        timeout=10)
    assert resp.status_code == 422
    assert "server" not in {k.lower() for k in resp.headers}
    requests.get(f"{server.url}/api/v1/auth/me?access_token={token}", timeout=10)
    requests.get(f"{server.url}/api/v1/users/4111111111111111", headers=auth, timeout=10)
    # A conflict is logged by the app (app/errors.py): it must land in the error log file.
    code = "LOG-CHECK-0001"
    for point in (1, 2):
        last = requests.patch(f"{server.url}/api/v1/service-points/{point}", json={"code": code},
                              headers=auth, timeout=10)
    assert last.status_code == 409
    server.stop()
    text = log.read_text()
    error_log = errors.read_text()
    assert "/api/v1/service-points" in text  # the access log is there
    assert "integrity error" in error_log  # and the app's own records are in the error log
    for written in (text, error_log):
        assert "access_token" not in written and token not in written
        assert "q=" not in written
        assert scan_for_cards(written) == [] and "4111111111111111" not in written


def _create(**config):
    return create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/x",
                       **config})


@pytest.mark.parametrize("config", [
    {"APP_ENV": "production", "SECRET_KEY": DEV_SECRET_KEY},
    {"APP_ENV": "production", "SECRET_KEY": ""},
    {"APP_ENV": "production", "SECRET_KEY": "short"},
    {"APP_ENV": "production", "SECRET_KEY": SECRET, "DEMO_PASSWORD": DEV_DEMO_PASSWORD},
    {"APP_ENV": "staging", "SECRET_KEY": DEV_SECRET_KEY},
])
def test_production_refuses_unsafe_defaults(config):
    with pytest.raises(UnsafeConfiguration):
        _create(**config)


def test_production_starts_with_real_settings():
    app = _create(APP_ENV="production", SECRET_KEY=SECRET, DEMO_PASSWORD=None)
    assert app.config["APP_ENV"] == "production"


def test_production_process_refuses_to_start_from_the_environment():
    """As deployed: the environment alone, no SECRET_KEY set."""
    env = {"APP_ENV": "production", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr


def test_demo_load_refuses_without_a_chosen_password(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "production",
                      "SECRET_KEY": SECRET, "DEMO_PASSWORD": None})
    result = app.test_cli_runner().invoke(args=["demo", "load", "--scale", "tongliao"])
    assert result.exit_code != 0 and "DEMO_PASSWORD" in result.output


def test_reactivating_a_user_does_not_revive_her_tokens(client, world, login):
    keeper = login("keeper_a")
    admin = login("admin")
    url = f"/api/v1/users/{world.users['keeper_a']}"
    assert client.get("/api/v1/auth/me", headers=keeper).status_code == 200
    assert client.patch(url, json={"active": False}, headers=admin).status_code == 200
    assert client.patch(url, json={"active": True}, headers=admin).status_code == 200
    assert client.get("/api/v1/auth/me", headers=keeper).status_code == 401
    assert client.get("/api/v1/auth/me", headers=login("keeper_a")).status_code == 200


def test_an_unreachable_database_is_503_with_retry_after():
    config = type("NoDatabase", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
    })
    client = create_app(config).test_client()
    for method, url, body in (
        ("POST", "/api/v1/auth/login", {"username": "keeper_a", "password": "x"}),
        ("GET", "/api/v1/auth/me", None),
        ("POST", "/api/v1/sync/push", {"records": []}),
    ):
        headers = {"Authorization": "Bearer whatever"}
        resp = client.open(url, method=method, json=body, headers=headers)
        assert resp.status_code == 503, (url, resp.get_json())
        assert int(resp.headers["Retry-After"]) >= 1
        assert resp.get_json()["error"]["code"] == "db_unavailable"
    health = client.get("/healthz")
    assert health.status_code == 503 and int(health.headers["Retry-After"]) >= 1


def test_one_client_trying_many_accounts_is_throttled(app, world, database_url):
    """Per-client counting: one address spreading guesses over accounts is stopped too,
    and the owner of an account it never tried still signs in from elsewhere."""
    config = type("ClientLimit", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": database_url, "LOGIN_CLIENT_FAILURES_ALLOWED": 3,
    })
    client = create_app(config).test_client()
    codes = [client.post("/api/v1/auth/login", json={"username": name, "password": "wrong"},
                         environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
             for name in ("keeper_a", "keeper_b", "grid_a", "grid_b")]
    assert codes == [401, 401, 401, 429]
    elsewhere = client.post("/api/v1/auth/login",
                            json={"username": "grid_b", "password": "test-password-1"},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert elsewhere.status_code == 200


def test_behind_a_proxy_each_phone_is_its_own_client(app, world, database_url):
    """Behind nginx every request comes from the proxy's address. With TRUSTED_PROXIES=1
    the throttle counts the address the proxy saw, so one phone guessing does not lock
    out the county behind the same proxy, and the scheme it saw brings HSTS; without it,
    a forged X-Forwarded-For changes nothing."""
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def guesses(client, forwarded_for):
        return [client.post("/api/v1/auth/login", json={"username": name, "password": "wrong"},
                            environ_base=proxy,
                            headers={"X-Forwarded-For": forwarded_for}).status_code
                for name in ("keeper_a", "keeper_b", "grid_a", "grid_b")]

    def config(trusted):
        return type("Proxied", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": database_url, "LOGIN_CLIENT_FAILURES_ALLOWED": 3,
            "TRUSTED_PROXIES": trusted})

    behind = create_app(config(1)).test_client()
    assert guesses(behind, "198.51.100.7") == [401, 401, 401, 429]
    other_phone = behind.post("/api/v1/auth/login",
                              json={"username": "grid_b", "password": "test-password-1"},
                              environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.9",
                                                           "X-Forwarded-Proto": "https"})
    assert other_phone.status_code == 200
    assert other_phone.headers["Strict-Transport-Security"].startswith("max-age=")

    direct = create_app(config(0)).test_client()
    forged = [guesses(direct, f"192.0.2.{n}") for n in (1, 2)]
    assert forged == [[401, 401, 401, 429], [429] * 4]  # one client: the proxy
    assert "Strict-Transport-Security" not in direct.get(
        "/healthz", environ_base=proxy, headers={"X-Forwarded-Proto": "https"}).headers
