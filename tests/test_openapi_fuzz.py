"""schemathesis over the whole OpenAPI document, as a supervisor and as an admin.

Bounded (a few examples per operation, no deadline) so it stays a quick part of the
suite. Every response must be a non-5xx answer that matches the documented schema.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.auth import tokens
from app.config import TestConfig
from app.extensions import db
from app.models import User

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 15


def _document():
    """The OpenAPI document as the app serves it (building it needs no database)."""
    return create_app(TestConfig).test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document())
def token_maker(app, username):
    """A fresh token per example: the fuzzer may call logout, which revokes the one it used."""

    def make():
        with app.app_context():
            user = db.session.query(User).filter_by(username=username).one()
            user.active = True  # a fuzzed PATCH may have switched her off
            raw, _ = tokens.issue_token(user)
            db.session.commit()
            return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def as_supervisor(app, world):
    return token_maker(app, "sup_a")


@pytest.fixture
def as_admin(app, world):
    return token_maker(app, "admin")


SETTINGS = settings(
    max_examples=MAX_EXAMPLES, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)


@schema.parametrize()
@SETTINGS
def test_as_supervisor(case, app, as_supervisor):
    case.call_and_validate(app=app, headers=as_supervisor(), checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_as_admin(case, app, as_admin):
    case.call_and_validate(app=app, headers=as_admin(), checks=CHECKS)
