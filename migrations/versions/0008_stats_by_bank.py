"""Statistics: the village rollup gains the bank whose business it was, and a monthly
rollup kept from it by a trigger.

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


# The monthly rollup follows the daily one row by row: the push only ever inserts or
# adds to daily rows (INSERT ... ON CONFLICT DO UPDATE), so the difference NEW - OLD is
# what the month gains. Kept by a trigger so the push's statement stays as it is.
MONTHLY_TRIGGER = """
    CREATE FUNCTION ledger_village_monthly_roll() RETURNS trigger AS $$
    BEGIN
        INSERT INTO ledger_village_monthly AS m
            (channel, month, village_code, kind, bank_path, county_code, count, amount_fen)
        VALUES (NEW.channel, date_trunc('month', NEW.day)::date, NEW.village_code, NEW.kind,
                NEW.bank_path, NEW.county_code,
                NEW.count - CASE WHEN TG_OP = 'UPDATE' THEN OLD.count ELSE 0 END,
                NEW.amount_fen - CASE WHEN TG_OP = 'UPDATE' THEN OLD.amount_fen ELSE 0 END)
        ON CONFLICT (channel, month, village_code, kind, bank_path) DO UPDATE
        SET count = m.count + excluded.count, amount_fen = m.amount_fen + excluded.amount_fen;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql;
    CREATE TRIGGER ledger_village_monthly_roll
        AFTER INSERT OR UPDATE ON ledger_village_daily
        FOR EACH ROW EXECUTE FUNCTION ledger_village_monthly_roll();
"""


def upgrade():
    op.execute("DELETE FROM ledger_village_daily")
    op.drop_constraint('pk_ledger_village_daily', 'ledger_village_daily', type_='primary')
    op.add_column('ledger_village_daily', sa.Column(
        'bank_path', sa.String(length=200, collation='C'), server_default='', nullable=False))
    op.create_primary_key('pk_ledger_village_daily', 'ledger_village_daily',
                          ['channel', 'day', 'village_code', 'kind', 'bank_path'])
    op.execute(recount(by_bank=True))
    op.create_table('ledger_village_monthly',
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('village_code', sa.String(length=12, collation='C'), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('bank_path', sa.String(length=200, collation='C'), server_default='',
                  nullable=False),
        sa.Column('county_code', sa.CHAR(length=6), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'month', 'village_code', 'kind', 'bank_path',
                                name=op.f('pk_ledger_village_monthly')),
    )
    op.execute("""
        INSERT INTO ledger_village_monthly
            (channel, month, village_code, kind, bank_path, county_code, count, amount_fen)
        SELECT channel, date_trunc('month', day)::date, village_code, kind, bank_path,
               min(county_code), sum(count), sum(amount_fen)
        FROM ledger_village_daily GROUP BY 1, 2, 3, 4, 5
    """)
    op.execute(MONTHLY_TRIGGER)


def downgrade():
    op.execute("DROP TRIGGER ledger_village_monthly_roll ON ledger_village_daily")
    op.execute("DROP FUNCTION ledger_village_monthly_roll()")
    op.drop_table('ledger_village_monthly')
    op.execute("DELETE FROM ledger_village_daily")
    op.drop_constraint('pk_ledger_village_daily', 'ledger_village_daily', type_='primary')
    op.drop_column('ledger_village_daily', 'bank_path')
    op.create_primary_key('pk_ledger_village_daily', 'ledger_village_daily',
                          ['channel', 'day', 'village_code', 'kind'])
    op.execute(recount(by_bank=False))
