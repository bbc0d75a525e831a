"""Limit-rule schemas. Amounts are integer fen; dates are business days (Asia/Shanghai)."""
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.clock import today
from app.core.fields import Day, Id, RegionPrefix, Text, Timestamp
from app.core.paging import PageArgsSchema, page_schema
from app.models.ledger import BUSINESS_KINDS

MAX_FEN = 10**12  # 10 billion yuan: far above any rule, far below BIGINT
AMOUNTS = ("min_fen", "multiple_of_fen", "per_card_daily_fen")
RULE_DAY = validate.Range(
    min=date(2000, 1, 1), max=date(2100, 12, 31),
    error="日期须在2000至2100年之间 Must be between 2000 and 2100",
)


def Fen(minimum, **kwargs):
    """Integer fen (strict: 10.5 or "1000" is refused, not rounded)."""
    return fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=minimum, max=MAX_FEN), **kwargs
    )


class LimitCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(BUSINESS_KINDS))
    region_prefix = RegionPrefix(
        levels_only=True,
        metadata={"description": "Default: your region ('' national, admin only)"},
    )
    bank_id = Id(allow_none=True, metadata={"description": "A bank's own rule; none: all banks"})
    min_fen = Fen(0, metadata={"description": "每笔最低 minimum per transaction", "example": 1000})
    multiple_of_fen = Fen(1, metadata={"description": "整数倍 amount must be a multiple", "example": 1000})
    per_card_daily_fen = Fen(0, metadata={"description": "单卡单日 per card per day", "example": 200000})
    valid_from = fields.Date(
        load_default=today, validate=RULE_DAY, metadata={"description": "Default: today"}
    )
    valid_to = fields.Date(
        allow_none=True, validate=RULE_DAY, metadata={"description": "Inclusive; open-ended if absent"}
    )
    source = Text(500, allow_none=True, metadata={"description": "The document the rule comes from"})

    @validates_schema
    def _amounts(self, data, **kwargs):
        """A rule without any amount would silently lift the broader rules it overrides."""
        if all(data.get(name) is None for name in AMOUNTS):
            reason = "至少给出一项限额 Give at least one of min_fen, multiple_of_fen, per_card_daily_fen"
            raise ValidationError({name: [reason] for name in AMOUNTS})

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError(
                "结束日期早于开始日期 valid_to is before valid_from", field_name="valid_to"
            )


class LimitEndSchema(Schema):
    valid_to = fields.Date(validate=RULE_DAY, metadata={"description": "Last day in force (inclusive); default today"})
    reason = Text(500, allow_none=True, metadata={"description": "Kept in the audit log"})


class LimitQueryArgsSchema(PageArgsSchema):
    in_force_on = Day(metadata={"description": "Only rules in force on this day"})
    region = RegionPrefix(
        levels_only=True,
        metadata={"description": "Rules that apply anywhere in the region: broader and narrower"},
    )
    bank = Id(metadata={"description": "Only this bank's own rules"})
    kind = fields.String(validate=validate.OneOf(BUSINESS_KINDS))


class EffectiveArgsSchema(Schema):
    point_id = Id(required=True)
    on = Day(metadata={"description": "Default: today"})


class LimitRuleSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    region_prefix = fields.String()
    bank_id = fields.Integer(allow_none=True)
    min_fen = fields.Integer(allow_none=True)
    multiple_of_fen = fields.Integer(allow_none=True)
    per_card_daily_fen = fields.Integer(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    source = fields.String(allow_none=True)
    created_at = Timestamp()


class EffectiveLimitsSchema(Schema):
    point_id = fields.Integer()
    on = fields.Date()
    limits = fields.List(
        fields.Nested(LimitRuleSchema),
        metadata={"description": "The winning rule per kind: the most specific in force"},
    )


LimitRulePageSchema = page_schema("LimitRulePage", LimitRuleSchema)
