"""User and device schemas. A password goes in, never out."""
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.core.fields import Id, Phone, Text, Timestamp
from app.core.paging import PageArgsSchema, page_schema
from app.core.schemas import RequiredOnCreate
from app.models.people import ROLES

COUNTY = validate.Regexp(r"^[0-9]{6}$", error="县代码为6位数字 6-digit county code")


class UserQueryArgsSchema(PageArgsSchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    org_id = Id()
    point_id = Id()
    county = fields.String(validate=validate.Regexp(r"^[0-9]{2,6}$"),
                           metadata={"description": "County code prefix"})
    q = Text(50, min_length=1, metadata={"description": "Username or name contains this text"})
    active = fields.Boolean()


class UserUpdateSchema(Schema):
    display_name = Text(100, min_length=1)
    phone = Phone(allow_none=True)
    org_id = Id(allow_none=True)
    point_id = Id(allow_none=True)
    county_code = fields.String(validate=COUNTY, allow_none=True)
    active = fields.Boolean()
    password = Text(200, min_length=8, load_only=True, allow_none=True,
                    metadata={"description": "Sets a new password (stored hashed). null: no sign-in"})


class UserCreateSchema(RequiredOnCreate, UserUpdateSchema):
    REQUIRED = ("display_name",)

    username = Text(64, min_length=3, required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_.-]+$", error="用户名只能含字母、数字和_.- Letters, digits and _.- only"))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))

    @validates("password")
    def not_blank(self, value, **kwargs):
        if value is not None and not value.strip():
            raise ValidationError("密码不能为空白 Password cannot be blank")


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    phone = fields.String(attribute="shown_phone", allow_none=True,
                          metadata={"description": "Masked unless you own the record"})
    role = fields.String()
    org_id = fields.Integer(allow_none=True)
    org_name = fields.String(attribute="org.name", allow_none=True)
    point_id = fields.Integer(allow_none=True)
    county_code = fields.String(allow_none=True)
    active = fields.Boolean()
    can_sign_in = fields.Function(lambda u: u.password_hash is not None, metadata={"type": "boolean"})
    created_at = Timestamp()


UserPageSchema = page_schema("UserPage", UserSchema)


class DeviceSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    label = fields.String(allow_none=True)
    device_hint = fields.Function(lambda d: "…" + d.device_key[-4:], metadata={
        "type": "string", "description": "Last characters of the device id, to tell phones apart"})
    registered_at = Timestamp()
    last_seen_at = Timestamp(allow_none=True)
    revoked_at = Timestamp(allow_none=True)


class DeviceRevokeSchema(Schema):
    reason = Text(500, allow_none=True, metadata={"example": "手机丢失 Phone lost"})
