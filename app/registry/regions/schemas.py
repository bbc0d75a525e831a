"""Region schemas."""
from marshmallow import Schema, fields, validate

from app.core.fields import Text
from app.core.paging import PageArgsSchema, page_schema
from app.core.schemas import Coordinate
from app.models.regions import LEVELS

CODE_PREFIX = validate.Regexp(r"^[0-9]{2,12}$", error="地区代码为2-12位数字 2-12 digit region code")


class RegionQueryArgsSchema(PageArgsSchema):
    parent = fields.String(validate=CODE_PREFIX, metadata={
        "description": "List this region's children (12-digit code or its significant prefix)",
        "example": "150502"})
    q = Text(50, min_length=1, metadata={"description": "Name contains, or code starts with, this text"})
    level = fields.String(validate=validate.OneOf(LEVELS))


class RegionSchema(Schema):
    code = fields.String()
    prefix = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)
    county_code = fields.String(allow_none=True)
    lon = Coordinate("centroid", "lon", allow_none=True)
    lat = Coordinate("centroid", "lat", allow_none=True)
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
