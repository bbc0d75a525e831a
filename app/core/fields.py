"""Field types every schema uses, so a rule about a kind of value is written once.

Text is the one type for free text the API accepts: whatever it refuses, every text
field refuses, including one added later. Two rules live here and nowhere else:

- `storable_problem`: what PostgreSQL text cannot hold or a log line must not carry
  (NUL, lone UTF-16 surrogates, control characters). app/errors.py applies it to every
  string of every JSON body and query string, so no field can forget it.
- `contains_card_number`: a full card number (PAN) in any disguise. Text refuses it, so
  a card number never reaches the database, the audit log, a log line or a response.
"""
import re
import unicodedata
from datetime import UTC, date

from marshmallow import ValidationError, fields, validate

MAX_ID = 2**31 - 1  # integer primary keys; a larger id cannot exist (and would not fit)

# Mainland mobile (13904751234) or landline with area code (0475-8221234, 04758221234).
PHONE_RE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
VILLAGE_CODE_RE = r"^[0-9]{12}$"

# BIN + 3-9 stars + last 4 (13-19 characters, like a real PAN). The one definition: the
# ledger's CHECK constraint is built from it (anchored ^...$, which PostgreSQL anchors at
# the very end) and Python checks it with fullmatch, which means the same; a Python `$`
# would also match before a trailing newline that the database then refuses.
MASKED_CARD_PATTERN = "[0-9]{6}[*]{3,9}[0-9]{4}"
_MASKED_CARD = re.compile(MASKED_CARD_PATTERN)

# Dates a person may type for a real event (opening day, installation, a rule's start):
# nothing before the People's Republic, nothing after this century. Year 1 or 9999 is a
# typo, and far dates break arithmetic further on.
EARLIEST_DATE = date(1949, 10, 1)
LATEST_DATE = date(2100, 12, 31)

# Control characters other than tab, newline and carriage return (C0, DEL, C1).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# Separators people and programs put inside a card number: spaces of any kind, dashes
# and dots of any kind, slashes, underscores. After NFKC (which turns full-width digits
# and full-width punctuation into ASCII) these split digits into groups.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.\u00b7\u2027\u30fb/\\_,，。、]+")
_DIGIT_GROUPS = re.compile(r"[0-9]+(?:" + _SEPARATORS.pattern + r"[0-9]+)*")


def storable_problem(value: str) -> str | None:
    """Why a string cannot be accepted, or None. PostgreSQL text holds neither NUL nor
    lone UTF-16 surrogates (which JSON can carry); other control characters would let a
    value forge log lines or hide text from a reader."""
    if _SURROGATE.search(value):
        return "包含无效字符 Contains an unpaired surrogate character"
    if _CONTROL.search(value):
        return "包含控制字符 Contains NUL or another control character"
    return None


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _normalise(value: str) -> str:
    """Full-width and other compatibility digits become ASCII (NFKC); invisible format
    characters (zero-width space and joiners, BOM, bidi marks: category Cf) are dropped,
    as a reader would not see them either."""
    if value.isascii():  # NFKC leaves ASCII as it is, and ASCII has no format characters
        return value
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def card_numbers(value: str):
    """Luhn-valid runs of 13-19 digits in `value`, however written.

    Digits separated only by separators form one group ("6228 4800-1234.5678"); every
    stretch of consecutive digit blocks of a group that holds 13-19 digits is checked, so
    a number with a neighbour ("卡 6228480012345678 100") is found too. A run of more than
    19 digits written without any separator is not a card number."""
    found = []
    for group in _DIGIT_GROUPS.finditer(_normalise(value)):
        blocks = [b for b in _SEPARATORS.split(group.group()) if b]
        for start in range(len(blocks)):
            digits = ""
            for block in blocks[start:]:
                digits += block
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn_valid(digits):
                    found.append(digits)
    return found


def contains_card_number(value: str) -> bool:
    return bool(card_numbers(value))


def is_masked_card(value: str) -> bool:
    """True exactly when the ledger's CHECK constraint accepts the value."""
    return bool(_MASKED_CARD.fullmatch(value or ""))


