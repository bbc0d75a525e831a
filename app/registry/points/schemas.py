"""Service point schemas: query arguments, create/update bodies, the registry item."""
import math

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.fields import Day, Id, Phone, RegionPrefix, Text, Timestamp, VillageCode
from app.core.paging import PageArgsSchema, page_schema
from app.core.schemas import Coordinate, RequiredOnCreate
from app.models.ledger import BUSINESS_KINDS
from app.models.points import POINT_SORTS, POINT_STATUSES
from app.registry.terminals.schemas import TerminalSchema

# China's rough extent: a coordinate outside it is almost always swapped lon/lat or a
# typo, and a point there cannot be a village payment point.
CHINA_LON = (73.0, 135.0)
CHINA_LAT = (18.0, 54.0)


class BBox(fields.String):
    """minlon,minlat,maxlon,maxlat in WGS-84 degrees."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            box = [float(part) for part in text.split(",")]
        except ValueError:
            raise ValidationError("bbox 应为四个数字 Expected minlon,minlat,maxlon,maxlat") from None
        if len(box) != 4 or not all(math.isfinite(v) for v in box):
            raise ValidationError("bbox 应为四个数字 Expected minlon,minlat,maxlon,maxlat")
        minlon, minlat, maxlon, maxlat = box
        if not (-180 <= minlon <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
            raise ValidationError("bbox 范围无效 Expected -180<=minlon<=maxlon<=180, -90<=minlat<=maxlat<=90")
        return tuple(box)


class PointQueryArgsSchema(PageArgsSchema):
    region = RegionPrefix(
        metadata={"description": "Region code prefix, e.g. 150502 for 科尔沁区", "example": "150502"},
    )
    bank = Id(metadata={"description": "Bank id: that bank and every branch and outlet below it"})
    status = fields.String(validate=validate.OneOf(POINT_STATUSES))
    bbox = BBox(metadata={"description": "minlon,minlat,maxlon,maxlat (WGS-84)", "example": "122,43,123,44"})
    q = Text(100, min_length=1, metadata={"description": "Text in name, shop, keeper, address or code"})
    sort = fields.String(
        load_default="place", validate=validate.OneOf(POINT_SORTS),
        metadata={"description": "place (village code), name, -name, status, -updated (latest change first)"},
    )


def _lon(**kwargs):
    return fields.Float(
        validate=validate.Range(*CHINA_LON, error="经度应在73-135之间 Longitude must be within China (73-135)"),
        allow_nan=False,
        **kwargs,
    )


def _lat(**kwargs):
    return fields.Float(
        validate=validate.Range(*CHINA_LAT, error="纬度应在18-54之间 Latitude must be within China (18-54)"),
        allow_nan=False,
        **kwargs,
    )


class PointUpdateSchema(Schema):
    """Fields a bank may correct on a point. Status changes go through suspend/close/reopen."""

    bank_id = Id()
    code = Text(40, min_length=1, allow_none=True)
    name = Text(200, min_length=1)
    shop_name = Text(200, min_length=1)
    licence_no = Text(40, allow_none=True)
    keeper_name = Text(100, min_length=1)
    keeper_phone = Phone(allow_none=True)
    address = Text(300, allow_none=True)
    village_code = VillageCode()
    lon = _lon()
    lat = _lat()
    services = fields.List(
        fields.String(validate=validate.OneOf(BUSINESS_KINDS)),
        validate=validate.Length(min=1, max=len(BUSINESS_KINDS)),
    )
    opened_on = Day(allow_none=True)
    signage = fields.Boolean()

    @validates_schema
    def lon_and_lat_together(self, data, **kwargs):
        if ("lon" in data) != ("lat" in data):
            missing = "lat" if "lon" in data else "lon"
            raise ValidationError("经纬度须同时提供 lon and lat go together", missing)

    @validates_schema
    def services_unique(self, data, **kwargs):
        if len(set(data.get("services", []))) != len(data.get("services", [])):
            raise ValidationError("服务重复 Duplicate service", "services")


class PointCreateSchema(RequiredOnCreate, PointUpdateSchema):
    REQUIRED = ("bank_id", "name", "shop_name", "keeper_name", "village_code", "lon", "lat", "services")


class StatusChangeSchema(Schema):
    reason = Text(500, min_length=1, required=True, metadata={"example": "机具故障 Terminal broken"})


class PointSchema(Schema):
    id = fields.Integer()
    code = fields.String(allow_none=True)
    name = fields.String()
    shop_name = fields.String()
    licence_no = fields.String(allow_none=True)
    keeper_name = fields.String()
    keeper_phone = fields.String(
        attribute="shown_keeper_phone",
        allow_none=True,
        metadata={"description": "Masked (139****1234) unless you own the record"},
    )
    address = fields.String(allow_none=True)
    village_code = fields.String()
    village_name = fields.String(attribute="village.name")
    county_code = fields.String()
    bank_id = fields.Integer()
    bank_name = fields.String(attribute="bank.name")
    lon = Coordinate("location", "lon")
    lat = Coordinate("location", "lat")
    services = fields.List(fields.String())
    status = fields.String()
    status_since = fields.Date()
    status_reason = fields.String(allow_none=True)
    opened_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    signage = fields.Boolean()
    terminals = fields.List(fields.Nested(TerminalSchema))
    created_at = Timestamp()
    updated_at = Timestamp()


PointPageSchema = page_schema("PointPage", PointSchema)


class HistoryEventSchema(Schema):
    id = fields.Integer()
    at = Timestamp()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.Function(
        lambda e: e.actor.username if e.actor else None, allow_none=True, metadata={"type": "string"}
    )
    action = fields.String()
    entity = fields.String()
    entity_id = fields.String(allow_none=True)
    scope = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    before = fields.Dict(attribute="shown_before", allow_none=True)
    after = fields.Dict(attribute="shown_after", allow_none=True)


HistoryPageSchema = page_schema("HistoryPage", HistoryEventSchema)
