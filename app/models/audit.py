"""Audit log: every registry change and every export, with who, when and what scope.

For registry entities the row keeps the record before and after the change, so a
service point's history is the list of its audit events, never an overwrite.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(nullable=False, server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False)  # create, update, suspend...
    entity: Mapped[str] = mapped_column(String(40), nullable=False)  # service_point, export...
    entity_id: Mapped[str | None] = mapped_column(String(64))
    county_code: Mapped[str | None] = mapped_column(String(6))
    scope: Mapped[str | None] = mapped_column(String(200))  # the actor's scope, in words
    reason: Mapped[str | None]
    before = mapped_column(JSONB)
    after = mapped_column(JSONB)

    actor = relationship("User", lazy="joined")
