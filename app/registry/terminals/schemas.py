"""Terminal schemas."""
from marshmallow import Schema, fields, validate

from app.core.fields import Day, Text, Timestamp
from app.core.schemas import RequiredOnCreate
from app.models.points import TERMINAL_KINDS

CODE = validate.Regexp(r"^[0-9A-Za-z]+$", error="只能包含字母和数字 Letters and digits only")


class TerminalUpdateSchema(Schema):
    merchant_code = Text(20, min_length=1, validate=CODE, metadata={
        "description": "商户代码 Merchant code", "example": "102150570110001"})
    terminal_code = Text(20, min_length=1, validate=CODE, metadata={
        "description": "终端代码 Terminal code", "example": "15050001"})
    serial_no = Text(50, allow_none=True)
    kind = fields.String(validate=validate.OneOf(TERMINAL_KINDS))
    installed_on = Day(allow_none=True)


class TerminalCreateSchema(RequiredOnCreate, TerminalUpdateSchema):
    REQUIRED = ("merchant_code", "terminal_code")


class TerminalRemoveSchema(Schema):
    removed_on = Day(metadata={"description": "Default: today (Asia/Shanghai)"})
    reason = Text(500, allow_none=True)


class TerminalSchema(Schema):
    id = fields.Integer()
    point_id = fields.Integer()
    merchant_code = fields.String()
    terminal_code = fields.String()
    serial_no = fields.String(allow_none=True)
    kind = fields.String()
    installed_on = fields.Date(allow_none=True)
    removed_on = fields.Date(allow_none=True)
    created_at = Timestamp()
