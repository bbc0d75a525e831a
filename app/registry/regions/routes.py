"""/api/v1/regions: the administrative division tree."""
from flask_smorest import Blueprint

from app.auth import tokens
from app.registry.regions import services
from app.registry.regions.schemas import RegionDetailSchema, RegionPageSchema, RegionQueryArgsSchema

blp = Blueprint("regions", __name__, url_prefix="/api/v1/regions", description="行政区划 Regions")


@blp.route("", methods=["GET"])
@tokens.login_required()
@blp.arguments(RegionQueryArgsSchema, location="query")
@blp.response(200, RegionPageSchema)
def list_regions(args):
    """Browse: `parent` lists children; `q` searches name or code prefix; `level` filters."""
    return services.list_regions(args)


@blp.route("/<code>", methods=["GET"])
@tokens.login_required()
@blp.response(200, RegionDetailSchema)
def get_region(code):
    """One region with its parent chain and child counts."""
    return services.region_detail(code)
