"""Who may see and do what: every access rule of the product, in one module.

Two kinds of rule live here:

- PERMISSIONS, one table of roles and the actions each may take. A view is guarded with
  `login_required("points.write")`; a service asks `may(user, action)`. A new feature adds
  rows to this table, not role tuples of its own.
- Scope conditions, as SQL: which rows of each entity the signed-in user can see. Scope
  always comes from the token's user, never from request parameters: a list is filtered
  by these conditions, and an object outside them answers 404 (not 403), so an id from
  another scope reveals nothing about whether it exists.
"""
from sqlalchemy import ColumnElement, and_, exists, false, func, literal, or_, select, true

from app.core.exceptions import Forbidden
from app.core.fields import significant_prefix
from app.extensions import db
from app.models import (
    FieldVisit,
    GridAssignment,
    Organisation,
    PlannedVisit,
    Region,
    RiskAlert,
    ServicePoint,
    Team,
    TeamMember,
    User,
    VillagerRequest,
)

# action -> the roles that may take it (on what their scope holds).
PERMISSIONS = {
    # The registry: a bank keeps its own points, terminals and people; admins everything.
    "points.write": {"supervisor", "admin"},
    "terminals.write": {"supervisor", "admin"},
    "users.write": {"supervisor", "admin"},
    "assignments.write": {"supervisor", "admin"},
    "imports.run": {"supervisor", "admin"},
    "banks.write": {"admin"},
    # A person's phones: she and those who manage her. The regulator oversees
    # statistics; phones and sign-ins are the banks' business.
    "devices.read": {"keeper", "grid_worker", "field_agent", "supervisor", "admin"},
    "devices.revoke": {"supervisor", "admin"},
    # Rules for a region: the People's Bank branch of that region, admins nationally.
    "alerts.publish": {"regulator", "admin"},
    "limits.write": {"regulator", "admin"},
    # The register: keepers write it from their phones; bank and regulator staff read it.
    "register.sync": {"keeper"},
    "ledger.read": {"supervisor", "regulator", "admin"},
    # Field work: grid workers and mobile team members sync their visits, the business
    # and anti-fraud talks done on them; bank and regulator staff read the visits.
    "field.sync": {"grid_worker", "field_agent"},
    "visits.read": {"grid_worker", "field_agent", "supervisor", "regulator", "admin"},
    # Flagged records: banks and regulators see the queue; the bank that runs the point
    # reviews it (the regulator oversees, she does not clear a bank's queue).
    "flags.read": {"supervisor", "regulator", "admin"},
    "flags.review": {"supervisor", "admin"},
    # Files out of the system; every one is in the audit log.
    "exports.run": {"supervisor", "regulator", "admin"},
    # Statistics of business done: the People's Bank for its region, a bank for its own.
    "stats.read": {"supervisor", "regulator", "admin"},
    # The coverage map, its figures, tiles and OGC API: bank and regulator staff, and
    # grid workers for their own villages. Siting new points is the banks' and the
    # regulator's planning.
    "coverage.read": {"grid_worker", "field_agent", "supervisor", "regulator", "admin"},
    "coverage.plan": {"supervisor", "regulator", "admin"},
    # Everyone who works in the villages acknowledges the risk alerts of her area; the
    # publishers (alerts.publish) follow who has not yet.
    "alerts.ack": {"keeper", "grid_worker", "field_agent"},
    # Villagers' requests (诉求): taken by whoever meets the villager, assigned by the
    # bank, resolved by the assignee (or the bank), closed with the villager's feedback.
    "requests.read": {"keeper", "grid_worker", "field_agent", "supervisor", "regulator", "admin"},
    "requests.create": {"keeper", "grid_worker", "field_agent", "supervisor", "admin"},
    "requests.assign": {"supervisor", "admin"},
    "requests.resolve": {"grid_worker", "field_agent", "supervisor", "admin"},
    "requests.close": {"keeper", "grid_worker", "field_agent", "supervisor", "admin"},
    # Inspections (巡检) of a bank's points: done by its field agents and supervisors;
    # the keeper fixes a finding, the bank verifies the fix.
    "inspections.read": {"keeper", "grid_worker", "field_agent", "supervisor", "regulator", "admin"},
    "inspections.write": {"field_agent", "supervisor"},
    "findings.fix": {"keeper", "supervisor"},
    "findings.verify": {"field_agent", "supervisor"},
    # Mobile service teams and their plans: kept by the bank, read by members and the
    # People's Bank.
    "teams.write": {"supervisor", "admin"},
    "teams.read": {"field_agent", "supervisor", "regulator", "admin"},
    # Training sessions: run and recorded by the bank; the People's Bank follows them.
    "trainings.write": {"supervisor", "admin"},
    "trainings.read": {"supervisor", "regulator", "admin"},
}

