"""Users and what scopes them, grid-worker assignments, devices and bearer tokens.

Scope always comes from the signed-in user:
  keeper       -> point_id (her own point)
  grid_worker  -> villages in her active GridAssignments
  field_agent  -> org_id (her bank outlet / team) and her own visits
  supervisor   -> org_id (her bank's subtree, via Organisation.path)
  regulator    -> org_id (a PBoC branch) and its region_code prefix
  admin        -> everything
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.checks import one_of, one_of_sql
from app.models.regions import RegionCode

ROLES = ("keeper", "grid_worker", "field_agent", "supervisor", "regulator", "admin")
# Roles that work for an organisation (a bank, or the People's Bank) and need one.
ROLES_NEEDING_ORG = ("supervisor", "regulator", "field_agent")


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", ROLES, name="role"),
        CheckConstraint("role <> 'keeper' or point_id is not null", name="keeper_has_point"),
        CheckConstraint(f"not {one_of_sql('role', ROLES_NEEDING_ORG)} or org_id is not null",
                        name="org_roles_have_org"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # NULL for people registered but without a sign-in (most grid workers in demo data).
    password_hash: Mapped[str | None] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(12), nullable=False)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"), index=True)
    # County of the person's work, for distribution and for listing by region.
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    org = relationship("Organisation", lazy="joined")


class GridAssignment(db.Model):
    """A grid worker (网格员) responsible for a village over a period."""

    __tablename__ = "grid_assignments"
    __table_args__ = (
        # "One village, one grid worker": at most one open assignment per village.
        Index(
            "uq_grid_assignments_active_village",
            "village_code",
            unique=True,
            postgresql_where="ends_on IS NULL",
        ),
        CheckConstraint("ends_on is null or ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    village_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("regions.code"), nullable=False
    )
    county_code: Mapped[str] = mapped_column(String(6), nullable=False)
    starts_on: Mapped[date] = mapped_column(nullable=False, server_default=func.current_date())
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    user = relationship("User", lazy="joined")
    # Loaded with load_only(name) where needed: the village polygon is not.
    village = relationship("Region", lazy="select")


class Device(db.Model):
    """A phone registered by signing in with its client-generated device id."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_key: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    label: Mapped[str | None] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("uq_devices_user_key", "user_id", "device_key", unique=True),)


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored, so a database leak yields no tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    revoked_at: Mapped[datetime | None]

    user = relationship("User", lazy="joined")
    device = relationship("Device", lazy="joined")
