"""schemathesis over the whole OpenAPI document: as a keeper (push and pull reach the
ledger's insert and rollup SQL), a supervisor and an admin on every operation, and as
every role on the list endpoints.

The document lists, per operation, only the statuses it may answer (no catch-all
`default`), so status-code conformance can fail. Ids in paths are real ones of the
test's world half of the time (else what the fuzzer draws), and pushed records carry
the keeper's own point half of the time, so operations get past "not found" and
"not your point" to their 2xx paths. Bounded (a few examples per operation, no
deadline) so it stays a quick part of the suite. Every response must be a non-5xx answer
that matches the documented schema.
"""
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

from app import create_app
from app.auth import tokens
from app.config import TestConfig
from app.extensions import db
from app.models import LimitRule, RiskAlert, User
from tests.sync_support import record, rollup_matches_recount

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 8
LIST_EXAMPLES = 3
OTHER_ROLES = ("keeper_b", "grid_a", "grid_b", "field_a", "field_b", "sup_b", "regulator")


def _document():
    """The OpenAPI document as the app serves it (building it needs no database)."""
    return create_app(TestConfig).test_client().get("/api/v1/openapi.json").get_json()


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
# Collection GETs: no id in the path.
lists = schema.include(method="GET", path_regex=r"^/api/v1/(regions|banks|service-points|users|grid-assignments"
                                                 r"|ledger|ledger/daily|alerts|limits|limits/effective)$")


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
def real_ids(app, world):
    """Ids of the world, an alert, a limit rule and a device, by path parameter name."""
    with app.app_context():
        alert = RiskAlert(title="警惕冒充客服诈骗", body="客服不会要求您转账。", region_prefix="1505",
                          published_by=world.orgs["regulator"],
                          published_at=datetime.now(UTC) - timedelta(hours=1))
        rule = LimitRule(kind="withdrawal", region_prefix="1505", per_card_daily_fen=150000,
                         valid_from=date(2024, 1, 1))
        db.session.add_all([alert, rule])
        db.session.commit()
        keeper = db.session.query(User).filter_by(username="keeper_a").one()
        tokens.issue_token(keeper, device_key="phone-fuzz")
        db.session.commit()
        device = db.session.execute(text("select id from devices")).scalar_one()
        ids = {
            "point_id": list(world.points.values()), "terminal_id": list(world.terminals.values()),
            "user_id": list(world.users.values()), "assignment_id": list(world.assignments.values()),
            "org_id": list(world.orgs.values()), "alert_id": [alert.id], "rule_id": [rule.id],
            "device_id": [device], "code": list(world.regions.values()),
        }
        db.session.remove()
    return ids


_turn = itertools.count()


def aim(case, ids, point_id=None):
    """Every other example: real ids in the path, and pushed records for her own point."""
    if next(_turn) % 2:
        return
    for name in list(case.path_parameters or {}):
        if name in ids:
            pool = ids[name]
            case.path_parameters[name] = pool[next(_turn) % len(pool)]
    if point_id is not None and isinstance(case.body, dict) and isinstance(case.body.get("records"), list):
        for rec in case.body["records"]:
            if isinstance(rec, dict) and isinstance(rec.get("data"), dict):
                rec["data"]["point_id"] = point_id
        # One well-formed record among the fuzzed ones, so every aimed batch is stored
        # through the insert and rollup statement.
        case.body["records"] = case.body["records"][:999] + [record(point_id, amount_fen=next(_turn) * 1000)]


SETTINGS = settings(
    max_examples=MAX_EXAMPLES, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)


@schema.parametrize()
@SETTINGS
def test_as_keeper(case, app, world, rules, real_ids):
    aim(case, real_ids, point_id=world.points["a1"])
    case.call_and_validate(app=app, headers=token_maker(app, "keeper_a")(), checks=CHECKS)
    if case.operation.path == "/api/v1/sync/push":
        assert rollup_matches_recount(app)  # whatever was stored, both rollups still add up


@schema.parametrize()
@SETTINGS
def test_as_supervisor(case, app, real_ids):
    aim(case, real_ids)
    case.call_and_validate(app=app, headers=token_maker(app, "sup_a")(), checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_as_admin(case, app, real_ids):
    aim(case, real_ids)
    case.call_and_validate(app=app, headers=token_maker(app, "admin")(), checks=CHECKS)


@pytest.mark.parametrize("role", OTHER_ROLES)
@lists.parametrize()
@settings(SETTINGS, max_examples=LIST_EXAMPLES)
def test_lists_as_every_role(case, app, real_ids, role):
    aim(case, real_ids)
    case.call_and_validate(app=app, headers=token_maker(app, role)(), checks=CHECKS)


def test_the_document_has_no_catch_all_response():
    """A `default` response would make any status conform."""
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                assert "default" not in operation["responses"], (method, path)
                assert all(code.isdigit() for code in operation["responses"]), (method, path)
