"""Region schemas."""
from geoalchemy2.shape import to_shape
from marshmallow import Schema, fields, validate

from app.models.regions import LEVELS
from app.registry.common import PageArgsSchema, Text, page_schema

CODE_PREFIX = validate.Regexp(r"^[0-9]{2,12}$", error="地区代码为2-12位数字 2-12 digit region code")


class RegionQueryArgsSchema(PageArgsSchema):
    parent = fields.String(validate=CODE_PREFIX, metadata={
        "description": "List this region's children (12-digit code or its significant prefix)",
        "example": "150502"})
    q = Text(50, min_length=1, metadata={"description": "Name contains, or code starts with, this text"})
    level = fields.String(validate=validate.OneOf(LEVELS))


def _coord(index):
    def get(region):
        return to_shape(region.centroid).coords[0][index] if region.centroid is not None else None

    return fields.Function(get, allow_none=True, metadata={"type": "number"})


class RegionSchema(Schema):
    code = fields.String()
    prefix = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)
    county_code = fields.String(allow_none=True)
    lon = _coord(0)
    lat = _coord(1)
    population = fields.Integer(allow_none=True)
    households = fields.Integer(allow_none=True)


class RegionRefSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()


class RegionDetailSchema(RegionSchema):
    parents = fields.List(fields.Nested(RegionRefSchema), metadata={"description": "Province first"})
    children_count = fields.Integer()
    villages_count = fields.Integer(metadata={"description": "Villages anywhere below this region"})


RegionPageSchema = page_schema("RegionPage", RegionSchema)
