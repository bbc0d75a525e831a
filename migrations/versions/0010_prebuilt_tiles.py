"""Low-zoom map tiles kept in the database, shared by every worker and built ahead.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:40:00

A zoom-6 tile of the whole country holds tens of thousands of points and takes the
better part of a second to make; every worker making it again after each change of the
registry (the data version in its key) would put that second in front of the users.
Each low-zoom tile is stored here under its key (layer, address, scope, settings) with
the data version it was made from; app/coverage/tiles.py serves it while it is current
or younger than its allowed staleness, and `flask coverage tiles` builds them ahead.

UNLOGGED: a cache; after a crash PostgreSQL empties it and tiles are made again.
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE UNLOGGED TABLE coverage_tiles (
            key text COLLATE "C" PRIMARY KEY,
            version text NOT NULL,
            tag text NOT NULL,
            data bytea NOT NULL,
            built_at timestamptz NOT NULL DEFAULT now()
        )
    """)


def downgrade():
    op.execute("DROP TABLE IF EXISTS coverage_tiles")
