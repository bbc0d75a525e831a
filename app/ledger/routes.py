"""Ledger views for supervisors, regulators and admins (scoped by the token's user)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.tokens import current_user, login_required
from app.ledger import services
from app.ledger.schemas import (
    DailyPageSchema,
    DailyQueryArgsSchema,
    LedgerPageSchema,
    LedgerQueryArgsSchema,
)

blp = Blueprint("ledger", __name__, url_prefix="/api/v1/ledger", description="登记簿 Ledger")


@blp.route("")
class LedgerEntries(MethodView):
    @login_required("ledger.read")
    @blp.arguments(LedgerQueryArgsSchema, location="query")
    @blp.response(200, LedgerPageSchema)
    def get(self, args):
        """Register records of the points in scope, newest first; `flagged=true` for the
        records that broke a business rule."""
        return services.list_entries(current_user(), args)


@blp.route("/daily")
class DailyTotals(MethodView):
    @login_required("ledger.read")
    @blp.arguments(DailyQueryArgsSchema, location="query")
    @blp.response(200, DailyPageSchema)
    def get(self, args):
        """Daily totals per point and kind (live records: voided ones are not counted)."""
        return services.list_daily(current_user(), args)
