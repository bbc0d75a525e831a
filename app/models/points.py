"""Service points (助农取款服务点) and their terminals (助农机具).

Every row carries its county code so the table can later be distributed by county
(Citus) without a join to find the shard.
"""
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import ARRAY, CheckConstraint, ForeignKey, Index, String, Text, func, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.checks import one_of
from app.models.regions import RegionCode

# The orders a list of points can be asked for (?sort=): by place (village code, the
# default), by name either way, by status, most recently changed first.
POINT_SORTS = ("place", "name", "-name", "status", "-updated")
POINT_STATUSES = ("active", "suspended", "closed")
TERMINAL_KINDS = ("pos", "smart_pos", "atm", "crs", "mobile")
# The text that `q` searches; the same expression is indexed (migration 0003).
SEARCH_TEXT = (
    "name || ' ' || shop_name || ' ' || keeper_name || ' ' || coalesce(address, '')"
    " || ' ' || coalesce(code, '')"
)


class ServicePoint(db.Model):
    __tablename__ = "service_points"
    __table_args__ = (
        one_of("status", POINT_STATUSES, name="status"),
        CheckConstraint("village_code ~ '^[0-9]{12}$'", name="village_code"),
        CheckConstraint("county_code = left(village_code, 6)", name="county_matches_village"),
        # One btree serves a region prefix (LIKE '1505%') and the list order (code, id).
        Index("ix_service_points_village_code", "village_code", "id"),
        Index("ix_service_points_location", "location", postgresql_using="gist"),
        # Text search (`q`) matches a substring anywhere in these fields: a trigram index
        # on their concatenation answers it without reading the whole table.
        Index(
            "ix_service_points_search",
            text(f"({SEARCH_TEXT}) gin_trgm_ops"),
            postgresql_using="gin",
        ),
        Index("ix_service_points_bank_status", "bank_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    # Materialised copy of the bank's path, so a supervisor's subtree filter needs no join.
    bank_path: Mapped[str] = mapped_column(String(200), nullable=False)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    shop_name: Mapped[str] = mapped_column(String(200), nullable=False)
    licence_no: Mapped[str | None] = mapped_column(String(40))
    keeper_name: Mapped[str] = mapped_column(String(100), nullable=False)
    keeper_phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    village_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("regions.code"), nullable=False
    )
    county_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    services: Mapped[list[str]] = mapped_column(ARRAY(String(30)), nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="active")
    status_since: Mapped[date] = mapped_column(nullable=False, server_default=func.current_date())
    status_reason: Mapped[str | None] = mapped_column(Text)
    opened_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    signage: Mapped[bool] = mapped_column(nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    bank = relationship("Organisation", lazy="joined")
    # Loaded on request with load_only(name): a village's polygon is not needed to name it.
    village = relationship("Region", lazy="select")
    terminals = relationship(
        "Terminal", back_populates="point", order_by="Terminal.id", lazy="selectin"
    )


def search_text():
    """SEARCH_TEXT as a query expression, written so it compiles to the very expression
    the index holds (literals, not bound parameters), which lets the planner use it."""
    space, empty = literal_column("' '"), literal_column("''")
    point = ServicePoint
    return (
        point.name + space + point.shop_name + space + point.keeper_name + space
        + func.coalesce(point.address, empty) + space + func.coalesce(point.code, empty)
    )


class Terminal(db.Model):
    __tablename__ = "terminals"
    __table_args__ = (
        one_of("kind", TERMINAL_KINDS, name="kind"),
        Index(
            "uq_terminals_active_code",
            "merchant_code",
            "terminal_code",
            unique=True,
            postgresql_where="removed_on IS NULL",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(
        ForeignKey("service_points.id"), nullable=False, index=True
    )
    county_code: Mapped[str] = mapped_column(String(6), nullable=False)
    merchant_code: Mapped[str] = mapped_column(String(20), nullable=False)  # 商户代码
    terminal_code: Mapped[str] = mapped_column(String(20), nullable=False)  # 终端代码
    serial_no: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="pos")
    installed_on: Mapped[date | None]
    removed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    point = relationship("ServicePoint", back_populates="terminals")
