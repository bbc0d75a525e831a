"""Statistics by bank: the village rollup gains the bank whose business it was.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The live records (those no void refers to) per channel, business day, village, kind
# (and bank): the same definition the push keeps the rollup by (app/sync/services.py).
def recount(by_bank):
    bank_column = "bank_path, " if by_bank else ""
    bank_value = "coalesce(p.bank_path, v.bank_path, ''), " if by_bank else ""
    return f"""
        INSERT INTO ledger_village_daily
            (channel, day, village_code, kind, {bank_column}county_code, count, amount_fen)
        SELECT e.channel, (e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
               e.village_code, e.kind, {bank_value}min(e.county_code), count(*),
               sum(e.amount_fen)
        FROM ledger_entries e
        LEFT JOIN service_points p ON p.id = e.point_id
        LEFT JOIN field_visits v ON v.id = e.visit_id
        WHERE e.void_of IS NULL
          AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.void_of = e.id)
        GROUP BY e.channel, day, e.village_code, e.kind{", 5" if by_bank else ""}
    """


def upgrade():
    op.execute("DELETE FROM ledger_village_daily")
    op.drop_constraint('pk_ledger_village_daily', 'ledger_village_daily', type_='primary')
    op.add_column('ledger_village_daily', sa.Column(
        'bank_path', sa.String(length=200, collation='C'), server_default='', nullable=False))
    op.create_primary_key('pk_ledger_village_daily', 'ledger_village_daily',
                          ['channel', 'day', 'village_code', 'kind', 'bank_path'])
    op.execute(recount(by_bank=True))


def downgrade():
    op.execute("DELETE FROM ledger_village_daily")
    op.drop_constraint('pk_ledger_village_daily', 'ledger_village_daily', type_='primary')
    op.drop_column('ledger_village_daily', 'bank_path')
    op.create_primary_key('pk_ledger_village_daily', 'ledger_village_daily',
                          ['channel', 'day', 'village_code', 'kind'])
    op.execute(recount(by_bank=False))
