from marshmallow import Schema, fields

from app.core.fields import DeviceId, Text

from app.auth.scope import PERMISSIONS


class LoginSchema(Schema):
    username = Text(64, min_length=1, required=True)
    # Hashed and compared, never stored or shown: the one text that may be any digits.
    password = Text(200, min_length=1, required=True, load_only=True, allow_card=True)
    device_id = DeviceId(
        min_length=8,
        metadata={"description": "Client-generated device id; registers the phone for revocation"},
    )
    device_label = Text(100)


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
