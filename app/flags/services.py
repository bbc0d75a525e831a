"""The flag queue and reviews.

The queue is the flagged records of the points in the user's scope (the ledger's partial
index on flagged records serves it); a review is one row per record, upserted, with the
change in the audit log so an edited note keeps its history.
"""
from datetime import timedelta

from sqlalchemy import any_, literal_column, select
from sqlalchemy.orm import aliased

from app.audit import record_change
from app.auth.scope import point_scope, require
from app.core.clock import day_start
from app.core.exceptions import Conflict, NotFound
from app.core.paging import paginate
from app.extensions import db
from app.ledger.services import records_select
from app.models import FlagReview, LedgerEntry, ServicePoint, User

# The partial index's predicate, spelled the same way so the planner uses it.
_FLAGGED = LedgerEntry.flags != literal_column("'{}'::text[]")
_reviewer = aliased(User)


def _queue(user):
    return (
        records_select(user)
        .add_columns(
            FlagReview.note.label("review_note"),
            FlagReview.reviewed_by,
            _reviewer.display_name.label("reviewer_name"),
            FlagReview.reviewed_at,
        )
        .outerjoin(FlagReview, FlagReview.entry_id == LedgerEntry.id)
        .outerjoin(_reviewer, _reviewer.id == FlagReview.reviewed_by)
        .where(_FLAGGED)
    )


def _item(row):
    item = dict(row)
    note = item.pop("review_note")
    review = {k: item.pop(k) for k in ("reviewed_by", "reviewer_name", "reviewed_at")}
    item["review"] = dict(review, note=note) if note is not None else None
    return item


def list_flagged(user, args):
    query = _queue(user)
    if "flag" in args:
        query = query.where(any_(LedgerEntry.flags) == args["flag"])
    if args.get("reviewed") is not None:
        query = query.where(
            FlagReview.entry_id.is_not(None) if args["reviewed"] else FlagReview.entry_id.is_(None)
        )
    if "point_id" in args:
        query = query.where(LedgerEntry.point_id == args["point_id"])
    if "region" in args:
        query = query.where(ServicePoint.village_code.startswith(args["region"]))
    if args.get("date_from"):
        query = query.where(LedgerEntry.occurred_at >= day_start(args["date_from"]))
    if args.get("date_to"):
        query = query.where(LedgerEntry.occurred_at < day_start(args["date_to"] + timedelta(days=1)))
    page = paginate(query, args, (LedgerEntry.seq.desc(),), rows=True)
    page["items"] = [_item(row) for row in page["items"]]
    return page


def review(user, entry_id: str, note: str):
    """Mark a flagged record of the user's scope reviewed (or change her note)."""
    require(user, "flags.review")
    entry = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.county_code, LedgerEntry.flags)
        .join(ServicePoint, ServicePoint.id == LedgerEntry.point_id)
        .where(LedgerEntry.id == entry_id, point_scope(user))
    ).one_or_none()
    if entry is None:
        raise NotFound("未找到该记录 No such record (or outside your scope)")
    if not entry.flags:
        raise Conflict("该记录未被标记，无需复核 The record carries no flag", code="not_flagged")
    existing = db.session.get(FlagReview, entry_id, with_for_update=True)
    before = {"note": existing.note, "reviewed_by": existing.reviewed_by} if existing else None
    if existing is None:
        existing = FlagReview(entry_id=entry_id, county_code=entry.county_code)
        db.session.add(existing)
    existing.note = note
    existing.reviewed_by = user.id
    existing.reviewed_at = db.func.now()
    record_change(user, "review", "ledger_entry", entry_id, before,
                  {"note": note, "reviewed_by": user.id}, entry.county_code)
    db.session.commit()
    row = db.session.execute(_queue(user).where(LedgerEntry.id == entry_id)).mappings().one()
    return _item(row)
