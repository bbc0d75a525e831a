"""The keeper's transaction register (登记簿): an append-only ledger, its rollups, the
limit rules it is checked against, and the risk alerts devices pull.

Every fact row carries its county code so the tables can later be distributed by county
(Citus) without a join. The ledger is written only by the sync push (one set-based
INSERT per batch, see app/sync/services.py); nothing ever updates or deletes a row. A
mistaken record is corrected by a void record that refers to it (`void_of`).
"""
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import CHAR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.fields import MASKED_CARD_PATTERN
from app.extensions import db
from app.models.checks import one_of
from app.models.regions import RegionCode

# What is logged. 'void' marks a correction; a correction may also carry the kind of
# the record it voids (the client copies it) -- either way `void_of` says what it voids.
# The last three are the mobile-service kinds the seed names (信用卡还款, 手机银行开通,
# 社保卡业务); transfer/remittance and bill payment were already there. Names stay within
# the 20 characters of the kind columns of the ledger and both rollups.
BUSINESS_KINDS = (
    "withdrawal", "balance_inquiry", "transfer", "cash_remittance", "bill_payment",
    "card_repayment", "mobile_banking", "social_security",
)
LEDGER_KINDS = BUSINESS_KINDS + ("void",)
# Where the business was done: at a service point (the keeper's register), by a grid
# worker in a village (帮办代办), or at a mobile team's terminal (流动服务). Records of the
# last two belong to a visit (app/models/field.py) instead of a point.
CHANNELS = ("point", "grid", "mobile")
FIELD_CHANNELS = ("grid", "mobile")