# Whose users a supervisor creates and changes (admins: everyone).
MANAGED_BY_SUPERVISOR = ("keeper", "grid_worker", "field_agent")
# Who sees a point's keeper phone and the phones in its history unmasked: the owners of
# the record (see owns_point). Grid workers, field agents and regulators see it masked.
POINT_OWNERS = ("admin", "supervisor", "keeper")


def may(user: User, action: str) -> bool:
    return user.role in PERMISSIONS[action]


def require(user: User, action: str, message="无权执行此操作 Your role may not do this"):
    if not may(user, action):
        raise Forbidden(message)


# Regions ---------------------------------------------------------------------------

def region_prefix(code: str | None) -> str | None:
    """Significant prefix of a stored 12-digit region code ('150502000000' -> '150502')."""
    if not code:
        return None
    region = db.session.get(Region, code)
    return region.prefix if region else significant_prefix(code)


def jurisdiction(user: User) -> str | None:
    """The region prefix a user may publish alerts and limits for: '' (national) for an
    admin, her PBoC branch's region for a regulator, None for everyone else."""
    if user.role == "admin":
        return ""
    if user.role == "regulator" and user.org is not None:
        return region_prefix(user.org.region_code)
    return None


def within_jurisdiction(user: User, prefix: str) -> bool:
    own = jurisdiction(user)
    return own is not None and prefix.startswith(own)


def figures_region(user: User, prefix: str | None) -> str:
    """The region prefix statistics and exports are for: the one asked (a regulator only
    within her region: elsewhere a 403, not an empty file), else the user's whole scope
    ('' national; a regulator her region)."""
    own = jurisdiction(user)
    if prefix is None:
        return own if user.role == "regulator" and own is not None else ""
    if user.role == "regulator" and not within_jurisdiction(user, prefix):
        raise Forbidden("该地区不在您的辖区内 The region is outside your jurisdiction",
                        code="region_out_of_scope")
    return prefix


# Points and villages ---------------------------------------------------------------

def assigned_villages(user: User):
    """Subquery: village codes of the user's open grid assignments."""
    return select(GridAssignment.village_code).where(
        GridAssignment.user_id == user.id, GridAssignment.ends_on.is_(None)
    )


def point_scope(user: User) -> ColumnElement[bool]:
    """Condition on ServicePoint for the points this user may see."""
    role = user.role
    if role == "admin":
        return true()
    if role == "keeper":
        return ServicePoint.id == user.point_id
    if role == "grid_worker":
        return ServicePoint.village_code.in_(assigned_villages(user))
    if role in ("supervisor", "field_agent"):
        return ServicePoint.bank_path.startswith(user.org.path) if user.org else false()
    if role == "regulator":
        prefix = region_prefix(user.org.region_code if user.org else None)
        return ServicePoint.village_code.startswith(prefix) if prefix else false()
    return false()


