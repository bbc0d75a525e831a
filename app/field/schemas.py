"""Shapes of the field worker's pull and the documentation of her pushed records.

Pushed records are checked one by one by app/field/sync.py (a malformed one is
rejected alone); these schemas document them in the OpenAPI reference."""
from marshmallow import Schema, fields, validate

from app.core.fields import Id, RegionPrefix, Text, Timestamp, VillageCode
from app.core.paging import PageArgsSchema, page_schema
from app.core.schemas import DayRangeSchema
from app.models.field import (
    FINDING_STATUSES,
    INSPECTION_ITEMS,
    REQUEST_CATEGORIES,
    REQUEST_STATUSES,
    VILLAGE_SOURCES,
)
from app.models.ledger import FIELD_CHANNELS
from app.sync.schemas import AlertSchema

RECORD_TYPES = ("visit", "fraud_talk", "ledger_entry")


class VisitDataSchema(Schema):
    """`data` of a `visit` record, pushed once when the visit has ended."""

    village_code = fields.String(required=True, metadata={"example": "150502001001"})
    channel = fields.String(validate=validate.OneOf(FIELD_CHANNELS),
                            metadata={"description": "optional; the role's channel"})
    started_at = fields.String(required=True, metadata={"description": "ISO 8601 with offset"})
    ended_at = fields.String(required=True, metadata={"description": "not before started_at"})
    village_source = fields.String(
        required=True, validate=validate.OneOf(VILLAGE_SOURCES),
        metadata={"description": "gps: found by the fix inside the boundary; picked: chosen"},
    )
    lon = fields.Float(allow_none=True, metadata={"description": "WGS-84; required for gps"})
    lat = fields.Float(allow_none=True)
    households = fields.Integer(metadata={"description": "households visited, default 0"})
    note = fields.String(allow_none=True)


class FraudTalkDataSchema(Schema):
    """`data` of a `fraud_talk` record: an anti-fraud talk given on a visit."""

    visit_id = fields.String(required=True)
    village_code = fields.String(required=True)
    occurred_at = fields.String(required=True)
    topic = fields.String(required=True)
    attendance = fields.Integer(required=True)
    note = fields.String(allow_none=True)


class PullArgsSchema(Schema):
    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class PullVillageSchema(Schema):
    code = fields.String()
    name = fields.String()
    county_code = fields.String()
    assigned = fields.Boolean(metadata={"description": "one of her grid assignments"})
    boundary = fields.Dict(allow_none=True, metadata={"description": "GeoJSON, WGS-84"})
    lon = fields.Float(allow_none=True)
    lat = fields.Float(allow_none=True)


class PullFieldPointSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    village_code = fields.String()
    lon = fields.Float(allow_none=True)
    lat = fields.Float(allow_none=True)


class PulledFieldRecordSchema(Schema):
    seq = fields.Integer()
    id = fields.String()
    type = fields.String(validate=validate.OneOf(RECORD_TYPES))
    status = fields.String()
    data = fields.Dict()
    flags = fields.List(fields.String())


class PullRequestSchema(Schema):
    id = fields.String()
    village_code = fields.String()
    category = fields.String()
    text = fields.String()
    deadline = fields.Date()
    status = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    overdue = fields.Boolean()


class FieldPullSchema(Schema):
    cursor = fields.Integer(metadata={"description": "server sequence; send it back next time"})
    has_more = fields.Boolean()
    server_time = Timestamp()
    channel = fields.String(validate=validate.OneOf(FIELD_CHANNELS))
    villages = fields.List(fields.Nested(PullVillageSchema))
    points = fields.List(fields.Nested(PullFieldPointSchema))
    alerts = fields.List(fields.Nested(AlertSchema))
    requests = fields.List(fields.Nested(PullRequestSchema),
                           metadata={"description": "open requests of her area, at most 200"})
    records = fields.List(fields.Nested(PulledFieldRecordSchema))


class VisitQueryArgsSchema(PageArgsSchema, DayRangeSchema):
    region = RegionPrefix(metadata={"description": "division code prefix, e.g. 150502"})
    team_id = Id(data_key="team", metadata={"description": "visits by the team's members"})
    channel = fields.String(validate=validate.OneOf(FIELD_CHANNELS))
    user_id = Id(data_key="user")
    bank_id = Id(data_key="bank", metadata={"description": "a bank or branch: its subtree"})
    # from, to (DayRangeSchema): business days (Asia/Shanghai) of the start, inclusive.


class VisitItemSchema(Schema):
    id = fields.String()
    user_id = fields.Integer()
    user_name = fields.String()
    channel = fields.String()
    village_code = fields.String()
    village_name = fields.String()
    started_at = Timestamp()
    ended_at = Timestamp()
    village_source = fields.String()
    households = fields.Integer()
    flags = fields.List(fields.String())
    business_count = fields.Integer(metadata={"description": "live records (voids excluded)"})
    business_fen = fields.Integer(metadata={"description": "their amount, integer fen"})
    talks = fields.Integer()
    talk_attendance = fields.Integer()


VisitPageSchema = page_schema("VisitPage", VisitItemSchema)


class AlertAckSchema(Schema):
    id = fields.String()
    alert_id = fields.Integer()
    user_id = fields.Integer()
    acked_at = Timestamp()


