"""GET /api/v1/exports/...: files for regulators and banks, scoped by the token's user."""
from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import tokens
from app.exports import ledger
from app.exports.schemas import LedgerExportArgsSchema

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports", description="导出 Exports")

CSV_FILE = {"type": "string", "format": "binary"}


def attachment(body, content_type, filename):
    return Response(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blp.route("/ledger.csv")
class LedgerCsv(MethodView):
    @tokens.login_required("exports.run")
    @blp.arguments(LedgerExportArgsSchema, location="query")
    @blp.response(200, CSV_FILE, content_type="text/csv")
    def get(self, args):
        """The register records of the points in scope for a range of business days, as
        CSV (UTF-8 with BOM, Chinese headers, amounts in yuan, Beijing time, cards
        masked), streamed in the order the server received them. Written to the audit
        log with the row count."""
        user = tokens.current_user()
        body = stream_with_context(ledger.stream_ledger_csv(user, args))
        name = f"ledger-{args['date_from']:%Y%m%d}-{args['date_to']:%Y%m%d}.csv"
        return attachment(body, "text/csv; charset=utf-8", name)
