"""Organisation schemas."""
from marshmallow import Schema, fields, validate

from app.models.orgs import ORG_KINDS
from app.registry.common import Id, PageArgsSchema, Text, UtcDateTime, page_schema

REGION_CODE = validate.Regexp(r"^[0-9]{12}$", error="地区代码为12位数字 12-digit region code")


class BankQueryArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(ORG_KINDS))
    parent_id = Id(metadata={"description": "Direct children of this organisation"})
    q = Text(50, min_length=1, metadata={"description": "Name contains this text"})


class BankUpdateSchema(Schema):
    name = Text(200, min_length=1)
    short_name = Text(50, allow_none=True)
    region_code = fields.String(validate=REGION_CODE, allow_none=True)


class BankCreateSchema(BankUpdateSchema):
    name = Text(200, min_length=1, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ORG_KINDS))
    parent_id = Id(allow_none=True, metadata={"description": "Head office or branch above it"})


class BankSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    path = fields.String(metadata={"description": "Materialised path of ids, e.g. /1/7/42/"})
    depth = fields.Function(lambda o: o.path.count("/") - 1, metadata={"type": "integer"})
    region_code = fields.String(allow_none=True)
    created_at = UtcDateTime()


BankPageSchema = page_schema("BankPage", BankSchema)
