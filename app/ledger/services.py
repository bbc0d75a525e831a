"""Scoped queries on the ledger and its daily rollup.

Scope comes from the signed-in user through app.auth.scope.point_scope, joined on the
record's point: a supervisor sees her bank's points, a regulator her region's, an
admin everything. Filters only narrow that scope, never widen it.
"""
from datetime import datetime, time, timedelta

from sqlalchemy import func, literal_column, select

from app.auth.scope import point_scope
from app.extensions import db
from app.models import LedgerDaily, LedgerEntry, ServicePoint
from app.registry.common import SHANGHAI, paginate

_voids = LedgerEntry.__table__.alias("voids")


def _start_of(day):
    """Start of a business day (Asia/Shanghai) as an aware instant."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def records_select(user):
    """Register records of the points in the user's scope, with their point's name and
    the record that voids each one (if any): the rows every ledger view lists."""
    voided_by = (
        select(_voids.c.id.cast(db.String))
        .where(_voids.c.void_of == LedgerEntry.id, _voids.c.point_id == LedgerEntry.point_id)
        .order_by(_voids.c.seq)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            LedgerEntry.id, LedgerEntry.seq, LedgerEntry.point_id,
            ServicePoint.name.label("point_name"), LedgerEntry.county_code, LedgerEntry.user_id,
            LedgerEntry.kind, LedgerEntry.amount_fen, LedgerEntry.card_masked,
            LedgerEntry.voucher_no, LedgerEntry.note, LedgerEntry.occurred_at,
            LedgerEntry.received_at, func.ST_X(LedgerEntry.location).label("lon"),
            func.ST_Y(LedgerEntry.location).label("lat"), LedgerEntry.void_of,
            voided_by.label("voided_by"), LedgerEntry.flags,
        )
        .join(ServicePoint, ServicePoint.id == LedgerEntry.point_id)
        .where(point_scope(user))
    )


def list_entries(user, args):
    query = records_select(user)
    if args.get("flagged") is not None:
        # Spelled like the partial index's predicate so the planner can use it.
        empty = literal_column("'{}'::text[]")
        query = query.where(
            (LedgerEntry.flags != empty) if args["flagged"] else (LedgerEntry.flags == empty)
        )
    if "point_id" in args:
        query = query.where(LedgerEntry.point_id == args["point_id"])
    if "kind" in args:
        query = query.where(LedgerEntry.kind == args["kind"])
    if args.get("date_from"):
        query = query.where(LedgerEntry.occurred_at >= _start_of(args["date_from"]))
    if args.get("date_to"):
        query = query.where(
            LedgerEntry.occurred_at < _start_of(args["date_to"] + timedelta(days=1))
        )
    return paginate(query, args["limit"], args["offset"], (LedgerEntry.seq.desc(),), rows=True)


def list_daily(user, args):
    query = (
        select(
            LedgerDaily.point_id, ServicePoint.name.label("point_name"),
            LedgerDaily.county_code, LedgerDaily.day, LedgerDaily.kind, LedgerDaily.count,
            LedgerDaily.amount_fen,
        )
        .join(ServicePoint, ServicePoint.id == LedgerDaily.point_id)
        .where(point_scope(user))
    )
    if "point_id" in args:
        query = query.where(LedgerDaily.point_id == args["point_id"])
    if "kind" in args:
        query = query.where(LedgerDaily.kind == args["kind"])
    if args.get("date_from"):
        query = query.where(LedgerDaily.day >= args["date_from"])
    if args.get("date_to"):
        query = query.where(LedgerDaily.day <= args["date_to"])
    order = (LedgerDaily.day.desc(), LedgerDaily.point_id, LedgerDaily.kind)
    return paginate(query, args["limit"], args["offset"], order, rows=True)