def village_scope(user: User, village_code_column) -> ColumnElement[bool]:
    """Condition on any village-code column (assignments, visits, ledger rows)."""
    role = user.role
    if role == "admin":
        return true()
    if role == "grid_worker":
        return village_code_column.in_(assigned_villages(user))
    if role == "regulator":
        prefix = region_prefix(user.org.region_code if user.org else None)
        return village_code_column.startswith(prefix) if prefix else false()
    if role in ("supervisor", "field_agent", "keeper"):
        points = select(ServicePoint.village_code).where(point_scope(user))
        return village_code_column.in_(points)
    return false()


def coverage_scope(user: User, village_code_column) -> ColumnElement[bool]:
    """Villages whose coverage a user sees. Coverage is a fact about a village (any bank's
    point serves its people), so bank staff see every village of the region their
    organisation serves, uncovered ones included -- those are what they plan for:
      admin                         all
      regulator                     her branch's region
      supervisor, field agent       the region of her organisation; a bank with no region
                                    (a national head office) the whole country
      grid worker, keeper           their villages (village_scope)
    """
    role = user.role
    if role in ("supervisor", "field_agent"):
        if user.org is None:
            return false()
        prefix = region_prefix(user.org.region_code)
        return village_code_column.startswith(prefix) if prefix else true()
    return village_scope(user, village_code_column)


def owns_point(user: User, point: ServicePoint) -> bool:
    """The owners of a point's record: the keeper of that point, an admin, and a
    supervisor of the bank (subtree) that runs it."""
    if user.role == "admin":
        return True
    if user.role == "keeper":
        return user.point_id == point.id
    if user.role == "supervisor":
        return bool(user.org) and point.bank_path.startswith(user.org.path)
    return False


def sees_point_phones(user: User) -> bool:
    """History snapshots of a point already in her scope: owners' roles see phones."""
    return user.role in POINT_OWNERS


def bank_for_write(user: User, bank: Organisation | None) -> bool:
    """May the user register points (or import them) for this bank: an admin any bank, a
    supervisor her own bank's subtree."""
    if bank is None or not bank.is_bank:
        return False
    if user.role == "admin":
        return True
    return user.role == "supervisor" and user.org is not None and bank.path.startswith(user.org.path)


# Organisations ---------------------------------------------------------------------

def bank_scope(user: User) -> ColumnElement[bool]:
    """Which organisations a user sees:
      admin                        every organisation, regulators included
      regulator                    every bank (the list of licensed banks is not
                                   confidential) and her own branch
      supervisor, field agent,     her bank's subtree, plus the organisations above it
      grid worker                  (their names appear in her bank's path)
      keeper                       the bank running her point, and those above it
    """
    if user.role == "admin":
        return true()
    if user.role == "regulator":
        return or_(Organisation.kind != "regulator", Organisation.id == user.org_id)
    path = _home_path(user)
    if path is None:
        return false()
    # Her subtree (path starts with hers) or an ancestor (hers starts with its path).
    return or_(Organisation.path.startswith(path), literal(path).startswith(Organisation.path))


def _home_path(user: User):
    if user.role == "keeper":
        return db.session.scalar(select(ServicePoint.bank_path).where(ServicePoint.id == user.point_id))
    return user.org.path if user.org else None


def org_in_reach(user: User, org: Organisation) -> bool:
    """May the user attach people to this organisation: an admin any, others their subtree."""
    return user.role == "admin" or (user.org is not None and org.path.startswith(user.org.path))


# People ----------------------------------------------------------------------------

def user_scope(user: User) -> ColumnElement[bool]:
    """Who sees whom:
      admin       everyone
      supervisor  users of her bank's subtree (staff, grid workers, field agents) and
                  the keepers of its points
      regulator   users working in her region (county code or point in it), read-only
      others      only themselves
    """
    if user.role == "admin":
        return true()
    if user.role == "supervisor" and user.org:
        path = user.org.path
        return or_(
            User.org_id.in_(select(Organisation.id).where(Organisation.path.startswith(path))),
            User.point_id.in_(select(ServicePoint.id).where(ServicePoint.bank_path.startswith(path))),
        )
    if user.role == "regulator" and user.org:
        prefix = region_prefix(user.org.region_code)
        if not prefix:
            return User.id == user.id
        return or_(
            User.county_code.startswith(prefix),
            User.point_id.in_(select(ServicePoint.id).where(ServicePoint.village_code.startswith(prefix))),
            User.org_id == user.org_id,
        )
    return User.id == user.id


