"""Scoped queries on the ledger and its daily rollup.

Scope comes from the acting user through app.auth.scope (entry_scope for records of
every channel, point_scope for the per-point rollup), joined on the
record's point: a supervisor sees her bank's points, a regulator her region's, an
admin everything. Filters only narrow that scope, never widen it.
"""
from datetime import timedelta

from sqlalchemy import and_, literal_column, or_, select

from app.auth.scope import entry_scope, point_scope
from app.core import geo
from app.core.clock import day_start
from app.core.paging import paginate
from app.extensions import db
from app.models import LedgerDaily, LedgerEntry, ServicePoint

_voids = LedgerEntry.__table__.alias("voids")


def records_select(user):
    """Register records of every channel in the user's scope, with their point's name
    (point records) and the record that voids each one (if any): the rows every ledger
    view lists."""
    voided_by = (
        select(_voids.c.id.cast(db.String))
        .where(
            _voids.c.void_of == LedgerEntry.id,
            # A void counts from the same point, or for field business the same person
            # (the rule the push and the rollups use).
            or_(_voids.c.point_id == LedgerEntry.point_id,
                and_(_voids.c.user_id == LedgerEntry.user_id, _voids.c.channel != "point",
                     LedgerEntry.channel != "point")),
        )
        .order_by(_voids.c.seq)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            LedgerEntry.id, LedgerEntry.seq, LedgerEntry.channel, LedgerEntry.point_id,
            ServicePoint.name.label("point_name"), LedgerEntry.village_code,
            LedgerEntry.visit_id, LedgerEntry.county_code, LedgerEntry.user_id,
            LedgerEntry.kind, LedgerEntry.amount_fen, LedgerEntry.card_masked,
            LedgerEntry.voucher_no, LedgerEntry.note, LedgerEntry.occurred_at,
            LedgerEntry.received_at, geo.lon_column(LedgerEntry.location),
            geo.lat_column(LedgerEntry.location), LedgerEntry.void_of,
            voided_by.label("voided_by"), LedgerEntry.flags,
        )
        .outerjoin(ServicePoint, ServicePoint.id == LedgerEntry.point_id)
        .where(entry_scope(user, LedgerEntry))
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
        query = query.where(LedgerEntry.occurred_at >= day_start(args["date_from"]))
    if args.get("date_to"):
        query = query.where(
            LedgerEntry.occurred_at < day_start(args["date_to"] + timedelta(days=1))
        )
    return paginate(query, args, (LedgerEntry.seq.desc(),), rows=True)


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
    return paginate(query, args, order, rows=True)

