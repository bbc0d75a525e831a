"""Grid assignments: scoped lists, assigning with the one-per-village rule, ending.

Who sees which assignments is app.auth.scope.assignment_scope. Supervisors (for their
bank's grid workers) and admins assign and end them.
"""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit import record_change, snapshot
from app.auth.scope import assignment_scope, coverage_scope, user_scope
from app.core.clock import today
from app.core.exceptions import Conflict, InvalidField
from app.core.lookup import get_in_scope
from app.core.paging import paginate
from app.extensions import db
from app.models import GridAssignment, Region, User

LOAD = (joinedload(GridAssignment.village).load_only(Region.code, Region.name),)
FIELDS = ("user_id", "village_code", "county_code", "starts_on", "ends_on")


def list_assignments(user, args):
    stmt = select(GridAssignment).where(assignment_scope(user)).options(*LOAD)
    if args.get("village"):
        stmt = stmt.where(GridAssignment.village_code.startswith(args["village"]))
    if args.get("user_id"):
        stmt = stmt.where(GridAssignment.user_id == args["user_id"])
    if args.get("active") is not None:
        is_open = GridAssignment.ends_on.is_(None)
        stmt = stmt.where(is_open if args["active"] else ~is_open)
    return paginate(stmt, args, (GridAssignment.id,))


def get_assignment(user, assignment_id, lock=False):
    return get_in_scope(GridAssignment, assignment_id, assignment_scope(user), LOAD, lock=lock)


def assign(user, data):
    """Open an assignment; an open one for the village is a 409 unless `replace`."""
    worker = db.session.scalar(select(User).where(User.id == data["user_id"], user_scope(user)))
    if worker is None or worker.role != "grid_worker":
        raise InvalidField("user_id", "无此网格员 No grid worker with this id in your scope")
    # Only a village of the region she serves (the villages her coverage map shows).
    village = db.session.scalar(select(Region).where(
        Region.code == data["village_code"], Region.level == "village",
        coverage_scope(user, Region.code)))
    if village is None:
        raise InvalidField("village_code", "无此行政村或不在您的辖区 No village with this code in your region")
    starts_on = data.get("starts_on") or today()
    current = db.session.scalar(
        select(GridAssignment).where(GridAssignment.village_code == village.code,
                                     GridAssignment.ends_on.is_(None)).with_for_update(of=GridAssignment))
    if current is not None:
        _end_for_replacement(user, current, worker, starts_on, data["replace"])
    row = GridAssignment(user_id=worker.id, village_code=village.code, county_code=village.code[:6],
                         starts_on=starts_on)
    db.session.add(row)
    db.session.flush()
    record_change(user, "assign", "grid_assignment", row.id, None, snapshot(row, FIELDS), row.county_code)
    db.session.commit()
    return get_assignment(user, row.id)


def _end_for_replacement(user, current, worker, starts_on, replace):
    if current.user_id == worker.id:
        raise Conflict(f"该网格员已负责此村（#{current.id}） This grid worker already covers the village")
    mine = db.session.scalar(select(GridAssignment.id).where(
        GridAssignment.id == current.id, assignment_scope(user)))
    if not replace or mine is None:
        if mine is None:
            whose, hint = "另一银行的网格员 a grid worker of another bank", "请联系管理员 ask an admin"
        else:
            whose = f"{current.user.display_name}（#{current.id}）"
            hint = "传 replace: true 以替换 send replace: true to hand it over"
        raise Conflict(f"此村已有网格员：{whose}；{hint} The village already has an open assignment")
    if starts_on < current.starts_on:
        raise InvalidField("starts_on", "不能早于现任网格员的开始日期 Cannot start before the current assignment did")
    before = snapshot(current, FIELDS)
    current.ends_on = starts_on
    record_change(user, "end", "grid_assignment", current.id, before, snapshot(current, FIELDS),
                  current.county_code, "replaced")
    db.session.flush()  # the old one closes before the new one opens (one open per village)


def end_assignment(user, assignment_id, data):
    row = get_assignment(user, assignment_id, lock=True)
    if row.ends_on is not None:
        raise Conflict(f"已于{row.ends_on}结束 This assignment already ended on {row.ends_on}")
    ends_on = data.get("ends_on") or today()
    if ends_on < row.starts_on:
        raise InvalidField("ends_on", "结束日期早于开始日期 Ends before it starts")
    before = snapshot(row, FIELDS)
    row.ends_on = ends_on
    record_change(user, "end", "grid_assignment", row.id, before, snapshot(row, FIELDS), row.county_code,
                  data.get("reason"))
    db.session.commit()
    return row
