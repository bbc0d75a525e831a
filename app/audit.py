"""The audit log's write side: one AuditEvent per registry change.

A change is kept as history, not an overwrite: the event holds the record as it was
before and after, who made the change and the scope she acted in. The row is added to
the caller's transaction, so the change and its audit event commit (or fail) together;
the service that started the transaction commits.
"""
from datetime import date, datetime

from app.auth.scope import describe
from app.extensions import db
from app.models import AuditEvent


def record_change(actor, action, entity, entity_id, before, after, county_code=None, reason=None):
    """Add an AuditEvent for `actor` changing `entity` #`entity_id`; returns it unflushed."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        county_code=county_code,
        scope=describe(actor) if actor else "system",
        reason=reason,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    db.session.add(event)
    return event


def record_update(actor, action, entity, record, fields, county_code, **change):
    """Set `change` on `record` and add its AuditEvent, with the named fields before and
    after; the caller commits."""
    before = snapshot(record, fields)
    for name, value in change.items():
        setattr(record, name, value)
    return record_change(actor, action, entity, record.id, before, snapshot(record, fields), county_code)


def snapshot(record, fields) -> dict:
    """The named attributes of a record as they are now, for an event's before/after."""
    return {name: getattr(record, name) for name in fields}


def _jsonable(value):
    """Dates and datetimes as ISO 8601 text so the snapshot fits in JSONB."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