def manages(actor: User, role: str) -> bool:
    """May `actor` create or change a user of this role (one already in her read scope)?"""
    return actor.role == "admin" or (actor.role == "supervisor" and role in MANAGED_BY_SUPERVISOR)


def sees_phone_of(actor: User, target: User) -> bool:
    """Phones are shown to the person herself and to whoever manages her (she sees only
    users of her subtree, so a supervisor who manages the role manages this one)."""
    return actor.id == target.id or manages(actor, target.role)


def assignment_scope(user: User) -> ColumnElement[bool]:
    """Grid assignments: admin all; supervisors and field agents those of their bank's
    grid workers; a grid worker her own; the regulator those in her region; a keeper her
    village's (who her grid worker is)."""
    if user.role == "admin":
        return true()
    if user.role in ("supervisor", "field_agent"):
        if user.org is None:
            return false()
        staff = select(User.id).join(Organisation, User.org_id == Organisation.id).where(
            Organisation.path.startswith(user.org.path))
        return GridAssignment.user_id.in_(staff)
    if user.role == "grid_worker":
        return GridAssignment.user_id == user.id
    return village_scope(user, GridAssignment.village_code)  # regulator, keeper


# Field visits ----------------------------------------------------------------------

def visit_scope(user: User) -> ColumnElement[bool]:
    """Visits: a grid worker and a field agent see their own (a visit outside her
    villages is still hers); a supervisor those made by her bank's staff or in the
    villages of her bank's points; a regulator those in her region; admins all; a
    keeper none."""
    role = user.role
    if role == "admin":
        return true()
    if role in ("grid_worker", "field_agent"):
        return FieldVisit.user_id == user.id
    if role == "supervisor":
        if user.org is None:
            return false()
        return or_(FieldVisit.bank_path.startswith(user.org.path),
                   village_scope(user, FieldVisit.village_code))
    if role == "regulator":
        return village_scope(user, FieldVisit.village_code)
    return false()


def request_scope(user: User) -> ColumnElement[bool]:
    """Villagers' requests: the ones she took or was assigned, plus those of her area (a
    grid worker's villages, a keeper's point village, a supervisor's bank, a regulator's
    region); admins all."""
    role = user.role
    if role == "admin":
        return true()
    own = or_(VillagerRequest.created_by == user.id, VillagerRequest.assignee_id == user.id)
    if role in ("grid_worker", "keeper", "regulator"):
        return or_(own, village_scope(user, VillagerRequest.village_code))
    if role == "supervisor" and user.org is not None:
        return or_(own, VillagerRequest.bank_path.startswith(user.org.path),
                   village_scope(user, VillagerRequest.village_code))
    return own


def team_scope(user: User) -> ColumnElement[bool]:
    """Teams: admins all; a regulator the teams working in her region (a planned visit
    there, or a member placed in one of its counties), whichever bank runs them; a
    supervisor her bank subtree's; a field agent the teams she belongs to."""
    if user.role == "admin":
        return true()
    if user.role == "regulator":
        prefix = region_prefix(user.org.region_code if user.org else None)
        if not prefix:
            return false()
        planned = select(PlannedVisit.team_id).where(PlannedVisit.village_code.startswith(prefix))
        placed = (select(TeamMember.team_id).join(User, User.id == TeamMember.user_id)
                  .where(User.county_code.startswith(prefix)))
        return or_(Team.id.in_(planned), Team.id.in_(placed))
    if user.role == "supervisor" and user.org is not None:
        banks = select(Organisation.id).where(Organisation.path.startswith(user.org.path))
        return Team.bank_id.in_(banks)
    if user.role == "field_agent":
        return Team.id.in_(select(TeamMember.team_id).where(TeamMember.user_id == user.id))
    return false()


