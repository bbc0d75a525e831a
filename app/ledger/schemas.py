"""Query arguments and pages of the ledger views."""
from marshmallow import Schema, fields, validate

from app.core.fields import Id, Timestamp
from app.core.paging import PageArgsSchema, page_schema
from app.core.schemas import DayRangeSchema
from app.models.ledger import LEDGER_KINDS


class _PageArgs(PageArgsSchema, DayRangeSchema):
    point_id = Id()
    kind = fields.String(validate=validate.OneOf(LEDGER_KINDS))


class LedgerQueryArgsSchema(_PageArgs):
    flagged = fields.Boolean(metadata={"description": "true: only records with flags"})


class DailyQueryArgsSchema(_PageArgs):
    pass


class LedgerRecordSchema(Schema):
    """A register record as the server holds it (shared by pull and the ledger views)."""

    id = fields.String()
    seq = fields.Integer()
    kind = fields.String()
    amount_fen = fields.Integer()
    card_masked = fields.String(allow_none=True, metadata={"description": "BIN + last 4 only"})
    voucher_no = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    occurred_at = Timestamp()
    received_at = Timestamp()
    lon = fields.Float(allow_none=True)
    lat = fields.Float(allow_none=True)
    void_of = fields.String(allow_none=True)
    voided_by = fields.String(allow_none=True)
    flags = fields.List(fields.String())


class LedgerItemSchema(LedgerRecordSchema):
    channel = fields.String(metadata={"description": "point, grid or mobile"})
    point_id = fields.Integer(allow_none=True, metadata={"description": "point records"})
    point_name = fields.String(allow_none=True)
    village_code = fields.String()
    visit_id = fields.String(allow_none=True, metadata={"description": "grid and mobile records"})
    county_code = fields.String()
    user_id = fields.Integer()


class DailyItemSchema(Schema):
    point_id = fields.Integer()
    point_name = fields.String()
    county_code = fields.String()
    day = fields.Date()
    kind = fields.String()
    count = fields.Integer()
    amount_fen = fields.Integer()


LedgerPageSchema = page_schema("LedgerPage", LedgerItemSchema)
DailyPageSchema = page_schema("DailyPage", DailyItemSchema)
