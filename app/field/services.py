"""Visits as bank and regulator staff (and the visitors themselves) read them.

Scope comes from the signed-in user through app.auth.scope.visit_scope; filters only
narrow it. Business totals count the live (not voided) records of each visit, read
through the ledger's partial index on visit_id.
"""
from datetime import timedelta

from sqlalchemy import and_, exists, func, select

from app.auth.scope import visit_scope
from app.core.clock import day_start
from app.core.paging import paginate
from app.extensions import db
from app.models import (
    FieldVisit,
    FraudTalk,
    LedgerEntry,
    Organisation,
    Region,
    TeamMember,
    User,
)

_voids = LedgerEntry.__table__.alias("voids")


def list_visits(user, args):
    live = and_(
        LedgerEntry.visit_id == FieldVisit.id,
        LedgerEntry.channel != "point",
        LedgerEntry.void_of.is_(None),
        ~exists().where(_voids.c.void_of == LedgerEntry.id, _voids.c.user_id == LedgerEntry.user_id),
    )
    business = (
        select(func.count().label("n"), func.coalesce(func.sum(LedgerEntry.amount_fen), 0).label("fen"))
        .where(live).lateral("business")
    )
    talks = (
        select(func.count().label("n"), func.coalesce(func.sum(FraudTalk.attendance), 0).label("people"))
        .where(FraudTalk.visit_id == FieldVisit.id).lateral("talks")
    )
    query = (
        select(
            FieldVisit.id, FieldVisit.user_id, User.display_name.label("user_name"),
            FieldVisit.channel, FieldVisit.village_code, Region.name.label("village_name"),
            FieldVisit.started_at, FieldVisit.ended_at, FieldVisit.village_source,
            FieldVisit.households, FieldVisit.flags,
            business.c.n.label("business_count"), business.c.fen.label("business_fen"),
            talks.c.n.label("talks"), talks.c.people.label("talk_attendance"),
        )
        .join(User, User.id == FieldVisit.user_id)
        .join(Region, Region.code == FieldVisit.village_code)
        .join(business, db.true())
        .join(talks, db.true())
        .where(visit_scope(user))
    )
    if args.get("region"):
        query = query.where(FieldVisit.village_code.startswith(args["region"]))
    if args.get("channel"):
        query = query.where(FieldVisit.channel == args["channel"])
    if args.get("bank_id"):
        # Visits by the staff of that bank's subtree (the path is a prefix match).
        path = db.session.scalar(select(Organisation.path).where(Organisation.id == args["bank_id"]))
        query = query.where(FieldVisit.bank_path.startswith(path) if path else db.false())
    if args.get("team_id"):
        members = select(TeamMember.user_id).where(TeamMember.team_id == args["team_id"])
        query = query.where(FieldVisit.user_id.in_(members))
    if args.get("user_id"):
        query = query.where(FieldVisit.user_id == args["user_id"])
    if args.get("date_from"):
        query = query.where(FieldVisit.started_at >= day_start(args["date_from"]))
    if args.get("date_to"):
        query = query.where(FieldVisit.started_at < day_start(args["date_to"] + timedelta(days=1)))
    return paginate(query, args, (FieldVisit.started_at.desc(), FieldVisit.id), rows=True)
