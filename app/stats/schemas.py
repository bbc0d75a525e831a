"""Query arguments and the answer of GET /api/v1/stats."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from app.core.fields import Day, RegionPrefix
from app.core.schemas import DayRangeSchema

GROUPS = ("region_level", "bank", "period", "kind")
PERIODS = ("day", "week", "month", "quarter", "year")


class StatsArgsSchema(DayRangeSchema):
    region = RegionPrefix(
        metadata={"description": "division code prefix (default: the user's whole scope)",
                  "example": "1505"},
    )
    date_from = Day(data_key="from", required=True)
    date_to = Day(data_key="to", required=True)
    group_by = DelimitedList(
        fields.String(validate=validate.OneOf(GROUPS)),
        load_default=["kind"],
        validate=validate.Length(min=1, max=2),
        metadata={"description": "one or two of region_level, bank, period, kind, comma "
                                 "separated (region_level,period: each child region by month)"},
    )
    period = fields.String(load_default="month", validate=validate.OneOf(PERIODS),
                           metadata={"description": "the period of group_by=period"})

    @validates_schema
    def _groupings(self, data, **kwargs):
        if len(set(data.get("group_by", []))) != len(data.get("group_by", [])):
            raise ValidationError("分组重复 A grouping is named twice", field_name="group_by")


class FigureSchema(Schema):
    count = fields.Integer()
    amount_fen = fields.Integer()


class ChannelFigureSchema(FigureSchema):
    channel = fields.String(metadata={"description": "point, grid or mobile"})


class KindFigureSchema(ChannelFigureSchema):
    kind = fields.String()


class GroupFigureSchema(KindFigureSchema):
    key = fields.String(metadata={"description": "region prefix, head-office id, period or kind"})
    name = fields.String(allow_none=True)
    key2 = fields.String(metadata={"description": "the second grouping's key, if asked"})
    name2 = fields.String(allow_none=True)


class PeriodFiguresSchema(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    totals = fields.Nested(FigureSchema)
    by_channel = fields.List(fields.Nested(ChannelFigureSchema))
    by_kind = fields.List(fields.Nested(KindFigureSchema))


class CoverageFiguresSchema(Schema):
    points = fields.Integer()
    villages = fields.Integer()
    covered_villages = fields.Integer()
    coverage_rate = fields.Float(allow_none=True)


class StatsSchema(PeriodFiguresSchema):
    region = fields.String(metadata={"description": "the prefix counted ('' national)"})
    region_name = fields.String()
    group_by = fields.List(fields.String())
    period = fields.String()
    groups = fields.List(fields.Nested(GroupFigureSchema))
    previous_year = fields.Nested(PeriodFiguresSchema)
    coverage = fields.Nested(CoverageFiguresSchema)
