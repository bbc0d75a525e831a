"""GET /healthz: the app is up and the database answers."""
from flask import Blueprint, current_app
from sqlalchemy import text

from app.errors import error_response
from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        postgis = db.session.execute(text("select postgis_lib_version()")).scalar()
    except Exception as exc:  # the database is down or unreachable: say so, as JSON
        db.session.rollback()
        response, status = error_response(
            503, f"database unavailable: {exc.__class__.__name__}", "db_down"
        )
        response.headers["Retry-After"] = str(current_app.config["DB_RETRY_AFTER_SECONDS"])
        return response, status
    return {"status": "ok", "database": "ok", "postgis": postgis}
