"""Mobile service teams, their members and planned visits; done vs planned.

A planned visit counts as done when one of the team's members visited that village on
that business day (Asia/Shanghai), so nobody ticks plans off by hand.
"""
from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from app.auth.scope import bank_for_write, require, team_scope, user_scope, village_scope
from app.core.exceptions import Conflict, InvalidField, NotFound
from app.core.fields import MAX_ID
from app.core.paging import paginate
from app.extensions import db
from app.models import FieldVisit, Organisation, PlannedVisit, Region, Team, TeamMember, User
from app.registry.regions.services import village

MEMBER_ROLES = ("field_agent", "grid_worker")


def _with_members():
    members = (select(func.count()).where(TeamMember.team_id == Team.id)
               .correlate(Team).scalar_subquery())
    return select(Team.id, Team.name, Team.bank_id, Team.created_at, members.label("members"))


def get_team(user, team_id):
    require(user, "teams.read")
    if not 0 < team_id <= MAX_ID:
        raise NotFound("未找到该服务队 No such team (or outside your scope)")
    row = db.session.execute(
        _with_members().where(Team.id == team_id, team_scope(user))).mappings().first()
    if row is None:
        raise NotFound("未找到该服务队 No such team (or outside your scope)")
    return dict(row)


def list_teams(user, args):
    require(user, "teams.read")
    return paginate(_with_members().where(team_scope(user)), args, (Team.name, Team.id), rows=True)


def create_team(user, data):
    require(user, "teams.write")
    bank = db.session.get(Organisation, data["bank_id"])
    if not bank_for_write(user, bank):
        raise InvalidField("bank_id", "须为本行或下级机构 must be your bank or below it")
    team = Team(name=data["name"], bank_id=bank.id)
    db.session.add(team)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("该行已有同名服务队 this bank already has a team of that name") from None
    return get_team(user, team.id)


def add_member(user, team_id, member_id):
    """Idempotent: adding a member twice leaves one membership."""
    require(user, "teams.write")
    get_team(user, team_id)
    member = db.session.scalar(select(User).where(User.id == member_id, user_scope(user)))
    if member is None or member.role not in MEMBER_ROLES:
        raise InvalidField("user_id", "须为本行的流动服务队员或网格员 not one of your field staff")
    db.session.execute(insert(TeamMember).values(team_id=team_id, user_id=member.id)
                       .on_conflict_do_nothing())
    db.session.commit()
    return get_team(user, team_id)


def _done():
    """Condition on PlannedVisit: a member visited the village that business day."""
    members = select(TeamMember.user_id).where(TeamMember.team_id == PlannedVisit.team_id)
    day = func.date(func.timezone("Asia/Shanghai", FieldVisit.started_at))
    return exists().where(FieldVisit.user_id.in_(members),
                          FieldVisit.village_code == PlannedVisit.village_code,
                          day == PlannedVisit.planned_on)


def add_plan(user, team_id, data):
    require(user, "teams.write")
    get_team(user, team_id)
    plan = PlannedVisit(team_id=team_id, village_code=village(data["village_code"]),
                        planned_on=data["planned_on"], created_by=user.id)
    db.session.add(plan)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("该日已计划走访此村 already planned for that day") from None
    return dict(db.session.execute(
        _plans(team_id).where(PlannedVisit.id == plan.id)).mappings().one())


def _plans(team_id):
    return (select(PlannedVisit.id, PlannedVisit.village_code, Region.name.label("village_name"),
                   PlannedVisit.planned_on, _done().label("done"))
            .join(Region, Region.code == PlannedVisit.village_code)
            .where(PlannedVisit.team_id == team_id))


def list_plans(user, team_id, args):
    """The team's plans in the period, each done or not, with the totals (a regulator's:
    those in her region)."""
    get_team(user, team_id)
    stmt = _plans(team_id)
    if user.role == "regulator":
        stmt = stmt.where(village_scope(user, PlannedVisit.village_code))
    if args.get("date_from"):
        stmt = stmt.where(PlannedVisit.planned_on >= args["date_from"])
    if args.get("date_to"):
        stmt = stmt.where(PlannedVisit.planned_on <= args["date_to"])
    rows = db.session.execute(stmt.order_by(PlannedVisit.planned_on, PlannedVisit.village_code)
                              .limit(args["limit"]).offset(args["offset"])).mappings().all()
    totals = _totals(stmt)
    return {"items": [dict(r) for r in rows], "planned": totals[0], "done": totals[1],
            "limit": args["limit"], "offset": args["offset"]}


def _totals(stmt):
    sub = stmt.subquery()
    return db.session.execute(
        select(func.count(), func.count().filter(sub.c.done))).one()
