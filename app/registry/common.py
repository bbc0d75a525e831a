"""Pieces every registry resource shares: field types, paging, scoped look-ups and
422 answers raised from services.

Scope comes from app.auth.scope; here it is only applied. An object outside the
caller's scope answers 404, exactly like one that does not exist.
"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

# The one free-text type (app/core/fields.py): storable, and never a card number.
from app.core.fields import Text  # noqa: F401
from app.extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_ID = 2**31 - 1  # integer primary keys; a larger id cannot exist (and would not fit)
MAX_OFFSET = 10_000_000

# Mainland mobile (13904751234) or landline with area code (0475-8221234, 04758221234).
PHONE_RE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
VILLAGE_CODE_RE = r"^[0-9]{12}$"


def Phone(**kwargs):
    return fields.String(
        validate=validate.Regexp(PHONE_RE, error="电话号码格式错误 Not a valid phone number"),
        metadata={"example": "13904751234"},
        **kwargs,
    )


def Id(**kwargs):
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


def page_schema(name, item_schema):
    """A page of results: {"items": [...], "total": N, "limit": L, "offset": O}."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "limit": fields.Integer(required=True),
            "offset": fields.Integer(required=True),
        },
        name=name,
    )


def paginate(stmt, limit, offset, order_by, rows=False):
    """Run a scoped, filtered select as one page plus the total of all its rows.

    A select of one model gives model objects; with `rows=True`, a select of columns
    gives one mapping per row."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    result = db.session.execute(stmt.order_by(*order_by).limit(limit).offset(offset))
    items = result.mappings().all() if rows else result.scalars().unique().all()
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def get_in_scope(model, ident, scope, options=(), lock=False):
    """The row with this id if the caller's scope holds it, else 404 (never 403).

    `lock` takes a row lock for a read-modify-write (status changes, ends of
    assignments), so two concurrent changes cannot both pass the same check.
    """
    if not 0 < ident <= MAX_ID:
        abort(404, message=_not_found(model))
    stmt = select(model).where(model.id == ident, scope).options(*options)
    if lock:
        stmt = stmt.with_for_update(of=model)
    row = db.session.scalar(stmt)
    if row is None:
        abort(404, message=_not_found(model))
    return row


def _not_found(model):
    return f"未找到 Not found: {model.__tablename__} (or outside your scope)"


def reject(field, reason):
    """422 naming the field, from a check only a service can make (a database look-up)."""
    abort(422, messages={"json": {field: [reason]}})


def forbid(message):
    abort(403, message=message)


def conflict(message):
    abort(409, message=message)


def today():
    """The business date in China: dates on the registry are local calendar days."""
    return datetime.now(SHANGHAI).date()


class UtcDateTime(fields.DateTime):
    """Timestamps go out with their offset (RFC 3339), so a client never mistakes
    them for Beijing time; a naive value is taken as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
