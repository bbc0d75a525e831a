"""Field work: ledger channels (point, grid, mobile) with village code and visit id, the
mobile-service kinds, the per-village rollup by channel, visits, anti-fraud talks and
risk-alert acknowledgements, villagers' requests, inspections and their findings, mobile teams and their planned visits, trainings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import CHAR, UUID

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Spelled out, not imported from app.models: a migration must keep meaning what it
# meant when it was written.
OLD_KINDS = ("withdrawal", "balance_inquiry", "transfer", "cash_remittance", "bill_payment")
NEW_KINDS = OLD_KINDS + ("card_repayment", "mobile_banking", "social_security")
CHANNELS = ("point", "grid", "mobile")
FIELD_CHANNELS = ("grid", "mobile")
REQUEST_CATEGORIES = ("cash_service", "card_service", "fraud_report", "complaint", "credit",
                      "social_security", "other")
REQUEST_STATUSES = ("open", "assigned", "resolved", "closed")
INSPECTION_ITEMS = ("terminal_works", "signage", "fee_list_posted", "notices_posted",
                    "register_kept", "keeper_knows_rules", "cash_adequate")


def _in(column, values):
    return f"{column} in (" + ",".join(f"'{v}'" for v in values) + ")"


def _kinds(business_kinds):
    op.drop_constraint(op.f('ck_ledger_entries_kind'), 'ledger_entries', type_='check')
    op.create_check_constraint(
        op.f('ck_ledger_entries_kind'), 'ledger_entries', _in('kind', business_kinds + ('void',)))
    op.drop_constraint(op.f('ck_limit_rules_kind'), 'limit_rules', type_='check')
    op.create_check_constraint(op.f('ck_limit_rules_kind'), 'limit_rules', _in('kind', business_kinds))


def upgrade():
    _kinds(NEW_KINDS)

    # Ledger channels. Adding a column with a constant default rewrites nothing
    # (PostgreSQL 11+); the village code is copied from each record's point (required
    # for field records only, see app/models/ledger.py). On a large ledger run the
    # UPDATE in a quiet hour: it touches every row.
    op.add_column('ledger_entries', sa.Column(
        'channel', sa.String(length=8), server_default=sa.text("'point'"), nullable=False))
    op.add_column('ledger_entries', sa.Column(
        'village_code', sa.String(length=12, collation='C'), nullable=True))
    op.add_column('ledger_entries', sa.Column('visit_id', UUID(as_uuid=False), nullable=True))
    op.execute(
        "UPDATE ledger_entries e SET village_code = p.village_code "
        "FROM service_points p WHERE p.id = e.point_id"
    )
    op.alter_column('ledger_entries', 'point_id', nullable=True)
    op.create_check_constraint(op.f('ck_ledger_entries_channel'), 'ledger_entries',
                               _in('channel', CHANNELS))
    op.create_check_constraint(op.f('ck_ledger_entries_point_iff_channel'), 'ledger_entries',
                               "(channel = 'point') = (point_id is not null)")
    op.create_check_constraint(op.f('ck_ledger_entries_visit_iff_field'), 'ledger_entries',
                               "(channel = 'point') = (visit_id is null)")
    op.create_check_constraint(op.f('ck_ledger_entries_field_has_village'), 'ledger_entries',
                               "channel = 'point' or village_code is not null")
    op.create_index('ix_ledger_entries_field_user_seq', 'ledger_entries', ['user_id', 'seq'],
                    postgresql_where=sa.text("channel <> 'point'"))
    op.create_index('ix_ledger_entries_visit', 'ledger_entries', ['visit_id'],
                    postgresql_where=sa.text('visit_id is not null'))

    op.create_table('ledger_village_daily',
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('village_code', sa.String(length=12, collation='C'), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('county_code', CHAR(length=6), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.CheckConstraint(_in('channel', CHANNELS), name=op.f('ck_ledger_village_daily_channel')),
        sa.PrimaryKeyConstraint('channel', 'day', 'village_code', 'kind',
                                name=op.f('pk_ledger_village_daily')),
    )
    # Until now every record was a point record: the village rollup is the point
    # rollup summed per village.
    op.execute(
        """
        INSERT INTO ledger_village_daily
            (channel, day, village_code, kind, county_code, count, amount_fen)
        SELECT 'point', d.day, p.village_code, d.kind, min(d.county_code), sum(d.count),
               sum(d.amount_fen)
        FROM ledger_daily d JOIN service_points p ON p.id = d.point_id
        GROUP BY d.day, p.village_code, d.kind
        """
    )

    op.create_table('field_visits',
        sa.Column('id', UUID(as_uuid=False), nullable=False),
        sa.Column('seq', sa.BigInteger(), server_default=sa.text("nextval('ledger_entries_seq_seq')"), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('village_code', sa.String(length=12, collation='C'), nullable=False),
        sa.Column('county_code', CHAR(length=6), nullable=False),
        sa.Column('bank_path', sa.String(length=200, collation='C'), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('village_source', sa.String(length=8), nullable=False),
        sa.Column('location', Geometry(geometry_type='POINT', srid=4326, spatial_index=False), nullable=True),
        sa.Column('households', sa.Integer(), server_default='0', nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('flags', sa.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('body_hash', CHAR(length=64), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint(_in('channel', FIELD_CHANNELS), name=op.f('ck_field_visits_channel')),
        sa.CheckConstraint("village_source in ('gps','picked')", name=op.f('ck_field_visits_village_source')),
        sa.CheckConstraint('ended_at >= started_at', name=op.f('ck_field_visits_ends_after_start')),
        sa.CheckConstraint('households >= 0', name=op.f('ck_field_visits_households_not_negative')),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_field_visits_device_id_devices')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_field_visits_user_id_users')),
        sa.ForeignKeyConstraint(['village_code'], ['regions.code'], name=op.f('fk_field_visits_village_code_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_field_visits')),
    )
    op.create_index('uq_field_visits_seq', 'field_visits', ['seq'], unique=True)
    op.create_index('ix_field_visits_user_seq', 'field_visits', ['user_id', 'seq'])
    op.create_index('ix_field_visits_village_started', 'field_visits', ['village_code', 'started_at'])

    op.create_table('fraud_talks',
        sa.Column('id', UUID(as_uuid=False), nullable=False),
        sa.Column('seq', sa.BigInteger(), server_default=sa.text("nextval('ledger_entries_seq_seq')"), nullable=False),
        sa.Column('visit_id', UUID(as_uuid=False), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('village_code', sa.String(length=12, collation='C'), nullable=False),
        sa.Column('county_code', CHAR(length=6), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('attendance', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('flags', sa.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('body_hash', CHAR(length=64), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint('attendance >= 0', name=op.f('ck_fraud_talks_attendance_not_negative')),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_fraud_talks_device_id_devices')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_fraud_talks_user_id_users')),
        sa.ForeignKeyConstraint(['village_code'], ['regions.code'], name=op.f('fk_fraud_talks_village_code_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_talks')),
    )
    op.create_index('uq_fraud_talks_seq', 'fraud_talks', ['seq'], unique=True)
    op.create_index('ix_fraud_talks_user_seq', 'fraud_talks', ['user_id', 'seq'])
    op.create_index('ix_fraud_talks_visit', 'fraud_talks', ['visit_id'])

    op.create_table('alert_acks',
        sa.Column('id', UUID(as_uuid=False), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('acked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['risk_alerts.id'], name=op.f('fk_alert_acks_alert_id_risk_alerts')),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_alert_acks_device_id_devices')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alert_acks_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_acks')),
    )
    op.create_index('uq_alert_acks_alert_user', 'alert_acks', ['alert_id', 'user_id'], unique=True)
    op.create_index(op.f('ix_alert_acks_user_id'), 'alert_acks', ['user_id'])

    op.create_table('villager_requests',
        sa.Column('id', UUID(as_uuid=False), nullable=False),
        sa.Column('village_code', sa.String(length=12, collation='C'), nullable=False),
        sa.Column('county_code', CHAR(length=6), nullable=False),
        sa.Column('visit_id', UUID(as_uuid=False), nullable=True),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('bank_path', sa.String(length=200, collation='C'), nullable=True),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('feedback', sa.Text(), nullable=True),
        sa.Column('satisfied', sa.Boolean(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('body_hash', CHAR(length=64), nullable=False),
        sa.CheckConstraint(_in('category', REQUEST_CATEGORIES), name=op.f('ck_villager_requests_category')),
        sa.CheckConstraint(_in('status', REQUEST_STATUSES), name=op.f('ck_villager_requests_status')),
        sa.CheckConstraint("status in ('open', 'assigned') or resolution is not null", name=op.f('ck_villager_requests_resolved_says_what')),
        sa.CheckConstraint("status <> 'closed' or closed_at is not null", name=op.f('ck_villager_requests_closed_has_time')),
        sa.CheckConstraint("status = 'open' or assignee_id is not null", name=op.f('ck_villager_requests_assigned_has_assignee')),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_villager_requests_assignee_id_users')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_villager_requests_created_by_users')),
        sa.ForeignKeyConstraint(['village_code'], ['regions.code'], name=op.f('fk_villager_requests_village_code_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_villager_requests')),
    )
    op.create_index('ix_villager_requests_village_status', 'villager_requests', ['village_code', 'status'])
    op.create_index('ix_villager_requests_due', 'villager_requests', ['deadline'],
                    postgresql_where=sa.text("status in ('open', 'assigned')"))
    op.create_index(op.f('ix_villager_requests_created_by'), 'villager_requests', ['created_by'])
    op.create_index(op.f('ix_villager_requests_assignee_id'), 'villager_requests', ['assignee_id'])

    op.create_table('inspection_policies',
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.Column('every_days', sa.Integer(), nullable=False),
        sa.Column('fix_days', sa.Integer(), nullable=False),
        sa.CheckConstraint('every_days > 0 and fix_days > 0', name=op.f('ck_inspection_policies_positive_days')),
        sa.ForeignKeyConstraint(['bank_id'], ['organisations.id'], name=op.f('fk_inspection_policies_bank_id_organisations')),
        sa.PrimaryKeyConstraint('bank_id', name=op.f('pk_inspection_policies')),
    )
    op.create_table('inspections',
        sa.Column('id', UUID(as_uuid=False), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('inspector_id', sa.Integer(), nullable=False),
        sa.Column('county_code', CHAR(length=6), nullable=False),
        sa.Column('inspected_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('failed_items', sa.ARRAY(sa.Text()), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('body_hash', CHAR(length=64), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint(f"failed_items <@ ARRAY[{','.join(repr(i) for i in INSPECTION_ITEMS)}]::text[]",
                           name=op.f('ck_inspections_failed_items_known')),
        sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
        sa.ForeignKeyConstraint(['point_id'], ['service_points.id'], name=op.f('fk_inspections_point_id_service_points')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    )
    op.create_index('ix_inspections_point_at', 'inspections', ['point_id', 'inspected_at'])
    op.create_index(op.f('ix_inspections_inspector_id'), 'inspections', ['inspector_id'])
    op.create_table('inspection_findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', UUID(as_uuid=False), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('item', sa.String(length=24), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
        sa.Column('fix', sa.Text(), nullable=True),
        sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('verified_by', sa.Integer(), nullable=True),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in('item', INSPECTION_ITEMS), name=op.f('ck_inspection_findings_item')),
        sa.CheckConstraint("status in ('open','fixed','verified')", name=op.f('ck_inspection_findings_status')),
        sa.CheckConstraint("status = 'open' or (fix is not null and fixed_at is not null)", name=op.f('ck_inspection_findings_fixed_says_how')),
        sa.CheckConstraint("status <> 'verified' or verified_by is not null", name=op.f('ck_inspection_findings_verified_by_whom')),
        sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_findings_inspection_id_inspections')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_inspection_findings_owner_id_users')),
        sa.ForeignKeyConstraint(['point_id'], ['service_points.id'], name=op.f('fk_inspection_findings_point_id_service_points')),
        sa.ForeignKeyConstraint(['verified_by'], ['users.id'], name=op.f('fk_inspection_findings_verified_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_findings')),
    )
    op.create_index('uq_inspection_findings_item', 'inspection_findings', ['inspection_id', 'item'], unique=True)
    op.create_index('ix_inspection_findings_due', 'inspection_findings', ['deadline'],
                    postgresql_where=sa.text("status = 'open'"))
    op.create_index(op.f('ix_inspection_findings_point_id'), 'inspection_findings', ['point_id'])

    op.create_table('teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['bank_id'], ['organisations.id'], name=op.f('fk_teams_bank_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    )
    op.create_index('uq_teams_bank_name', 'teams', ['bank_id', 'name'], unique=True)
    op.create_table('team_members',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_members_team_id_teams')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_members_user_id_users')),
        sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_members')),
    )
    op.create_index(op.f('ix_team_members_user_id'), 'team_members', ['user_id'])
    op.create_table('planned_visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('village_code', sa.String(length=12, collation='C'), nullable=False),
        sa.Column('planned_on', sa.Date(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_planned_visits_created_by_users')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_planned_visits_team_id_teams')),
        sa.ForeignKeyConstraint(['village_code'], ['regions.code'], name=op.f('fk_planned_visits_village_code_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_visits')),
    )
    op.create_index('uq_planned_visits_team_day_village', 'planned_visits',
                    ['team_id', 'planned_on', 'village_code'], unique=True)

    op.create_table('trainings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['bank_id'], ['organisations.id'], name=op.f('fk_trainings_bank_id_organisations')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_trainings_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings')),
    )
    op.create_index('ix_trainings_bank_held', 'trainings', ['bank_id', 'held_on'])
    op.create_table('training_attendees',
        sa.Column('training_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_training_attendees_training_id_trainings')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_attendees_user_id_users')),
        sa.PrimaryKeyConstraint('training_id', 'user_id', name=op.f('pk_training_attendees')),
    )
    op.create_index(op.f('ix_training_attendees_user_id'), 'training_attendees', ['user_id'])


def downgrade():
    op.drop_table('training_attendees')
    op.drop_table('trainings')
    op.drop_table('planned_visits')
    op.drop_table('team_members')
    op.drop_table('teams')
    op.drop_table('inspection_findings')
    op.drop_table('inspections')
    op.drop_table('inspection_policies')
    op.drop_table('villager_requests')
    op.drop_table('alert_acks')
    op.drop_table('fraud_talks')
    op.drop_table('field_visits')
    op.drop_table('ledger_village_daily')
    # Field records have no point; they cannot survive the return to point-only rows.
    op.execute("DELETE FROM ledger_entries WHERE channel <> 'point'")
    op.drop_index('ix_ledger_entries_visit', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_field_user_seq', table_name='ledger_entries')
    for name in ('field_has_village', 'visit_iff_field', 'point_iff_channel', 'channel'):
        op.drop_constraint(op.f(f'ck_ledger_entries_{name}'), 'ledger_entries', type_='check')
    op.alter_column('ledger_entries', 'point_id', nullable=False)
    op.drop_column('ledger_entries', 'visit_id')
    op.drop_column('ledger_entries', 'village_code')
    op.drop_column('ledger_entries', 'channel')
    op.execute("DELETE FROM ledger_entries WHERE kind IN ('card_repayment', 'mobile_banking', 'social_security')")
    for table in ('limit_rules', 'ledger_daily', 'ledger_card_daily'):
        op.execute(f"DELETE FROM {table} "
                   "WHERE kind IN ('card_repayment', 'mobile_banking', 'social_security')")
    _kinds(OLD_KINDS)
