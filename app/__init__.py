"""Application factory: reads as the table of contents of the app."""
from flask import Flask

from app.config import Config


def create_app(config=None):
    """Build the app; `config` is a Config subclass or a dict of overrides (tests)."""
    app = Flask(__name__, static_folder=None)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    register_extensions(app)
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


def register_blueprints(app):
    """Every feature's blueprint: the whole API from one screen."""
    from app.alerts.routes import blp as alerts
    from app.auth.routes import blp as auth
    from app.coverage.routes import blp as coverage
    from app.extensions import api
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
        alerts,              # /api/v1/alerts     risk alerts
        limits,              # /api/v1/limits     limit rules
        coverage,            # /api/v1/coverage   village coverage, siting; /tiles, /ogc
    ):
        api.register_blueprint(blueprint)
    # Push records are documented on their own, as the protocol's unit.
    api.spec.components.schema("PushRecord", schema=PushRecordSchema)
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
