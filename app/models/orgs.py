"""Organisations: banks as a tree (head office > county branch > outlet) and the
regulator (a People's Bank branch) with the region it oversees.

`path` is a materialised path of ids ("/1/7/42/") so "her bank's subtree" is one
indexed prefix match instead of a recursive query on every request.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.checks import one_of
from app.models.regions import RegionCode

ORG_KINDS = ("bank_head_office", "bank_branch", "bank_outlet", "regulator")


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        one_of("kind", ORG_KINDS, name="kind"),
        Index("ix_organisations_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    short_name: Mapped[str | None] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), nullable=False, default="/")
    # The region the organisation serves: a regulator's scope, a branch's county.
    region_code: Mapped[str | None] = mapped_column(RegionCode(), ForeignKey("regions.code"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    @staticmethod
    def path_below(parent_path: str | None, org_id: int) -> str:
        """The materialised path of organisation `org_id` under a parent ("/1/7/" + 42)."""
        return f"{parent_path or '/'}{org_id}/"

    @property
    def is_bank(self) -> bool:
        return self.kind != "regulator"
