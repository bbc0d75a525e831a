"""Test fixtures: a real PostGIS database built by the real Alembic migrations.

Each test session creates its own database (so parallel runs never collide), migrates
it, and drops it at the end. Tests commit for real, so the same data is visible to the
in-process test client, to a live HTTP server and to the browser; after each test the
mutable tables are truncated.
"""
import os
import uuid

import psycopg
import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import DEFAULT_DATABASE_URL, TestConfig
from app.extensions import db
from tests import factories, servers
from tests.sync_support import load_pboc_rules, seeded_rules

# Fixtures for the browser tests (Chromium, a gunicorn that can be stopped, a phone).
pytest_plugins = ["tests.browser"]


# CI replays the same examples every run, so a red build always means a change broke
# something; local runs explore new examples (and remember failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _admin_dsn(url):
    u = make_url(url).set(drivername="postgresql", database="postgres")
    return u.render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def _no_card_number_in_any_server_log():
    """Whatever the tests sent (card numbers in paths, bodies, queries and sign-ins
    included), no gunicorn log of the run holds a Luhn-valid 16-19 digit run."""
    yield
    found = servers.card_numbers_in_written_logs()
    assert not found, f"card numbers in server logs: {found}"


@pytest.fixture(scope="session")
def database_url():
    base = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    name = f"zhunong_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_admin_dsn(base), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    with psycopg.connect(_admin_dsn(base), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    # Flask-SQLAlchemy builds its engine in init_app, so the URL must be in the config
    # class create_app() reads, not set afterwards.
    config = type("SessionTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url})
    app = create_app(config)
    with app.app_context():
        upgrade()
        tables = db.session.execute(
            text(
                "select tablename from pg_tables where schemaname = 'public' "
                "and tablename not in ('alembic_version', 'spatial_ref_sys')"
            )
        ).scalars().all()
        app.config["TEST_SEEDED_LIMIT_RULES"] = seeded_rules()
        db.session.remove()
    app.config["TEST_TRUNCATE_TABLES"] = tables
    return app


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every mutable table after a test that touched the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        names = ", ".join(f'"{t}"' for t in app.config["TEST_TRUNCATE_TABLES"])
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def rules(app):
    """The PBoC limit rules the migration seeds (tables are truncated between tests)."""
    with app.app_context():
        load_pboc_rules()
        db.session.remove()


@pytest.fixture
def world(app):
    """Two counties, two banks, a regulator and one user of every role (see factories)."""
    with app.app_context():
        w = factories.build_world()
        db.session.remove()
    return w


@pytest.fixture
def login(client):
    """login(username) -> headers with a bearer token for that user."""

    def _login(username, password=factories.PASSWORD, device_id=None):
        body = {"username": username, "password": password}
        if device_id:
            body["device_id"] = device_id
        resp = client.post("/api/v1/auth/login", json=body)
        assert resp.status_code == 200, resp.get_json()
        return {"Authorization": f"Bearer {resp.get_json()['token']}"}

    return _login
