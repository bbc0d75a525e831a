"""Ledger views for supervisors, regulators and admins (scoped by the token's user)."""
from flask_smorest import Blueprint

from app.auth import tokens
from app.ledger import services
from app.ledger.schemas import (
    DailyPageSchema,
    DailyQueryArgsSchema,
    LedgerPageSchema,
    LedgerQueryArgsSchema,
)

blp = Blueprint("ledger", __name__, url_prefix="/api/v1/ledger", description="登记簿 Ledger")



@blp.route("", methods=["GET"])
@tokens.login_required("ledger.read")
@blp.arguments(LedgerQueryArgsSchema, location="query")
@blp.response(200, LedgerPageSchema)
def list_entries(args):
    """Register records of the points in scope, newest first; `flagged=true` for the
    records that broke a business rule."""
    return services.list_entries(tokens.current_user(), args)


@blp.route("/daily", methods=["GET"])
@tokens.login_required("ledger.read")
@blp.arguments(DailyQueryArgsSchema, location="query")
@blp.response(200, DailyPageSchema)
def list_daily(args):
    """Daily totals per point and kind (live records: voided ones are not counted)."""
    return services.list_daily(tokens.current_user(), args)
