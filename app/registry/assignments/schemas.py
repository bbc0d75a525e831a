"""Grid assignment schemas."""
from marshmallow import Schema, fields, validate

from app.core.fields import Day, Id, Text, Timestamp, VillageCode
from app.core.paging import PageArgsSchema, page_schema


class AssignmentQueryArgsSchema(PageArgsSchema):
    village = fields.String(
        validate=validate.Regexp(r"^[0-9]{2,12}$"),
        metadata={"description": "Village code prefix (a county, township or one village)"},
    )
    user_id = Id()
    active = fields.Boolean(metadata={"description": "true: open assignments only; false: ended only"})


class AssignmentCreateSchema(Schema):
    user_id = Id(required=True, metadata={"description": "The grid worker"})
    village_code = VillageCode(required=True)
    starts_on = Day(metadata={"description": "Default: today (Asia/Shanghai)"})
    replace = fields.Boolean(load_default=False, metadata={
        "description": "End the village's open assignment on starts_on and open this one"})


class AssignmentEndSchema(Schema):
    ends_on = Day(metadata={"description": "Default: today (Asia/Shanghai)"})
    reason = Text(500, allow_none=True)


class AssignmentSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    username = fields.String(attribute="user.username")
    display_name = fields.String(attribute="user.display_name")
    village_code = fields.String()
    village_name = fields.String(attribute="village.name")
    county_code = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    created_at = Timestamp()


AssignmentPageSchema = page_schema("AssignmentPage", AssignmentSchema)