class RequestCreateSchema(Schema):
    village_code = VillageCode(required=True)
    category = fields.String(required=True, validate=validate.OneOf(REQUEST_CATEGORIES))
    text = Text(2000, min_length=1, required=True)
    deadline = fields.Date(required=True, metadata={"description": "business day, inclusive"})
    visit_id = fields.UUID(allow_none=True)


class RequestQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    overdue = fields.Boolean(metadata={"description": "true: past the deadline, not resolved"})
    region = RegionPrefix()


class AssignSchema(Schema):
    assignee_id = Id(required=True)


class ResolveSchema(Schema):
    resolution = Text(2000, min_length=1, required=True)


class CloseSchema(Schema):
    feedback = Text(2000, min_length=1, required=True)
    satisfied = fields.Boolean(required=True)


class RequestItemSchema(Schema):
    id = fields.String()
    village_code = fields.String()
    village_name = fields.String()
    visit_id = fields.String(allow_none=True)
    category = fields.String()
    text = fields.String()
    deadline = fields.Date()
    status = fields.String()
    overdue = fields.Boolean()
    created_by = fields.Integer()
    taken_at = Timestamp()
    assignee_id = fields.Integer(allow_none=True)
    resolution = fields.String(allow_none=True)
    resolved_at = Timestamp(allow_none=True)
    feedback = fields.String(allow_none=True)
    satisfied = fields.Boolean(allow_none=True)
    closed_at = Timestamp(allow_none=True)


RequestPageSchema = page_schema("RequestPage", RequestItemSchema)


class InspectionCreateSchema(Schema):
    point_id = Id(required=True)
    failed_items = fields.List(fields.String(validate=validate.OneOf(INSPECTION_ITEMS)),
                               required=True, metadata={"description": "[] when all passed"})
    note = Text(1000, allow_none=True)


class FindingSchema(Schema):
    id = fields.Integer()
    inspection_id = fields.String()
    point_id = fields.Integer()
    item = fields.String()
    owner_id = fields.Integer(allow_none=True)
    deadline = fields.Date()
    status = fields.String()
    fix = fields.String(allow_none=True)
    fixed_at = Timestamp(allow_none=True)
    verified_by = fields.Integer(allow_none=True)
    verified_at = Timestamp(allow_none=True)


class InspectionItemSchema(Schema):
    id = fields.String()
    point_id = fields.Integer()
    inspector_id = fields.Integer()
    inspected_at = Timestamp()
    failed_items = fields.List(fields.String())
    note = fields.String(allow_none=True)
    findings = fields.List(fields.Nested(FindingSchema))


class InspectionQueryArgsSchema(PageArgsSchema):
    point_id = Id()


class DueQueryArgsSchema(PageArgsSchema):
    overdue = fields.Boolean(metadata={"description": "true: due today or overdue"})


class DueItemSchema(Schema):
    point_id = fields.Integer()
    point_name = fields.String()
    village_code = fields.String()
    last_inspected_at = Timestamp(allow_none=True)
    every_days = fields.Integer()
    next_due = fields.Date()
    overdue = fields.Boolean()


class FindingQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(FINDING_STATUSES))
    overdue = fields.Boolean(metadata={"description": "true: open past the deadline"})


class FixSchema(Schema):
    fix = Text(1000, min_length=1, required=True)


InspectionPageSchema = page_schema("InspectionPage", InspectionItemSchema)
DuePageSchema = page_schema("InspectionDuePage", DueItemSchema)
FindingPageSchema = page_schema("FindingPage", FindingSchema)


class TeamCreateSchema(Schema):
    name = Text(100, min_length=1, required=True)
    bank_id = Id(required=True)


class TeamSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    bank_id = fields.Integer()
    members = fields.Integer()
    created_at = Timestamp()


class MemberSchema(Schema):
    user_id = Id(required=True)


class PlanCreateSchema(Schema):
    village_code = VillageCode(required=True)
    planned_on = fields.Date(required=True)


class PlanSchema(Schema):
    id = fields.Integer()
    village_code = fields.String()
    village_name = fields.String()
    planned_on = fields.Date()
    done = fields.Boolean(metadata={"description": "a member visited the village that day"})


class PlanQueryArgsSchema(PageArgsSchema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")


class PlanPageSchema(Schema):
    items = fields.List(fields.Nested(PlanSchema))
    planned = fields.Integer()
    done = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


TeamPageSchema = page_schema("TeamPage", TeamSchema)


class TrainingCreateSchema(Schema):
    topic = Text(200, min_length=1, required=True)
    held_on = fields.Date(required=True)
    bank_id = Id(required=True)
    attendee_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))


class TrainingSchema(Schema):
    id = fields.Integer()
    topic = fields.String()
    held_on = fields.Date()
    bank_id = fields.Integer()
    attendees = fields.Integer()


class UntrainedArgsSchema(PageArgsSchema):
    every_days = fields.Integer(load_default=365, validate=validate.Range(min=1, max=3650),
                                metadata={"description": "overdue after this many days"})


class UntrainedSchema(Schema):
    user_id = fields.Integer()
    display_name = fields.String()
    role = fields.String()
    last_trained_on = fields.Date(allow_none=True)


TrainingPageSchema = page_schema("TrainingPage", TrainingSchema)
UntrainedPageSchema = page_schema("UntrainedPage", UntrainedSchema)
