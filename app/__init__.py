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
    from app.auth.routes import blp as auth_blp
    from app.extensions import api
    from app.health import bp as health_bp
    from app.imports import register as register_imports
    from app.pwa import bp as pwa_bp
    from app.registry import register as register_registry
    from app.sync import register as register_sync

    api.register_blueprint(auth_blp)
    register_registry(api)
    register_imports(api)
    register_sync(api)
    app.register_blueprint(health_bp)
    app.register_blueprint(pwa_bp)


def register_error_handlers(app):
    from app.errors import register_error_handlers as register

    register(app)


def register_commands(app):
    from app.cli import register

    register(app)


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