class LedgerEntry(db.Model):
    """One line of the register, keyed by the id the phone generated.

    `occurred_at` is the device's clock: recorded, shown, used for the business day, but
    never for ordering or authorisation. `seq` (server sequence) orders the ledger and is
    the pull cursor; `received_at` is the server's clock.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        one_of("kind", LEDGER_KINDS, name="kind"),
        one_of("channel", CHANNELS, name="channel"),
        # A point record names its point and no visit; a field record a visit, no point.
        CheckConstraint("(channel = 'point') = (point_id is not null)", name="point_iff_channel"),
        CheckConstraint("(channel = 'point') = (visit_id is null)", name="visit_iff_field"),
        CheckConstraint("channel = 'point' or village_code is not null", name="field_has_village"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("kind <> 'balance_inquiry' or amount_fen = 0", name="inquiry_no_amount"),
        CheckConstraint("kind <> 'void' or void_of is not null", name="void_has_target"),
        CheckConstraint("void_of is null or void_of <> id", name="void_not_self"),
        # Defence in depth: only BIN + stars + last 4 is ever stored.
        # The pattern is the one app/sync/records.py checks with (app/core/fields.py).
        CheckConstraint(
            f"card_masked is null or card_masked ~ '^{MASKED_CARD_PATTERN}$'", name="card_masked"
        ),
        Index("uq_ledger_entries_seq", "seq", unique=True),
        # Pull (records of a point after a cursor) and the supervisor's list per point.
        Index("ix_ledger_entries_point_seq", "point_id", "seq"),
        # Supervisors list flagged records; few rows are flagged, so a partial index.
        Index(
            "ix_ledger_entries_flagged",
            "point_id",
            "seq",
            postgresql_where=text("flags <> '{}'"),
        ),
        # "Has this record been voided?" for rollups and lists.
        Index(
            "ix_ledger_entries_void_of", "void_of", postgresql_where=text("void_of is not null")
        ),
        # A field worker's pull (her records after a cursor) and a visit's business; both
        # partial, so the keepers' rows (the bulk) cost them nothing.
        Index(
            "ix_ledger_entries_field_user_seq", "user_id", "seq",
            postgresql_where=text("channel <> 'point'"),
        ),
        Index(
            "ix_ledger_entries_visit", "visit_id", postgresql_where=text("visit_id is not null")
        ),
    )

    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False), nullable=False)
    point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"))
    channel: Mapped[str] = mapped_column(
        String(8), nullable=False, server_default=text("'point'")
    )
    # The village the business was done in: the visit's, or the point's (the push
    # copies it; NULL is allowed for point rows only, so bulk loads of the register that
    # predate channels, e.g. the COPY baseline of bench/sync_ingest.py, stay valid).
    village_code: Mapped[str | None] = mapped_column(RegionCode())
    # No foreign key: a record may arrive before its visit (see app/field/sync.py).
    visit_id: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    card_masked: Mapped[str | None] = mapped_column(String(19))
    voucher_no: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    void_of: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    flags: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    # SHA-256 of the normalised record: the same id with the same hash is a resend
    # (duplicate), with another hash a conflict.
    body_hash: Mapped[str] = mapped_column(CHAR(64), nullable=False)


class LedgerDaily(db.Model):
    """Per point, business day (Asia/Shanghai) and kind: count and amount of the live
    (not voided) records. Kept up to date in the same transaction as the inserts, so
    statistics never scan the ledger."""

    __tablename__ = "ledger_daily"

    point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False, index=True)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LedgerVillageDaily(db.Model):
    """Per channel, business day, village and kind: count and amount of the live records
    of every channel. The key leads with the channel and the day, so "how much did grid
    workers do in villages in 2024" is one range read of the primary key, and a region
    narrows it by village-code prefix within the same index. Kept in the same statement
    as the inserts, like LedgerDaily (which stays per point, for the point channel)."""

    __tablename__ = "ledger_village_daily"
    __table_args__ = (one_of("channel", CHANNELS, name="channel"),)

    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    village_code: Mapped[str] = mapped_column(RegionCode(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    # Whose business it was: the point's bank, or the visitor's organisation (its path,
    # '' for a grid worker without one), so statistics are scoped and grouped by bank
    # from the rollup with the same prefix rule as every other bank scope.
    bank_path: Mapped[str] = mapped_column(
        String(200, collation="C"), primary_key=True, server_default=""
    )
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LedgerVillageMonthly(db.Model):
    """LedgerVillageDaily summed by calendar month, kept from it by a trigger (migration
    0008). Statistics over whole months read it: a month of a village is one row here
    instead of up to thirty, which is what makes a year's figures for a city cheap."""

    __tablename__ = "ledger_village_monthly"

    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    village_code: Mapped[str] = mapped_column(RegionCode(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    bank_path: Mapped[str] = mapped_column(
        String(200, collation="C"), primary_key=True, server_default=""
    )
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LedgerCardDaily(db.Model):
    """Per card (masked), business day and kind: the amount logged in every channel, to
    flag the per-card daily cap (the cap is per card, wherever the card was used). Keyed by county: a villager uses the points of her own county, and the
    key keeps the table distributable by county."""

    __tablename__ = "ledger_card_daily"

    county_code: Mapped[str] = mapped_column(CHAR(6), primary_key=True)
    card_masked: Mapped[str] = mapped_column(String(19), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LimitRule(db.Model):
    """A limit on one kind of business, for a region (code prefix; '' is national) and
    optionally one bank (its head office), in force from `valid_from` to `valid_to`
    inclusive. The most specific rule in force wins: a bank's rule over a region's, a
    longer prefix over a shorter one, a later start over an earlier one."""

    __tablename__ = "limit_rules"
    __table_args__ = (
        one_of("kind", BUSINESS_KINDS, name="kind"),
        CheckConstraint("region_prefix ~ '^[0-9]{0,12}$'", name="region_prefix"),
        CheckConstraint("valid_to is null or valid_to >= valid_from", name="dates"),
        CheckConstraint(
            "coalesce(min_fen, 0) >= 0 and coalesce(multiple_of_fen, 1) > 0 "
            "and coalesce(per_card_daily_fen, 0) >= 0",
            name="amounts",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    region_prefix: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    min_fen: Mapped[int | None] = mapped_column(BigInteger)
    multiple_of_fen: Mapped[int | None] = mapped_column(BigInteger)
    per_card_daily_fen: Mapped[int | None] = mapped_column(BigInteger)
    valid_from: Mapped[date] = mapped_column(nullable=False)
    valid_to: Mapped[date | None]
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RiskAlert(db.Model):
    """A risk alert (风险提示) published by a regulator for a region ('' is national);
    devices in the region pull it until it expires."""

    __tablename__ = "risk_alerts"
    __table_args__ = (
        CheckConstraint("region_prefix ~ '^[0-9]{0,12}$'", name="region_prefix"),
        Index("ix_risk_alerts_published", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    region_prefix: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    published_by: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
