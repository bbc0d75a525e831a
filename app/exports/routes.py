"""GET /api/v1/exports/...: files for regulators and banks, scoped by the token's user."""
from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import tokens
from app.auth.scope import figures_region
from app.audit import record_change
from app.exports import ledger, stats
from app.exports.schemas import LedgerExportArgsSchema
from app.exports.tables import csv_bytes, xlsx_chunks
from app.extensions import db
from app.stats.schemas import StatsArgsSchema

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports", description="导出 Exports")

FILE = {"type": "string", "format": "binary"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    @blp.response(200, FILE, content_type="text/csv")
    def get(self, args):
        """The register records of the points in scope for a range of business days, as
        CSV (UTF-8 with BOM, Chinese headers, amounts in yuan, Beijing time, cards
        masked), streamed in the order the server received them. Written to the audit
        log with the row count."""
        user = tokens.current_user()
        # Refused before the first byte: a region outside her jurisdiction is a 403.
        figures_region(user, args.get("region"))
        body = stream_with_context(ledger.stream_ledger_csv(user, args))
        name = f"ledger-{args['date_from']:%Y%m%d}-{args['date_to']:%Y%m%d}.csv"
        return attachment(body, "text/csv; charset=utf-8", name)


def _stats_export(args, suffix):
    """Figures and tables of a statistics export, audited before the file goes out (the
    tables are small and built whole, so the export cannot be cut off half-written)."""
    user = tokens.current_user()
    tables, about = stats.export(user, args)
    record_change(user, "export", f"stats_{suffix}", None, None, {
        "filters": dict(args), "rows": sum(len(t.rows) for t in tables), "completed": True,
    })
    db.session.commit()
    name = f"stats-{args['date_from']:%Y%m%d}-{args['date_to']:%Y%m%d}.{suffix}"
    return tables, about, name


@blp.route("/stats.csv")
class StatsCsv(MethodView):
    @tokens.login_required("exports.run")
    @blp.arguments(StatsArgsSchema, location="query")
    @blp.response(200, FILE, content_type="text/csv")
    def get(self, args):
        """The tables of GET /api/v1/stats (summary with the year before, the grouping,
        coverage) as one CSV, UTF-8 with BOM, amounts in yuan. Audited."""
        tables, _, name = _stats_export(args, "csv")
        return attachment(csv_bytes(tables), "text/csv; charset=utf-8", name)


@blp.route("/stats.xlsx")
class StatsXlsx(MethodView):
    @tokens.login_required("exports.run")
    @blp.arguments(StatsArgsSchema, location="query")
    @blp.response(200, FILE, content_type=XLSX)
    def get(self, args):
        """The same tables as an Excel workbook: one sheet per table with formatted
        headings and amounts in yuan, and a first sheet describing the query. Audited."""
        tables, about, name = _stats_export(args, "xlsx")
        return attachment(xlsx_chunks(tables, about), XLSX, name)
