"""Field types every schema uses, so a rule about a kind of value is written once.

Text is the one type for free text the API accepts: whatever it refuses, every text
field refuses, including one added later.
"""
import re
from datetime import UTC

from marshmallow import ValidationError, fields, validate

MAX_ID = 2**31 - 1  # integer primary keys; a larger id cannot exist (and would not fit)

# Mainland mobile (13904751234) or landline with area code (0475-8221234, 04758221234).
PHONE_RE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
VILLAGE_CODE_RE = r"^[0-9]{12}$"

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value):
    """PostgreSQL text holds neither NUL nor lone UTF-16 surrogates (which JSON can carry);
    refuse them as bad input instead of failing in the database."""
    if UNSTORABLE.search(value):
        raise ValidationError("包含无效字符 Contains NUL or an unpaired surrogate character")


def Text(max_length, min_length=0, **kwargs):
    """A string field with a length limit that PostgreSQL can always store."""
    checks = [validate.Length(min=min_length, max=max_length), _storable]
    extra = kwargs.pop("validate", None)
    if extra:
        checks.extend(extra if isinstance(extra, list) else [extra])
    return fields.String(validate=checks, **kwargs)


def Phone(**kwargs):
    return fields.String(
        validate=validate.Regexp(PHONE_RE, error="电话号码格式错误 Not a valid phone number"),
        metadata={"example": "13904751234"},
        **kwargs,
    )


def Id(**kwargs):
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def VillageCode(**kwargs):
    return fields.String(
        validate=validate.Regexp(VILLAGE_CODE_RE, error="村代码为12位数字 Village code is 12 digits"),
        metadata={"example": "150502001001"},
        **kwargs,
    )


class Timestamp(fields.DateTime):
    """The one timestamp type. Timestamps go out with their offset (RFC 3339), so a
    client never mistakes them for Beijing time; a naive value is taken as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
