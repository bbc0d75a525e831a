"""Field work (issue 8): grid workers' and mobile teams' visits to villages, and the
anti-fraud talks given during them. Business done on a visit is a ledger record of
channel `grid` or `mobile` (app/models/ledger.py) that names the visit.

Rows are written only by the sync push (app/field/sync.py), keyed by the id the phone
generated, and never updated: a visit is pushed once, when it has ended, with both its
times. Like the ledger, every row carries its county code.

`seq` comes from the ledger's own sequence, so a field worker's visits, talks and
ledger records share one order and one pull cursor; her writes hold her advisory lock
until commit, so for her rows seq order is commit order and the cursor never skips.
"""
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import CHAR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.checks import one_of
from app.models.ledger import FIELD_CHANNELS
from app.models.regions import RegionCode

# How the phone chose the village: from its GPS fix inside the village's boundary, or
# picked by hand from her assigned villages when there was no fix. The app shows which.
VILLAGE_SOURCES = ("gps", "picked")
# The shared sequence (the ledger's identity sequence; see the module docstring).
SHARED_SEQ = text("nextval('ledger_entries_seq_seq')")


class FieldVisit(db.Model):
    """A visit to a village by a grid worker (channel grid) or a mobile team member
    (channel mobile)."""

    __tablename__ = "field_visits"
    __table_args__ = (
        one_of("channel", FIELD_CHANNELS, name="channel"),
        one_of("village_source", VILLAGE_SOURCES, name="village_source"),
        CheckConstraint("ended_at >= started_at", name="ends_after_start"),
        CheckConstraint("households >= 0", name="households_not_negative"),
        Index("uq_field_visits_seq", "seq", unique=True),
        Index("ix_field_visits_user_seq", "user_id", "seq"),
        Index("ix_field_visits_village_started", "village_code", "started_at"),
    )

    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=SHARED_SEQ)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    village_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("regions.code"), nullable=False
    )
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False)
    # The visitor's bank subtree at the time (Organisation.path), so a supervisor's
    # scope is a prefix match even after the person moves; NULL without an organisation.
    bank_path: Mapped[str | None] = mapped_column(String(200, collation="C"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    village_source: Mapped[str] = mapped_column(String(8), nullable=False)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    households: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    note: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    body_hash: Mapped[str] = mapped_column(CHAR(64), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class FraudTalk(db.Model):
    """An anti-fraud talk (反电诈宣传) given during a visit, with its attendance."""

    __tablename__ = "fraud_talks"
    __table_args__ = (
        CheckConstraint("attendance >= 0", name="attendance_not_negative"),
        Index("uq_fraud_talks_seq", "seq", unique=True),
        Index("ix_fraud_talks_user_seq", "user_id", "seq"),
        Index("ix_fraud_talks_visit", "visit_id"),
    )

    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=SHARED_SEQ)
    # No foreign key: a talk may arrive before its visit (see app/field/sync.py).
    visit_id: Mapped[str] = mapped_column(UUID(as_uuid=False), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    village_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("regions.code"), nullable=False
    )
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    topic: Mapped[str] = mapped_column(String(200), nullable=False)
    attendance: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    body_hash: Mapped[str] = mapped_column(CHAR(64), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class AlertAck(db.Model):
    """A keeper's, grid worker's or field agent's acknowledgement that she has read a risk
    alert: at most one per person and alert, whichever way it came (online, or an
    `alert_ack` record pushed later with the id the phone generated)."""

    __tablename__ = "alert_acks"
    __table_args__ = (
        Index("uq_alert_acks_alert_user", "alert_id", "user_id", unique=True),
    )

    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("risk_alerts.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    # When she acknowledged, by the device's clock for an offline acknowledgement.
    acked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


# What villagers ask for (诉求), as the seed's grid workers and points hear it.
REQUEST_CATEGORIES = (
    "cash_service", "card_service", "fraud_report", "complaint", "credit", "social_security",
    "other",
)
# open -> assigned -> resolved (what was done) -> closed (the villager's feedback).
REQUEST_STATUSES = ("open", "assigned", "resolved", "closed")


class VillagerRequest(db.Model):
    """A villager's request taken on a visit or at a point, followed to its close: assigned
    to someone, resolved with what was done, closed with the villager's feedback. Keyed
    by the id the phone generated, so one taken offline is stored once."""

    __tablename__ = "villager_requests"
    __table_args__ = (
        one_of("category", REQUEST_CATEGORIES, name="category"),
        one_of("status", REQUEST_STATUSES, name="status"),
        CheckConstraint("status in ('open', 'assigned') or resolution is not null",
                        name="resolved_says_what"),
        CheckConstraint("status <> 'closed' or closed_at is not null", name="closed_has_time"),
        CheckConstraint("status = 'open' or assignee_id is not null", name="assigned_has_assignee"),
        # The open list per village and the overdue list, newest deadline last.
        Index("ix_villager_requests_village_status", "village_code", "status"),
        Index("ix_villager_requests_due", "deadline",
              postgresql_where=text("status in ('open', 'assigned')")),
    )

    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    village_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("regions.code"), nullable=False
    )
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False)
    visit_id: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    deadline: Mapped[date] = mapped_column(nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="open")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    # The taker's bank subtree, for the supervisor's scope (as on visits).
    bank_path: Mapped[str | None] = mapped_column(String(200, collation="C"))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    feedback: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None]
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    body_hash: Mapped[str] = mapped_column(CHAR(64), nullable=False)


# The inspection checklist (巡检): terminal, signage, fee list and notices posted, the
# register kept, the keeper's knowledge of the rules, cash on hand.
INSPECTION_ITEMS = (
    "terminal_works", "signage", "fee_list_posted", "notices_posted", "register_kept",
    "keeper_knows_rules", "cash_adequate",
)
FINDING_STATUSES = ("open", "fixed", "verified")


def _items_array() -> str:
    return "ARRAY[" + ",".join(f"'{i}'" for i in INSPECTION_ITEMS) + "]::text[]"


class InspectionPolicy(db.Model):
    """How often a bank inspects its points and how long a finding may stay open:
    configuration per bank (its head office or any organisation above the point; the
    nearest one wins). Without a row, app/field/inspections.py's defaults apply."""

    __tablename__ = "inspection_policies"
    __table_args__ = (
        CheckConstraint("every_days > 0 and fix_days > 0", name="positive_days"),
    )

    bank_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    every_days: Mapped[int] = mapped_column(Integer, nullable=False)
    fix_days: Mapped[int] = mapped_column(Integer, nullable=False)


class Inspection(db.Model):
    """One inspection of a point, done on the phone (offline too), keyed by the id the
    phone generated. Each failed checklist item becomes a Finding."""

    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(f"failed_items <@ {_items_array()}", name="failed_items_known"),
        Index("ix_inspections_point_at", "point_id", "inspected_at"),
    )

    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), nullable=False)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False)
    inspected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    failed_items: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(CHAR(64), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class Finding(db.Model):
    """A failed checklist item: an owner (the point's keeper) and a deadline, then a fix
    and its verification (台账管理、限时办结、回访反馈)."""

    __tablename__ = "inspection_findings"
    __table_args__ = (
        one_of("item", INSPECTION_ITEMS, name="item"),
        one_of("status", FINDING_STATUSES, name="status"),
        CheckConstraint("status = 'open' or (fix is not null and fixed_at is not null)",
                        name="fixed_says_how"),
        CheckConstraint("status <> 'verified' or verified_by is not null", name="verified_by_whom"),
        Index("uq_inspection_findings_item", "inspection_id", "item", unique=True),
        Index("ix_inspection_findings_due", "deadline", postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), nullable=False)
    point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), nullable=False, index=True)
    item: Mapped[str] = mapped_column(String(24), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deadline: Mapped[date] = mapped_column(nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="open")
    fix: Mapped[str | None] = mapped_column(Text)
    fixed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Team(db.Model):
    """A bank's mobile service team (流动服务队 / 金融志愿服务队)."""

    __tablename__ = "teams"
    __table_args__ = (Index("uq_teams_bank_name", "bank_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    bank_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class TeamMember(db.Model):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class PlannedVisit(db.Model):
    """A team's planned visit to a village on a day; done when a member visited that
    village that business day (Asia/Shanghai)."""

    __tablename__ = "planned_visits"
    __table_args__ = (
        Index("uq_planned_visits_team_day_village", "team_id", "planned_on", "village_code",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), nullable=False)
    village_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("regions.code"), nullable=False
    )
    planned_on: Mapped[date] = mapped_column(nullable=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)


class Training(db.Model):
    """A training session (培训) for keepers and grid workers, run by a bank."""

    __tablename__ = "trainings"
    __table_args__ = (Index("ix_trainings_bank_held", "bank_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), nullable=False)
    held_on: Mapped[date] = mapped_column(nullable=False)
    bank_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)


class TrainingAttendee(db.Model):
    __tablename__ = "training_attendees"

    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
