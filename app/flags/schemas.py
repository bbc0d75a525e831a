"""Query arguments, the review body and the items of the flag queue."""
from marshmallow import Schema, fields, validate

from app.core.fields import Id, RegionPrefix, Text, Timestamp
from app.core.paging import PageArgsSchema, page_schema
from app.core.schemas import DayRangeSchema
from app.ledger.schemas import LedgerItemSchema

# Flags are rule names written at ingest (over_daily_cap, not_multiple_of_10, ...).
FLAG_RE = r"^[a-z][a-z0-9_]{0,39}$"


class FlagQueryArgsSchema(PageArgsSchema, DayRangeSchema):
    flag = fields.String(
        validate=validate.Regexp(FLAG_RE, error="标记名称无效 Not a flag name"),
        metadata={"description": "only records carrying this flag, e.g. over_daily_cap"},
    )
    reviewed = fields.Boolean(metadata={"description": "false: the queue still to review"})
    point_id = Id()
    region = RegionPrefix(
        metadata={"description": "division code prefix of the points' villages", "example": "150502"},
    )


class ReviewBodySchema(Schema):
    note = Text(500, min_length=1, required=True, metadata={"example": "已电话核实，村民分两次取款"})


class ReviewSchema(Schema):
    note = fields.String()
    reviewed_by = fields.Integer()
    reviewer_name = fields.String()
    reviewed_at = Timestamp()


class FlaggedItemSchema(LedgerItemSchema):
    review = fields.Nested(ReviewSchema, allow_none=True)


FlagPageSchema = page_schema("FlagPage", FlaggedItemSchema)
