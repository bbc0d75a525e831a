"""Administrative divisions (GB/T 2260 county codes, 12-digit statistical codes).

A code's prefix is its parent: province 2 digits, prefecture 4, county 6, township 9,
village 12. Codes are stored zero-padded to 12 digits; `prefix` is the significant part,
so "everything in 科尔沁区" is `code LIKE '150502%'`.
"""
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.checks import one_of

LEVELS = ("province", "city", "county", "township", "village")
PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


def RegionCode():  # noqa: N802  (a column type, named like one)
    """A division code column. Codes are digits, so the "C" collation sorts them right;
    every column holding one uses it, so joins between them can use their indexes and
    a plain btree serves prefix matches (LIKE '1505%')."""
    return String(12, collation="C")


class Region(db.Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{12}$'", name="code_12_digits"),
        one_of("level", LEVELS, name="level"),
        Index("ix_regions_prefix", "prefix", postgresql_ops={"prefix": "text_pattern_ops"}),
        Index("ix_regions_name", "name"),
        Index("ix_regions_geom", "geom", postgresql_using="gist"),
        Index("ix_regions_centroid", "centroid", postgresql_using="gist"),
    )

    code: Mapped[str] = mapped_column(RegionCode(), primary_key=True)
    prefix: Mapped[str] = mapped_column(RegionCode(), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(
        RegionCode(), ForeignKey("regions.code"), index=True
    )
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    centroid = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    population: Mapped[int | None]
    households: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
