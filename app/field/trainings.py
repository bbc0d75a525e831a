"""Training sessions (培训) for keepers and grid workers, and who is untrained or overdue.

A person is overdue when her last session is older than `every_days` (a query
argument, a year by default: banks train yearly), untrained when she never attended.
Sessions are seen through their bank (bank_scope); people through user_scope.
"""
from datetime import timedelta

from sqlalchemy import func, select

from app.auth.scope import bank_for_write, bank_scope, require, user_scope
from app.core.clock import today
from app.core.exceptions import InvalidField
from app.core.paging import paginate
from app.extensions import db
from app.models import Organisation, Training, TrainingAttendee, User

TRAINEE_ROLES = ("keeper", "grid_worker")


def _attendees():
    return (select(func.count()).where(TrainingAttendee.training_id == Training.id)
            .correlate(Training).scalar_subquery())


def _query(user):
    return (select(Training.id, Training.topic, Training.held_on, Training.bank_id,
                   _attendees().label("attendees"))
            .join(Organisation, Organisation.id == Training.bank_id)
            .where(bank_scope(user)))


def list_trainings(user, args):
    require(user, "trainings.read")
    return paginate(_query(user), args, (Training.held_on.desc(), Training.id), rows=True)


def create_training(user, data):
    require(user, "trainings.write")
    bank = db.session.get(Organisation, data["bank_id"])
    if not bank_for_write(user, bank):
        raise InvalidField("bank_id", "须为本行或下级机构 must be your bank or below it")
    ids = set(data["attendee_ids"])
    people = set(db.session.scalars(select(User.id).where(
        User.id.in_(ids), User.role.in_(TRAINEE_ROLES), user_scope(user))))
    if people != ids:
        raise InvalidField("attendee_ids", "须为本行的服务点负责人或网格员 "
                           "only keepers and grid workers you manage: "
                           + ", ".join(str(i) for i in sorted(ids - people)))
    training = Training(topic=data["topic"], held_on=data["held_on"], bank_id=bank.id,
                        created_by=user.id)
    db.session.add(training)
    db.session.flush()
    db.session.add_all(TrainingAttendee(training_id=training.id, user_id=i) for i in sorted(ids))
    db.session.commit()
    return dict(db.session.execute(_query(user).where(Training.id == training.id)).mappings().one())


def untrained(user, args):
    """Keepers and grid workers in scope who never attended, or not within every_days;
    never-trained first, then the longest overdue."""
    require(user, "trainings.read")
    last = (select(func.max(Training.held_on))
            .join(TrainingAttendee, TrainingAttendee.training_id == Training.id)
            .where(TrainingAttendee.user_id == User.id).scalar_subquery())
    cutoff = today() - timedelta(days=args["every_days"])
    stmt = (select(User.id.label("user_id"), User.display_name, User.role,
                   last.label("last_trained_on"))
            .where(user_scope(user), User.role.in_(TRAINEE_ROLES), User.active)
            .where((last.is_(None)) | (last < cutoff)))
    return paginate(stmt, args, (last.asc().nulls_first(), User.id), rows=True)
