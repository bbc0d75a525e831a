"""Query arguments of the exports."""
from flask import current_app
from marshmallow import ValidationError, fields, validate, validates_schema

from app.core.fields import Day, Id, RegionPrefix
from app.core.schemas import DayRangeSchema
from app.models.ledger import LEDGER_KINDS


class LedgerExportArgsSchema(DayRangeSchema):
    # Both required, so an export is bounded.
    date_from = Day(data_key="from", required=True)
    date_to = Day(data_key="to", required=True)
    region = RegionPrefix(
        metadata={"description": "division code prefix of the points' villages", "example": "150502"},
    )
    point_id = Id()
    kind = fields.String(validate=validate.OneOf(LEDGER_KINDS))

    @validates_schema
    def _length(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if not (start and end) or start > end:
            return
        limit = current_app.config["LEDGER_EXPORT_MAX_DAYS"]
        if (end - start).days + 1 > limit:
            raise ValidationError(
                f"导出范围不能超过{limit}天 An export covers at most {limit} days", field_name="to"
            )
