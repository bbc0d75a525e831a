"""Building blocks for schemas: create bodies derived from update bodies, a range of
business days, coordinates dumped from geometry columns."""
from marshmallow import Schema, ValidationError, fields, validates_schema

from app.core import geo
from app.core.fields import Day


class RequiredOnCreate:
    """Mixin for a create schema derived from its update schema: the same fields, with
    those named in REQUIRED required. Put it first among the bases:

        class PointCreateSchema(RequiredOnCreate, PointUpdateSchema):
            REQUIRED = ("bank_id", "name")
    """

    REQUIRED: tuple[str, ...] = ()

    def on_bind_field(self, field_name, field_obj):
        super().on_bind_field(field_name, field_obj)
        if field_name in self.REQUIRED:
            field_obj.required = True


def Coordinate(geometry, axis, **kwargs):
    """Longitude (axis "lon") or latitude ("lat") of the point stored in `geometry`."""
    index = ("lon", "lat").index(axis)

    def get(obj):
        position = geo.lonlat(getattr(obj, geometry))
        return position[index] if position else None

    return fields.Function(get, metadata={"type": "number"}, **kwargs)


class DayRangeSchema(Schema):
    """Query arguments `from` and `to`: business days (Asia/Shanghai), inclusive, in
    order. A schema that needs both redeclares them with required=True."""

    date_from = Day(data_key="from")
    date_to = Day(data_key="to")

    @validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("起始日期晚于结束日期 'from' is after 'to'", field_name="from")
