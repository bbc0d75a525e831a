"""Supervisors' reviews of flagged register records.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'flag_reviews',
        sa.Column('entry_id', postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column('county_code', postgresql.CHAR(length=6), nullable=False),
        sa.Column('reviewed_by', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'],
                                name=op.f('fk_flag_reviews_entry_id_ledger_entries')),
        sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'],
                                name=op.f('fk_flag_reviews_reviewed_by_users')),
        sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_flag_reviews')),
    )
    op.create_index('ix_flag_reviews_county', 'flag_reviews', ['county_code', 'reviewed_at'])


def downgrade():
    op.drop_index('ix_flag_reviews_county', table_name='flag_reviews')
    op.drop_table('flag_reviews')
