"""POST /api/v1/imports/service-points: a bank's registry from a file."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from app.auth.tokens import current_user, login_required
from app.imports import services
from app.imports.schemas import ImportRequestSchema, ImportResultSchema


class FormAndFilesParser(FlaskParser):
    """webargs reads form fields and files from separate locations, and flask-smorest
    documents one request body per view; one location holding both keeps the upload
    and its fields in a single multipart/form-data body in the OpenAPI document."""

    __location_map__ = {**FlaskParser.__location_map__, "form_and_files": "load_form_and_files"}

    def load_form_and_files(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class UploadBlueprint(Blueprint):
    ARGUMENTS_PARSER = FormAndFilesParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "form_and_files": "multipart/form-data",
    }


blp = UploadBlueprint("imports", __name__, url_prefix="/api/v1/imports",
                      description="导入 Imports of service points (CSV, GeoJSON, GeoPackage)")


@blp.route("/service-points")
class ServicePointImports(MethodView):
    @login_required("imports.run")
    @blp.arguments(ImportRequestSchema, location="form_and_files")
    @blp.response(201, ImportResultSchema)
    @blp.alt_response(413, description="File too large")
    def post(self, form):
        """Import service points from a file, all rows or none.

        Every row is validated first; if any is bad the answer is 422 with one entry per
        bad line or feature ("line 7": ["village_code: 未知村 Unknown village ..."]) and
        nothing is imported. A bank outside your scope is a 422 on bank_id, as when
        registering one point.
        """
        return services.import_upload(current_user(), form, form["file"],
                                      max_rows=current_app.config.get("IMPORT_MAX_ROWS", services.MAX_ROWS))
