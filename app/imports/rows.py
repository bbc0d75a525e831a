"""One imported row of a service-point file, validated like a point created through the
registry API: the same lengths, phone pattern, 12-digit village code, coordinate range
(China), service list and status values.

Spreadsheet habits are accepted where they are unambiguous: Chinese service and status
names (取款, 暂停), 是/否 for yes/no, dates as 2020/5/1, services separated by ; 、 or ,.
"""
import math
import re
from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.core import clock
from app.core.fields import EARLIEST_DATE, Phone, Text, VillageCode
from app.models.ledger import BUSINESS_KINDS
from app.models.points import POINT_STATUSES
from app.registry.points.schemas import CHINA_LAT, CHINA_LON

SERVICE_NAMES = {
    "取款": "withdrawal", "小额取款": "withdrawal", "余额查询": "balance_inquiry",
    "查询": "balance_inquiry", "转账": "transfer", "转账汇款": "transfer",
    "现金汇款": "cash_remittance", "汇款": "cash_remittance", "代理缴费": "bill_payment",
    "缴费": "bill_payment",
}
STATUS_NAMES = {"正常": "active", "营业": "active", "暂停": "suspended", "关闭": "closed",
                "撤销": "closed", "停业": "closed"}
STRING_FIELDS = ("name", "shop_name", "licence_no", "keeper_name", "keeper_phone", "address",
                 "village_code", "merchant_code", "terminal_code")


def Coordinate(low, high, word):
    return fields.Float(required=True, allow_nan=False, validate=validate.Range(
        low, high, error=f"{word}应在{low:g}-{high:g}之间 Must be within China ({low:g}-{high:g})"))


class Services(fields.Field):
    """'withdrawal;transfer' or '取款、转账' -> ['withdrawal', 'transfer']."""

    def _deserialize(self, value, attr, data, **kwargs):
        parts = value if isinstance(value, list) else re.split(r"[;；,，、|]", str(value))
        codes = []
        for part in (str(p).strip() for p in parts):
            if not part:
                continue
            code = SERVICE_NAMES.get(part, part.lower())
            if code not in BUSINESS_KINDS:
                raise ValidationError(f"未知服务 Unknown service {part!r}; expected {', '.join(BUSINESS_KINDS)}")
            if code in codes:
                raise ValidationError(f"服务重复 Duplicate service {part!r}")
            codes.append(code)
        if not codes:
            raise ValidationError("至少一项服务 At least one service")
        return codes


class Status(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        status = STATUS_NAMES.get(text, text.lower())
        if status not in POINT_STATUSES:
            raise ValidationError(f"未知状态 Unknown status {text!r}; expected {', '.join(POINT_STATUSES)}")
        return status


class LenientDate(fields.Field):
    """ISO dates, or 2020/5/1 and 2020年5月1日 as spreadsheets write them; not in the future."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date):
            parsed = value
        else:
            match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", str(value).strip())
            if not match:
                raise ValidationError("日期格式错误 Not a date (YYYY-MM-DD)")
            try:
                parsed = date(*map(int, match.groups()))
            except ValueError:
                raise ValidationError("日期无效 Not a valid date") from None
        if parsed < EARLIEST_DATE:
            raise ValidationError(f"日期过早 Must not be before {EARLIEST_DATE}")
        if parsed > clock.today():
            raise ValidationError("开办日期不能在未来 Must not be in the future")
        return parsed


class ServicePointRowSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = Text(200, min_length=1, required=True)
    shop_name = Text(200, min_length=1, required=True)
    licence_no = Text(40, min_length=1)
    keeper_name = Text(100, min_length=1, required=True)
    keeper_phone = Phone()
    address = Text(300, min_length=1)
    village_code = VillageCode(required=True)
    lon = Coordinate(*CHINA_LON, "经度")
    lat = Coordinate(*CHINA_LAT, "纬度")
    services = Services(required=True)
    status = Status(load_default="active")
    signage = fields.Boolean(load_default=False, truthy={True, 1, "1", "true", "yes", "y", "是", "有"},
                             falsy={False, 0, "0", "false", "no", "n", "否", "无"})
    opened_on = LenientDate()
    merchant_code = fields.String(validate=validate.Regexp(
        r"^[0-9A-Za-z]{1,20}$", error="商户代码为1-20位字母数字 1-20 letters or digits"))
    terminal_code = fields.String(validate=validate.Regexp(
        r"^[0-9A-Za-z]{1,20}$", error="终端代码为1-20位字母数字 1-20 letters or digits"))

    @pre_load
    def tidy(self, data, **kwargs):
        """Trim cells and treat empty ones as missing; numbers typed into text columns
        (village codes in GeoJSON, phone numbers in a GeoPackage) become text."""
        tidy = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue
            elif value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if key in STRING_FIELDS and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if key in ("lon", "lat") and isinstance(value, str):
                value = value.replace("，", ".")
            tidy[key] = value
        return tidy

    @validates_schema
    def terminal_codes_together(self, data, **kwargs):
        if ("merchant_code" in data) != ("terminal_code" in data):
            missing = "terminal_code" if "merchant_code" in data else "merchant_code"
            raise ValidationError("商户代码与终端代码须同时提供 merchant_code and terminal_code go "
                                  "together", missing)


row_schema = ServicePointRowSchema()
# marshmallow's own messages, Chinese first like the rest of the product.
CHINESE_FIRST = {
    "Missing data for required field.": "必填 Missing data for required field",
    "Not a valid number.": "应为数字 Not a valid number",
    "Not a valid boolean.": "应为是/否 Not a valid yes/no value",
    "Not a valid string.": "应为文本 Not a valid string",
}


def flatten(messages) -> list[tuple[str, str]]:
    """marshmallow's {field: [reasons]} as (field, reason) pairs, in field order."""
    pairs = []
    for field_name, reasons in messages.items():
        if isinstance(reasons, dict):
            reasons = [r for sub in reasons.values() for r in (sub if isinstance(sub, list) else [sub])]
        for reason in reasons if isinstance(reasons, list) else [reasons]:
            reason = CHINESE_FIRST.get(str(reason), str(reason))
            pairs.append(("row" if field_name == "_schema" else field_name, reason))
    return pairs
