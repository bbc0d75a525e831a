from marshmallow import Schema, fields, validate

from app.auth.scope import PERMISSIONS


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    device_id = fields.String(
        validate=validate.Length(min=8, max=64),
        metadata={"description": "Client-generated device id; registers the phone for revocation"},
    )
    device_label = fields.String(validate=validate.Length(max=100))


class MeSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    org_id = fields.Integer(allow_none=True)
    org_name = fields.String(attribute="org.name", allow_none=True)
    point_id = fields.Integer(allow_none=True)
    county_code = fields.String(allow_none=True)
    permissions = fields.Function(
        lambda user: sorted(action for action, roles in PERMISSIONS.items() if user.role in roles),
        metadata={"type": "array", "items": {"type": "string"},
                  "description": "Actions of the role (app/auth/scope.py PERMISSIONS): the client shows only these"},
    )


class TokenSchema(Schema):
    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
    user = fields.Nested(MeSchema, required=True)