def field_villages(user: User) -> ColumnElement[bool]:
    """Condition on Region: the villages a field worker's phone pulls (with their
    boundaries, to find the village of a GPS fix offline): a grid worker her assigned
    villages; a field agent the villages of her bank's points, within her county when
    she has one (a bank's subtree can span a province)."""
    condition = and_(Region.level == "village", village_scope(user, Region.code))
    if user.role == "field_agent" and user.county_code:
        condition = and_(condition, Region.code.startswith(user.county_code))
    return condition


# Risk alerts -----------------------------------------------------------------------

def alert_in_force(at) -> ColumnElement[bool]:
    """Condition: the alert is published and has not ended at `at`."""
    return and_(
        RiskAlert.published_at <= at,
        or_(RiskAlert.expires_at.is_(None), RiskAlert.expires_at > at),
    )


def alert_covers(code) -> ColumnElement[bool]:
    """Condition: the alert's region holds `code` (a value or a column); '' is national."""
    return func.strpos(code, RiskAlert.region_prefix) == 1


def alert_scope(user: User, now) -> ColumnElement[bool]:
    """The alerts a user sees. Regulators see those that apply anywhere in their region
    (national ones too), with history; admins all. Everyone else sees the alerts in force
    for at least one village of her area (her point, her grid villages, her bank's
    points)."""
    if user.role == "admin":
        return true()
    if user.role == "regulator":
        own = jurisdiction(user)
        if own is None:
            return false()
        return or_(RiskAlert.region_prefix.startswith(own), alert_covers(own))
    area = select(Region.code).where(
        Region.level == "village", village_scope(user, Region.code), alert_covers(Region.code)
    )
    return and_(alert_in_force(now), exists(area))


# The audit log ---------------------------------------------------------------------

def describe(user: User) -> str:
    """The user's scope in words, for the audit log."""
    if user.role == "keeper":
        return f"point:{user.point_id}"
    if user.role in ("supervisor", "field_agent"):
        return f"org:{user.org.path if user.org else '-'}"
    if user.role == "regulator":
        return f"region:{region_prefix(user.org.region_code if user.org else None)}"
    if user.role == "grid_worker":
        return f"grid_worker:{user.id}"
    return "all"


def rollup_scope(user: User, village_code_column, bank_path_column) -> ColumnElement[bool]:
    """Rows of a rollup keyed by village and bank that a user's statistics count: a
    regulator her region's business (every bank), a supervisor her bank's (every
    region), an admin all of it."""
    if user.role == "admin":
        return true()
    if user.role == "regulator":
        prefix = jurisdiction(user)
        return village_code_column.startswith(prefix) if prefix else false()
    if user.role == "supervisor" and user.org is not None:
        return bank_path_column.startswith(user.org.path)
    return false()


def entry_scope(user: User, entry) -> ColumnElement[bool]:
    """Ledger records bank and regulator staff read (`entry` is the LedgerEntry entity;
    the query outer-joins ServicePoint on its point). A point record is seen through its
    point (point_scope); a field record (grid, mobile) like its visit: by a regulator
    in her region, by a supervisor when her bank's staff did the business or it was
    done in the villages of her bank's points. Decided from the record itself, so a
    record that arrives before its visit is already in scope."""
    if user.role == "admin":
        return true()
    field = entry.channel != "point"
    if user.role == "supervisor" and user.org is not None:
        staff = select(User.id).join(Organisation, Organisation.id == User.org_id).where(
            Organisation.path.startswith(user.org.path))
        field_rule = or_(entry.user_id.in_(staff), village_scope(user, entry.village_code))
    elif user.role == "regulator":
        field_rule = village_scope(user, entry.village_code)
    else:
        field_rule = false()
    return or_(and_(~field, point_scope(user)), and_(field, field_rule))
