"""Application factory: reads as the table of contents of the app."""
import logging

from flask import Flask

from app.config import Config, check_production


def create_app(config=None):
    """Build the app; `config` is a Config subclass or a dict of overrides (tests)."""
    app = Flask(__name__, static_folder=None)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    check_production(app.config)

    register_logging(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app):
    from app import models  # noqa: F401  (registers tables with the metadata)
    from app.extensions import api, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_root() / "migrations"))
    limiter.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/login"}
    )


def register_logging(app):
    """Under gunicorn, the app's log records (tracebacks of unexpected errors included)
    go to gunicorn's error log instead of the worker's raw stderr."""
    served_by = logging.getLogger("gunicorn.error")
    if served_by.handlers:
        ours = logging.getLogger("app")
        ours.handlers = served_by.handlers
        ours.setLevel(served_by.level)
        ours.propagate = False


def register_security(app):
    """Size, content type, nesting and string checks on every request; security
    headers on every response (app/security.py)."""
    from app.security import register

    register(app)


def register_blueprints(app):
    """Every feature's blueprint: the whole API from one screen."""
    from app.alerts.routes import blp as alerts
    from app.auth.routes import blp as auth
    from app.coverage.routes import blp as coverage
    from app.exports.routes import blp as exports
    from app.extensions import api
    from app.field.routes import blp as field
    from app.field.routes import acks_blp as alert_acks
    from app.field.routes import inspections_blp as inspections
    from app.field.routes import teams_blp as teams
    from app.field.routes import trainings_blp as trainings
    from app.field.routes import requests_blp as villager_requests
    from app.field.routes import visits_blp as visits
    from app.field.schemas import FraudTalkDataSchema, VisitDataSchema
    from app.flags.routes import blp as flags
    from app.health import bp as health
    from app.imports.routes import blp as imports
    from app.ledger.routes import blp as ledger
    from app.limits.routes import blp as limits
    from app.pwa import bp as pwa
    from app.registry.assignments.routes import blp as grid_assignments
    from app.registry.banks.routes import blp as banks
    from app.registry.points.routes import blp as service_points
    from app.registry.regions.routes import blp as regions
    from app.registry.terminals.routes import blp as terminals
    from app.registry.users.routes import blp as users
    from app.stats.routes import blp as stats
    from app.sync.routes import blp as sync
    from app.sync.schemas import PushRecordSchema

    for blueprint in (
        auth,                # /api/v1/auth       sign-in, tokens
        regions,             # /api/v1/regions    division codes and boundaries
        banks,               # /api/v1/banks      banks and the People's Bank branches
        service_points,      # /api/v1/service-points
        terminals,           # /api/v1/.../terminals, /api/v1/terminals
        users,               # /api/v1/users, /api/v1/devices
        grid_assignments,    # /api/v1/grid-assignments
        imports,             # /api/v1/imports    points from CSV, GeoJSON, GeoPackage
        sync,                # /api/v1/sync       the phones' push and pull
        ledger,              # /api/v1/ledger     the register as banks and regulators read it
        flags,               # /api/v1/flags      flagged records and their reviews
        stats,               # /api/v1/stats      figures by region, bank, period, kind, channel
        exports,             # /api/v1/exports    the ledger (and statistics) as files
        alerts,              # /api/v1/alerts     risk alerts
        limits,              # /api/v1/limits     limit rules
        field,               # /api/v1/field      field workers' pull (visits push via sync)
        coverage,            # /api/v1/coverage   village coverage, siting; /tiles, /ogc
        visits,              # /api/v1/visits     visits with their business, scoped
        alert_acks,          # /api/v1/alerts/<id>/ack, /acks   acknowledgements
        villager_requests,   # /api/v1/requests   villagers' requests, closed loop
        inspections,         # /api/v1/inspections, /api/v1/findings
        teams,               # /api/v1/teams      mobile teams, members, planned visits
        trainings,           # /api/v1/trainings  sessions; who is untrained or overdue
    ):
        api.register_blueprint(blueprint)
    # Push records are documented on their own, as the protocol's unit.
    api.spec.components.schema("PushRecord", schema=PushRecordSchema)
    api.spec.components.schema("VisitData", schema=VisitDataSchema)
    api.spec.components.schema("FraudTalkData", schema=FraudTalkDataSchema)
    app.register_blueprint(health)   # /healthz
    app.register_blueprint(pwa)      # /, /sw.js, /static, /api/v1/docs


def register_error_handlers(app):
    from app.errors import register_error_handlers as register

    register(app)


def register_commands(app):
    from app.cli import register

    register(app)


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
