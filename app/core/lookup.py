"""Reading one record through the caller's scope."""
from sqlalchemy import select

from app.core.exceptions import NotFound
from app.core.fields import MAX_ID
from app.extensions import db


def get_in_scope(model, ident, scope, options=(), lock=False):
    """The row with this id if the caller's scope holds it, else NotFound (never
    Forbidden: an id from another scope reveals nothing about whether it exists).

    `lock` takes a row lock for a read-modify-write (status changes, ends of
    assignments), so two concurrent changes cannot both pass the same check.
    """
    if not 0 < ident <= MAX_ID:
        raise NotFound(not_found_message(model))
    stmt = select(model).where(model.id == ident, scope).options(*options)
    if lock:
        stmt = stmt.with_for_update(of=model)
    row = db.session.scalar(stmt)
    if row is None:
        raise NotFound(not_found_message(model))
    return row


def not_found_message(model):
    return f"未找到 Not found: {model.__tablename__} (or outside your scope)"
