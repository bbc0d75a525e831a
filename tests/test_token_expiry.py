"""A sign-in expires on its own when its time is up (the expires_at path, not revocation),
with the tokens' clock under the test's control; an expired sign-in stores nothing and
signing in again works. Also: the limit rules a fixture seeds are the migration's, once."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from app.auth import tokens
from app.extensions import db
from tests.sync_support import PUSH, ledger_count, load_pboc_rules, record

ME = "/api/v1/auth/me"


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The clock tokens are issued and checked by, moved only by the test."""
    c = Clock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    monkeypatch.setattr(tokens, "now_utc", c)
    return c


# First in the module: on a fresh database the migration has seeded the rules already.
def test_rules_fixture_holds_the_migration_rules_once(app, rules):
    with app.app_context():
        n = db.session.execute(text("select count(*) from limit_rules")).scalar()
        load_pboc_rules()  # idempotent: seeding again changes nothing
        again = db.session.execute(text("select count(*) from limit_rules")).scalar()
        db.session.remove()
    assert n == again == len(app.config["TEST_SEEDED_LIMIT_RULES"])


def test_token_expires_when_its_time_is_up(app, client, world, login, clock):
    headers = login("keeper_a", device_id="phone-exp-1")
    ttl = timedelta(hours=app.config["TOKEN_TTL_HOURS"])
    with app.app_context():
        row = db.session.execute(text("select expires_at, revoked_at from api_tokens")).one()
        db.session.remove()
    assert row.expires_at == clock.now + ttl and row.revoked_at is None
    clock.now += ttl - timedelta(seconds=1)
    assert client.get(ME, headers=headers).status_code == 200
    clock.now += timedelta(seconds=1)
    resp = client.get(ME, headers=headers)
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"] == "Bearer"
    with app.app_context():  # expired, not revoked: nothing was written to end it
        assert db.session.execute(text("select revoked_at from api_tokens")).scalar() is None
        db.session.remove()


def test_expired_token_stores_nothing_and_a_new_sign_in_pushes(app, client, world, login, rules, clock):
    headers = login("keeper_a", device_id="phone-exp-2")
    rec = record(world.points["a1"])
    clock.now += timedelta(hours=app.config["TOKEN_TTL_HOURS"], minutes=1)
    body = {"device_id": "phone-exp-2", "records": [rec]}
    assert client.post(PUSH, json=body, headers=headers).status_code == 401
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 401
    assert ledger_count(app) == 0
    again = login("keeper_a", device_id="phone-exp-2")  # the same phone signs in again
    resp = client.post(PUSH, json=body, headers=again)
    assert resp.status_code == 200 and resp.get_json()["results"][0]["status"] == "accepted"
    assert ledger_count(app) == 1
