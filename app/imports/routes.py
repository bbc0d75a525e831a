"""POST /api/v1/imports/service-points: a bank's registry from a file."""
from flask_smorest import Blueprint

from app.auth import tokens
from app.imports import services
from app.imports.schemas import ImportFileSchema, ImportFormSchema, ImportResultSchema

blp = Blueprint("imports", __name__, url_prefix="/api/v1/imports",
                description="导入 Imports of service points (CSV, GeoJSON, GeoPackage)")


@blp.route("/service-points", methods=["POST"])
@tokens.login_required("supervisor", "admin")
@blp.arguments(ImportFormSchema, location="form")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(201, ImportResultSchema)
@blp.alt_response(404, description="No such bank in your scope")
@blp.alt_response(413, description="File too large")
@blp.doc(security=[{"bearerAuth": []}])
def import_service_points(form, files):
    """Import service points from a file, all rows or none.

    Every row is validated first; if any is bad the answer is 422 with one entry per
    bad line or feature ("line 7": ["village_code: 未知村 Unknown village ..."]) and
    nothing is imported.
    """
    return services.import_upload(tokens.current_user(), form, files["file"])
