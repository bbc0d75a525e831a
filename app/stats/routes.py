"""GET /api/v1/stats: figures for regulators and banks, scoped by the token's user."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import tokens
from app.stats import services
from app.stats.schemas import StatsArgsSchema, StatsSchema

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="统计 Statistics")


@blp.route("")
class Statistics(MethodView):
    @tokens.login_required("stats.read")
    @blp.arguments(StatsArgsSchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, args):
        """Counts and amounts by transaction kind and channel (point, grid, mobile) for a
        region and a range of business days, grouped by child region, bank, period or
        kind; the same range a year earlier; the region's points, villages and coverage
        rate. Served from the rollups kept at ingest."""
        return services.statistics(tokens.current_user(), args)
