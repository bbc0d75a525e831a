"""Paging: the query arguments, the page shape and the one function that runs a page.

A page is {"items": [...], "total": N, "limit": L, "offset": O}; a list service builds
its scoped, filtered select and hands it to `paginate` with the query arguments.
"""
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from app.extensions import db

MAX_OFFSET = 10_000_000


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


def page_schema(name, item_schema):
    """The schema of a page of `item_schema` items."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "limit": fields.Integer(required=True),
            "offset": fields.Integer(required=True),
        },
        name=name,
    )


def paginate(stmt, args, order_by, rows=False):
    """Run a select as one page (`args["limit"]`, `args["offset"]`) plus the total.

    A select of one model gives model objects; with `rows=True`, a select of columns
    gives one mapping per row."""
    limit, offset = args["limit"], args["offset"]
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    result = db.session.execute(stmt.order_by(*order_by).limit(limit).offset(offset))
    items = result.mappings().all() if rows else result.scalars().unique().all()
    return {"items": items, "total": total, "limit": limit, "offset": offset}
