"""Shapes of the sync protocol (issue 3). The PWA and the acceptance tests rely on them.

The envelope is loaded by marshmallow; the records inside are checked one by one by
app/sync/records.py, so one malformed record is rejected on its own instead of failing
the whole batch.
"""
from marshmallow import Schema, fields, validate

from app.alerts.schemas import RiskAlertSchema
from app.core.fields import DeviceId
from app.ledger.schemas import LedgerRecordSchema
from app.limits.schemas import LimitRuleSchema
from app.models.ledger import CHANNELS, LEDGER_KINDS

STATUSES = ("accepted", "duplicate", "conflict", "rejected")


class LedgerDataSchema(Schema):
    """Documentation of `data` in a pushed record (checked by app/sync/records.py)."""

    channel = fields.String(
        validate=validate.OneOf(CHANNELS),
        metadata={"description": "point (the default when absent), grid or mobile"},
    )
    point_id = fields.Integer(metadata={"description": "channel point: required"})
    visit_id = fields.String(metadata={"description": "channel grid or mobile: required"})
    village_code = fields.String(metadata={"description": "channel grid or mobile: required"})
    kind = fields.String(required=True, validate=validate.OneOf(LEDGER_KINDS))
    amount_fen = fields.Integer(required=True, metadata={"description": "整数分 integer fen, >= 0"})
    card_masked = fields.String(
        allow_none=True, metadata={"description": "BIN + last 4 only, e.g. 622848******1234"}
    )
    voucher_no = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    occurred_at = fields.String(
        required=True, metadata={"description": "ISO 8601 with a UTC offset (device clock)"}
    )
    lon = fields.Float(allow_none=True)
    lat = fields.Float(allow_none=True)
    void_of = fields.String(allow_none=True, metadata={"description": "id of the record voided"})


class PushRecordSchema(Schema):
    id = fields.String(required=True, metadata={"description": "client-generated UUID"})
    type = fields.String(
        required=True,
        metadata={"description": "ledger_entry; a field worker also visit, fraud_talk"},
    )
    data = fields.Nested(LedgerDataSchema, required=True)


class PushSchema(Schema):
    device_id = DeviceId(allow_none=True)
    # Raw items: each record is checked on its own so one bad record never fails the batch.
    records = fields.List(
        # allow_none: a null record is one bad record, answered "rejected" on its own.
        fields.Raw(allow_none=True, metadata={"description": "a PushRecord"}),
        required=True,
        metadata={"description": "At most 1,000 records (more is a 413)"},
    )


class PushResultSchema(Schema):
    id = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    reason = fields.String(allow_none=True)
    flags = fields.List(fields.String())


class PushResponseSchema(Schema):
    results = fields.List(fields.Nested(PushResultSchema))


class PullArgsSchema(Schema):
    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class PullLimitSchema(LimitRuleSchema):
    """A rule in force, as the phone needs it to warn before saving."""

    class Meta:
        exclude = ("id", "created_at")


class AlertSchema(RiskAlertSchema):
    """An alert as the phone shows it: the alerts' own schema, without what only the
    publisher's side needs."""

    class Meta:
        exclude = ("published_by", "active")


class PullPointSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    village_code = fields.String()
    county_code = fields.String()
    bank_id = fields.Integer()
    bank_name = fields.String(allow_none=True)
    services = fields.List(fields.String())
    lon = fields.Float(allow_none=True)
    lat = fields.Float(allow_none=True)


class PulledRecordSchema(LedgerRecordSchema):
    status = fields.String()


class PullSchema(Schema):
    cursor = fields.Integer(metadata={"description": "server sequence; send it back next time"})
    has_more = fields.Boolean()
    server_time = fields.DateTime()
    point = fields.Nested(PullPointSchema)
    limits = fields.List(fields.Nested(PullLimitSchema))
    alerts = fields.List(fields.Nested(AlertSchema))
    records = fields.List(fields.Nested(PulledRecordSchema))
