"""/api/v1/coverage: region figures, villages with their status, dormant points, siting."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import tokens
from app.auth.tokens import current_user
from app.coverage import schemas, services

blp = Blueprint("coverage", __name__, url_prefix="/api/v1/coverage",
                description="覆盖分析 Coverage of villages by service points")


@blp.record_once
def _register_map_services(state):
    """The map's other doors, /tiles and /ogc, are outside /api/v1 (clients expect those
    paths) but belong to this feature: they come with it, so create_app lists it once."""
    from app.coverage.ogc import bp as ogc
    from app.coverage.tiles import bp as tiles

    state.app.register_blueprint(tiles)
    state.app.register_blueprint(ogc)


@blp.route("")
class Coverage(MethodView):
    @tokens.login_required("coverage.read")
    @blp.arguments(schemas.FiguresArgsSchema, location="query")
    @blp.response(200, schemas.RegionFiguresSchema)
    def get(self, args):
        """The region's figures (points, villages, covered villages, coverage rate, points
        per village, dormant points), by child region and by bank, within your scope."""
        return services.region_figures(current_user(), args)


@blp.route("/villages")
class CoverageVillages(MethodView):
    @tokens.login_required("coverage.read")
    @blp.arguments(schemas.VillageArgsSchema, location="query")
    @blp.response(200, schemas.VillageCoveragePageSchema)
    def get(self, args):
        """Villages with their status, points inside, nearest point and grid worker."""
        return services.list_villages(current_user(), args)


@blp.route("/dormant-points")
class DormantPoints(MethodView):
    @tokens.login_required("coverage.read")
    @blp.arguments(schemas.DormantArgsSchema, location="query")
    @blp.response(200, schemas.DormantPageSchema)
    def get(self, args):
        """Active points with no business for `dormant_days` days."""
        return services.list_dormant(current_user(), args)


@blp.route("/suggestions")
class Suggestions(MethodView):
    @tokens.login_required("coverage.plan")
    @blp.arguments(schemas.SuggestionArgsSchema, location="query")
    @blp.response(200, schemas.SuggestionsSchema)
    def get(self, args):
        """Where k new points would newly cover the most people (greedy), with reasons."""
        return services.suggestions(current_user(), args)