CARD_REFUSED = "疑似完整银行卡号，不得保存 Looks like a full card number; refused"


def _storable(value):
    problem = storable_problem(value)
    if problem:
        raise ValidationError(problem)


def _no_card_number(value):
    if contains_card_number(value):
        raise ValidationError(CARD_REFUSED)


def Text(max_length, min_length=0, *, allow_card=False, **kwargs):
    """A string field with a length limit that PostgreSQL can always store and that never
    holds a card number. Only a secret that is hashed, never stored or shown (a
    password), may pass allow_card=True."""
    checks = [validate.Length(min=min_length, max=max_length), _storable]
    if not allow_card:
        checks.append(_no_card_number)
    extra = kwargs.pop("validate", None)
    if extra:
        checks.extend(extra if isinstance(extra, list) else [extra])
    return fields.String(validate=checks, **kwargs)


# The canonical text form of a UUID (8-4-4-4-12 hex digits), as crypto.randomUUID writes it.
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def _no_card_number_unless_uuid(value):
    if not _UUID.fullmatch(value):
        _no_card_number(value)


def DeviceId(min_length=0, **kwargs):
    """A phone's own identifier, made once on the phone (crypto.randomUUID). A UUID is a
    machine identifier, not a card written out, yet its hex groups joined across the dashes
    line up 13 to 19 decimal digits that pass Luhn for about one phone in 350: such a phone
    must still sign in and sync. Anything that is not a UUID is checked like any text."""
    return Text(64, min_length, allow_card=True, validate=_no_card_number_unless_uuid, **kwargs)


# Where each level of a division code ends: province 2, city 4, county 6, township 9,
# village 12 digits (GB/T 2260, extended by the statistics bureau's 12-digit codes).
LEVEL_ENDS = (2, 4, 6, 9, 12)
_REGION_ANY = validate.Regexp(r"^[0-9]{2,12}$", error="地区代码为2-12位数字 A 2-12 digit region code (prefix)")
_REGION_LEVEL = validate.Regexp(
    r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})?$",
    error="地区代码前缀须为2/4/6/9/12位数字 A region prefix has 2, 4, 6, 9 or 12 digits",
)


def significant_prefix(code: str) -> str:
    """The prefix every place inside a region shares: '150500000000' and '150500' ->
    '1505' (Tongliao), '150502000000' -> '150502'. A level's zeros name the region above
    it (county 00 of a city is the city itself), so they are dropped: a filter, an alert or
    a limit rule for '150500' would otherwise match no village at all. A prefix cut
    elsewhere than a level's end stays as given."""
    while len(code) in LEVEL_ENDS[1:]:
        above = LEVEL_ENDS[LEVEL_ENDS.index(len(code)) - 1]
        if code[above:].strip("0"):
            break
        code = code[:above]
    return code


class RegionPrefix(fields.String):
    """A region as a division code or its prefix, in any of the forms people write it
    (1505, 150500, 150500000000: Tongliao), loaded as its significant prefix.
    levels_only: only whole levels (2, 4, 6, 9 or 12 digits; empty is national), for what
    is stored against a region (an alert, a limit rule)."""

    def __init__(self, *, levels_only=False, **kwargs):
        super().__init__(validate=_REGION_LEVEL if levels_only else _REGION_ANY, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return significant_prefix(super()._deserialize(value, attr, data, **kwargs))


def Day(**kwargs):
    """A calendar date within EARLIEST_DATE .. LATEST_DATE."""
    checks = [
        validate.Range(
            min=EARLIEST_DATE, max=LATEST_DATE,
            error=f"日期须在{EARLIEST_DATE}至{LATEST_DATE}之间 "
            f"must be between {EARLIEST_DATE} and {LATEST_DATE}",
        )
    ]
    extra = kwargs.pop("validate", None)
    if extra:
        checks.extend(extra if isinstance(extra, list) else [extra])
    return fields.Date(validate=checks, **kwargs)


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
