"""Supervisors' reviews of flagged register records (标记复核).

A record that broke a business rule is stored and flagged, never refused (see
app/sync/rules.py); a supervisor of its bank then looks at it and writes down what she
found. The ledger itself stays append-only: the review lives beside the record, one row
per record, and each change of it is in the audit log.
"""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Text, func
from sqlalchemy.dialects.postgresql import CHAR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class FlagReview(db.Model):
    __tablename__ = "flag_reviews"
    __table_args__ = (Index("ix_flag_reviews_county", "county_code", "reviewed_at"),)

    entry_id: Mapped[str] = mapped_column(
        UUID(as_uuid=False), ForeignKey("ledger_entries.id"), primary_key=True
    )
    # Copied from the record, like every ledger fact, so the table distributes by county.
    county_code: Mapped[str] = mapped_column(CHAR(6), nullable=False)
    reviewed_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    note: Mapped[str] = mapped_column(Text, nullable=False)
