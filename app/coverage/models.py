"""The village coverage table (migration 0006), kept current by triggers on
service_points and regions; app code only reads it.

Declared as a Core table: nothing in Python writes it, and queries join it with
regions and points column by column.
"""
from sqlalchemy import Column, DateTime, Float, Integer, String, Table, BigInteger, Boolean

from app.extensions import db
from app.models.regions import RegionCode

village_coverage = Table(
    "village_coverage",
    db.metadata,
    Column("village_code", RegionCode(), primary_key=True),
    Column("county_code", String(6), nullable=False),
    Column("points_inside", Integer, nullable=False),
    Column("nearest_point_id", Integer),
    Column("nearest_m", Float),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

coverage_state = Table(
    "coverage_state",
    db.metadata,
    Column("id", Boolean, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
