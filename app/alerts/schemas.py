"""Risk-alert schemas. Times travel with their UTC offset (RFC 3339)."""
from datetime import UTC, datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from marshmallow.utils import get_value

from app.core.fields import RegionPrefix, Text, Timestamp
from app.core.paging import PageArgsSchema, page_schema

# Alerts are about the present; the bounds also keep every instant storable and
# readable back in every time zone (year 1 and year 9999 are not).
SENSIBLE_TIME = validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2100, 1, 1, tzinfo=UTC),
    error="时间须在2000至2100年之间 Must be between 2000 and 2100",
)


class AlertCreateSchema(Schema):
    title = Text(200, min_length=1, required=True, metadata={"example": "警惕冒充客服退款诈骗"})
    body = Text(5000, min_length=1, required=True)
    region_prefix = RegionPrefix(
        levels_only=True,
        metadata={"description": "Default: the publisher's region ('' national, admin only)"},
    )
    published_at = fields.AwareDateTime(validate=SENSIBLE_TIME, metadata={"description": "Default: now"})
    expires_at = fields.AwareDateTime(
        allow_none=True, validate=SENSIBLE_TIME, metadata={"description": "Open-ended if absent"}
    )

    @validates_schema
    def _ends_later(self, data, **kwargs):
        """An alert that has ended before it starts, or already, would reach nobody."""
        end = data.get("expires_at")
        if end is None:
            return
        start = data.get("published_at") or datetime.now(UTC)
        if end <= max(start, datetime.now(UTC)):
            raise ValidationError(
                "结束时间须晚于发布时间和当前时间 expires_at must be after published_at and now",
                field_name="expires_at",
            )


class AlertWithdrawSchema(Schema):
    reason = Text(500, allow_none=True, metadata={"description": "Kept in the audit log"})


class AlertQueryArgsSchema(PageArgsSchema):
    active = fields.Boolean(metadata={"description": "true: only alerts in force now"})


class InForceNow(fields.Boolean):
    """Whether the alert is in force now, computed from its dates at dump time (a
    withdrawn alert has ended: its expires_at is the moment of withdrawal)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        now = datetime.now(UTC)
        start, end = get_value(obj, "published_at"), get_value(obj, "expires_at")
        return start <= now and (end is None or end > now)


class RiskAlertSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    region_prefix = fields.String()
    published_by = fields.Integer(allow_none=True, metadata={"description": "publishing organisation"})
    published_at = Timestamp()
    expires_at = Timestamp(allow_none=True)
    active = InForceNow(dump_only=True)


class AckRegionSchema(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    expected = fields.Integer()
    acknowledged = fields.Integer()
    rate = fields.Float(allow_none=True)


class AckMissingSchema(Schema):
    user_id = fields.Integer()
    display_name = fields.String()
    role = fields.String()
    code = fields.String(metadata={"description": "the area that puts her in the region"})


class AckSummarySchema(Schema):
    alert_id = fields.Integer()
    region_prefix = fields.String()
    expected = fields.Integer()
    acknowledged = fields.Integer()
    rate = fields.Float(allow_none=True)
    by_region = fields.List(fields.Nested(AckRegionSchema))
    not_acknowledged = fields.List(fields.Nested(AckMissingSchema),
                                   metadata={"description": "at most 200"})


class RiskAlertDetailSchema(RiskAlertSchema):
    """One alert; its publishers (permission alerts.publish) also get who acknowledged it."""

    acknowledgements = fields.Nested(
        AckSummarySchema,
        metadata={"description": "Only for those who may publish alerts: the same summary "
                  "as GET /api/v1/alerts/{alert_id}/acks"},
    )


RiskAlertPageSchema = page_schema("RiskAlertPage", RiskAlertSchema)
