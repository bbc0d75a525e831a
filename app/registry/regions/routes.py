"""/api/v1/regions: the administrative division tree."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.tokens import login_required
from app.registry.regions import services
from app.registry.regions.schemas import RegionDetailSchema, RegionPageSchema, RegionQueryArgsSchema

blp = Blueprint("regions", __name__, url_prefix="/api/v1/regions", description="行政区划 Regions")


@blp.route("")
class Regions(MethodView):
    @login_required()
    @blp.arguments(RegionQueryArgsSchema, location="query")
    @blp.response(200, RegionPageSchema)
    def get(self, args):
        """Browse: `parent` lists children; `q` searches name or code prefix; `level` filters."""
        return services.list_regions(args)


@blp.route("/<code>")
class RegionByCode(MethodView):
    @login_required()
    @blp.response(200, RegionDetailSchema)
    def get(self, code):
        """One region with its parent chain and child counts."""
        return services.region_detail(code)
