"""Trigram index for the service-point text search (`q`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:00:00

"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Must stay the same expression as app.models.points.SEARCH_TEXT.
SEARCH_TEXT = (
    "name || ' ' || shop_name || ' ' || keeper_name || ' ' || coalesce(address, '')"
    " || ' ' || coalesce(code, '')"
)


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_service_points_search ON service_points "
        f"USING gin (({SEARCH_TEXT}) gin_trgm_ops)"
    )


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_service_points_search")
