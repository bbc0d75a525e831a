"""Building blocks for schemas: create bodies derived from update bodies, coordinates
dumped from geometry columns."""
from marshmallow import fields

from app.core import geo


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
