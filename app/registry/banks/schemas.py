"""Organisation schemas."""
from marshmallow import Schema, fields, validate

from app.core.fields import Id, Text, Timestamp
from app.core.paging import PageArgsSchema, page_schema
from app.core.schemas import RequiredOnCreate
from app.models.orgs import ORG_KINDS

REGION_CODE = validate.Regexp(r"^[0-9]{12}$", error="地区代码为12位数字 12-digit region code")


class BankQueryArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(ORG_KINDS))
    parent_id = Id(metadata={"description": "Direct children of this organisation"})
    q = Text(50, min_length=1, metadata={"description": "Name contains this text"})


class BankUpdateSchema(Schema):
    name = Text(200, min_length=1)
    short_name = Text(50, allow_none=True)
    region_code = fields.String(validate=REGION_CODE, allow_none=True)


class BankCreateSchema(RequiredOnCreate, BankUpdateSchema):
    REQUIRED = ("name",)

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
    created_at = Timestamp()


BankPageSchema = page_schema("BankPage", BankSchema)
