"""Registry: regions, organisations, service points, terminals, people, tokens, audit.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 05:47:04.941333

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('regions',
    sa.Column('code', sa.String(length=12, collation='C'), nullable=False),
    sa.Column('prefix', sa.String(length=12, collation='C'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=12, collation='C'), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('centroid', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("code ~ '^[0-9]{12}$'", name=op.f('ck_regions_code_12_digits')),
    sa.CheckConstraint("level in ('province','city','county','township','village')", name=op.f('ck_regions_level')),
    sa.ForeignKeyConstraint(['parent_code'], ['regions.code'], name=op.f('fk_regions_parent_code_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index('ix_regions_centroid', ['centroid'], unique=False, postgresql_using='gist')
        batch_op.create_index(batch_op.f('ix_regions_county_code'), ['county_code'], unique=False)
        batch_op.create_index('ix_regions_geom', ['geom'], unique=False, postgresql_using='gist')
        batch_op.create_index('ix_regions_name', ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_regions_parent_code'), ['parent_code'], unique=False)
        batch_op.create_index('ix_regions_prefix', ['prefix'], unique=False, postgresql_ops={'prefix': 'text_pattern_ops'})

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=50), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12, collation='C'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind in ('bank_head_office','bank_branch','bank_outlet','regulator')", name=op.f('ck_organisations_kind')),
    sa.ForeignKeyConstraint(['parent_id'], ['organisations.id'], name=op.f('fk_organisations_parent_id_organisations')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_organisations_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_organisations_path', ['path'], unique=False, postgresql_ops={'path': 'text_pattern_ops'})

    op.create_table('service_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('bank_path', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('shop_name', sa.String(length=200), nullable=False),
    sa.Column('licence_no', sa.String(length=40), nullable=True),
    sa.Column('keeper_name', sa.String(length=100), nullable=False),
    sa.Column('keeper_phone', sa.String(length=20), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('village_code', sa.String(length=12, collation='C'), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('services', sa.ARRAY(sa.String(length=30)), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_since', sa.Date(), server_default=sa.text('CURRENT_DATE'), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('signage', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status in ('active','suspended','closed')", name=op.f('ck_service_points_status')),
    sa.CheckConstraint("village_code ~ '^[0-9]{12}$'", name=op.f('ck_service_points_village_code')),
    sa.CheckConstraint('county_code = left(village_code, 6)', name=op.f('ck_service_points_county_matches_village')),
    sa.ForeignKeyConstraint(['bank_id'], ['organisations.id'], name=op.f('fk_service_points_bank_id_organisations')),
    sa.ForeignKeyConstraint(['village_code'], ['regions.code'], name=op.f('fk_service_points_village_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_points')),
    sa.UniqueConstraint('code', name=op.f('uq_service_points_code'))
    )
    with op.batch_alter_table('service_points', schema=None) as batch_op:
        batch_op.create_index('ix_service_points_bank_status', ['bank_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_points_county_code'), ['county_code'], unique=False)
        batch_op.create_index('ix_service_points_location', ['location'], unique=False, postgresql_using='gist')
        batch_op.create_index('ix_service_points_village_code', ['village_code', 'id'], unique=False)

    op.create_table('terminals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('merchant_code', sa.String(length=20), nullable=False),
    sa.Column('terminal_code', sa.String(length=20), nullable=False),
    sa.Column('serial_no', sa.String(length=50), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind in ('pos','smart_pos','atm','crs','mobile')", name=op.f('ck_terminals_kind')),
    sa.ForeignKeyConstraint(['point_id'], ['service_points.id'], name=op.f('fk_terminals_point_id_service_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terminals'))
    )
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terminals_point_id'), ['point_id'], unique=False)
        batch_op.create_index('uq_terminals_active_code', ['merchant_code', 'terminal_code'], unique=True, postgresql_where='removed_on IS NULL')

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('point_id', sa.Integer(), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role <> 'keeper' or point_id is not null", name=op.f('ck_users_keeper_has_point')),
    sa.CheckConstraint("role in ('keeper','grid_worker','field_agent','supervisor','regulator','admin')", name=op.f('ck_users_role')),
    sa.CheckConstraint("role not in ('supervisor','regulator','field_agent') or org_id is not null", name=op.f('ck_users_org_roles_have_org')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_users_org_id_organisations')),
    sa.ForeignKeyConstraint(['point_id'], ['service_points.id'], name=op.f('fk_users_point_id_service_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_point_id'), ['point_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('scope', sa.String(length=200), nullable=True),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('reason', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity', 'entity_id', 'id'], unique=False)

    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_devices_user_key', ['user_id', 'device_key'], unique=True)

    op.create_table('grid_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('village_code', sa.String(length=12, collation='C'), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('starts_on', sa.Date(), server_default=sa.text('CURRENT_DATE'), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ends_on is null or ends_on >= starts_on', name=op.f('ck_grid_assignments_dates')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_assignments_user_id_users')),
    sa.ForeignKeyConstraint(['village_code'], ['regions.code'], name=op.f('fk_grid_assignments_village_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_assignments'))
    )
    with op.batch_alter_table('grid_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_assignments_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_grid_assignments_active_village', ['village_code'], unique=True, postgresql_where='ends_on IS NULL')

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_api_tokens_device_id_devices')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_tokens_device_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('grid_assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_grid_assignments_active_village', postgresql_where='ends_on IS NULL')
        batch_op.drop_index(batch_op.f('ix_grid_assignments_user_id'))

    op.drop_table('grid_assignments')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index('uq_devices_user_key')
        batch_op.drop_index(batch_op.f('ix_devices_user_id'))

    op.drop_table('devices')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_point_id'))
        batch_op.drop_index(batch_op.f('ix_users_org_id'))
        batch_op.drop_index(batch_op.f('ix_users_county_code'))

    op.drop_table('users')
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_index('uq_terminals_active_code', postgresql_where='removed_on IS NULL')
        batch_op.drop_index(batch_op.f('ix_terminals_point_id'))

    op.drop_table('terminals')
    with op.batch_alter_table('service_points', schema=None) as batch_op:
        batch_op.drop_index('ix_service_points_village_code')
        batch_op.drop_index('ix_service_points_location', postgresql_using='gist')
        batch_op.drop_index(batch_op.f('ix_service_points_county_code'))
        batch_op.drop_index('ix_service_points_bank_status')

    op.drop_table('service_points')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index('ix_organisations_path', postgresql_ops={'path': 'text_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_organisations_parent_id'))

    op.drop_table('organisations')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index('ix_regions_prefix', postgresql_ops={'prefix': 'text_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_regions_parent_code'))
        batch_op.drop_index('ix_regions_name')
        batch_op.drop_index('ix_regions_geom', postgresql_using='gist')
        batch_op.drop_index(batch_op.f('ix_regions_county_code'))
        batch_op.drop_index('ix_regions_centroid', postgresql_using='gist')

    op.drop_table('regions')
