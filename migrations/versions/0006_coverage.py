"""Village coverage: a table of each village's nearest active point, kept current by
statement-level triggers on service_points and regions.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-02 06:00:00

What is stored is what points decide and time does not: how many active points lie
inside the village and which active point is nearest, how far. The status (in the
village / within a distance / served by visits / uncovered) is computed when read,
because the distance is a setting and visits age by the day.

Why triggers and not a call in the points service: points change through the API, the
imports, the sync and the demo loader (COPY); a statement-level trigger with transition
tables sees every one of them, once per statement, in the same transaction as the
change, and never recomputes the country for a handful of points.
"""
from alembic import op

revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None

# Villages within NEAR_M of a changed point are recomputed through the spatial index;
# the villages whose nearest point is farther than that (the uncovered tail, ~2% of the
# country) are checked one by one. The split only decides cost, never the result.
NEAR_M = 10000
# A statement that changes more points than this (a bulk load) recomputes every village:
# one set-based pass beats a spatial join of the batch against the villages.
BULK_ROWS = 2000

FUNCTIONS = f"""
-- Recompute the given villages (all villages when codes is NULL).
-- KNN (<->) walks the partial index of active points in planar degrees. A degree of
-- longitude is shorter than one of latitude (cos(lat)), so the nearest in metres may be
-- a later candidate, but never one farther in degrees than the first candidate divided
-- by cos(lat) (1% added for the spheroid): only those few get the costly distance on
-- the spheroid.
CREATE FUNCTION coverage_refresh(codes text[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    -- One shape of query for both uses: "codes IS NULL OR code = ANY(codes)" would get a
    -- generic plan that scans every village even for a handful of codes.
    IF codes IS NULL THEN
        codes := ARRAY(SELECT code FROM regions WHERE level = 'village');
    END IF;
    INSERT INTO village_coverage AS vc
        (village_code, county_code, points_inside, nearest_point_id, nearest_m, updated_at)
    SELECT v.code, left(v.code, 6),
           CASE WHEN v.geom IS NULL THEN
               (SELECT count(*) FROM service_points p
                 WHERE p.status = 'active' AND p.village_code = v.code)
           ELSE
               (SELECT count(*) FROM service_points p
                 WHERE p.status = 'active' AND ST_Intersects(v.geom, p.location))
           END,
           nn.id, nn.m, now()
      FROM regions v
      CROSS JOIN LATERAL (SELECT coalesce(v.geom, v.centroid) AS shape) g
      LEFT JOIN LATERAL (
          SELECT k.id, ST_Distance(k.location::geography, g.shape::geography) AS m
            FROM (SELECT c.*, min(c.d) OVER () AS d1
                    FROM (SELECT p.id, p.location, p.location <-> g.shape AS d
                            FROM service_points p
                           WHERE p.status = 'active'
                           ORDER BY p.location <-> g.shape
                           LIMIT 8) c) k
           WHERE k.d <= k.d1 * 1.01 / cos(radians(least(89.0,
                     greatest(abs(ST_YMin(g.shape)), abs(ST_YMax(g.shape))) + 1.0)))
           ORDER BY 2, 1
           LIMIT 1
      ) nn ON g.shape IS NOT NULL
     WHERE v.code = ANY (codes) AND v.level = 'village'
    ON CONFLICT (village_code) DO UPDATE
       SET points_inside = excluded.points_inside,
           nearest_point_id = excluded.nearest_point_id,
           nearest_m = excluded.nearest_m,
           updated_at = excluded.updated_at
     WHERE (vc.points_inside, vc.nearest_point_id, vc.nearest_m)
           IS DISTINCT FROM (excluded.points_inside, excluded.nearest_point_id, excluded.nearest_m);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- The villages whose coverage a change of points can alter, and their refresh. The
-- trigger has put the old and the new state of each changed point (id, location, whether
-- it is active in that state) in the session's temporary table coverage_changed.
CREATE FUNCTION coverage_points_changed() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    codes text[];
BEGIN
    IF (SELECT count(*) FROM coverage_changed) > {BULK_ROWS} THEN
        RETURN coverage_refresh(NULL);
    END IF;
    SELECT array_agg(DISTINCT code) INTO codes FROM (
        -- near a changed point (old or new place): inside counts and nearest may change
        SELECT v.code FROM coverage_changed c JOIN regions v
            ON v.level = 'village'
           AND v.geom && ST_Expand(c.location,
                                   {NEAR_M} / 111320.0 / cos(radians(ST_Y(c.location))),
                                   {NEAR_M} / 111320.0)
           AND ST_DWithin(v.geom::geography, c.location::geography, {NEAR_M})
        UNION ALL
        -- villages whose nearest point moved, closed or was suspended
        SELECT vc.village_code FROM village_coverage vc
         WHERE vc.nearest_point_id IN (SELECT id FROM coverage_changed)
        UNION ALL
        -- far villages (the tail) that an active point now comes closer to
        SELECT vc.village_code FROM village_coverage vc
          JOIN regions v ON v.code = vc.village_code
          JOIN coverage_changed c ON c.active
         WHERE (vc.nearest_m IS NULL OR vc.nearest_m > {NEAR_M})
           AND coalesce(v.geom, v.centroid) IS NOT NULL
           -- a box in degrees first (cheap), then the distance on the spheroid
           AND (vc.nearest_m IS NULL OR (
                coalesce(v.geom, v.centroid) && ST_Expand(c.location,
                    vc.nearest_m / 111320.0 / cos(radians(least(89.0, abs(ST_Y(c.location)) + 1.0))),
                    vc.nearest_m / 111320.0)
                AND ST_DWithin(coalesce(v.geom, v.centroid)::geography,
                               c.location::geography, vc.nearest_m)))
        UNION ALL
        -- villages without a polygon count their points by code
        SELECT c.village_code FROM coverage_changed c
    ) affected(code);
    IF codes IS NULL THEN
        RETURN 0;
    END IF;
    RETURN coverage_refresh(codes);
END $$;

-- The data version tiles and figures are tagged with. A row, not a sequence: the bump is
-- part of the transaction, so no reader sees the new version before the new data. It
-- serialises registry writes on one row until commit; they are rare (people editing).
CREATE FUNCTION coverage_bump() RETURNS void
LANGUAGE sql AS $$
    INSERT INTO coverage_state (id, version, changed_at) VALUES (true, 1, now())
    ON CONFLICT (id) DO UPDATE SET version = coverage_state.version + 1, changed_at = now();
$$;

CREATE FUNCTION coverage_on_points() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM coverage_bump();
    -- Once per session; ON COMMIT DELETE ROWS empties it with each transaction.
    IF to_regclass('pg_temp.coverage_changed') IS NULL THEN
        CREATE TEMP TABLE coverage_changed (
            id integer, location geometry(Point, 4326), village_code text, active boolean
        ) ON COMMIT DELETE ROWS;
    END IF;
    -- DELETE, not TRUNCATE: truncating makes a new file for the table on every statement.
    DELETE FROM coverage_changed;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO coverage_changed
        SELECT n.id, n.location, n.village_code, true FROM new_rows n WHERE n.status = 'active';
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO coverage_changed
        SELECT o.id, o.location, o.village_code, false FROM old_rows o WHERE o.status = 'active';
    ELSE
        -- Only a change of place or status matters; a new keeper phone recomputes nothing.
        INSERT INTO coverage_changed
        SELECT s.id, s.location, s.village_code, s.active
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES (o.id, o.location, o.village_code, false),
                                    (n.id, n.location, n.village_code, n.status = 'active'))
               AS s(id, location, village_code, active)
         WHERE (o.status = 'active' OR n.status = 'active')
           AND (o.status IS DISTINCT FROM n.status
                OR NOT ST_Equals(o.location, n.location)
                OR o.village_code IS DISTINCT FROM n.village_code);
    END IF;
    IF EXISTS (SELECT 1 FROM coverage_changed) THEN
        PERFORM coverage_points_changed();
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION coverage_on_regions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    codes text[];
BEGIN
    PERFORM coverage_bump();
    SELECT array_agg(n.code) INTO codes FROM new_rows n WHERE n.level = 'village';
    IF codes IS NOT NULL THEN
        PERFORM coverage_refresh(codes);
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade():
    op.execute("""
        CREATE TABLE village_coverage (
            village_code varchar(12) COLLATE "C" PRIMARY KEY
                REFERENCES regions (code) ON DELETE CASCADE,
            county_code varchar(6) NOT NULL,
            points_inside integer NOT NULL DEFAULT 0,
            nearest_point_id integer,
            nearest_m double precision,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT ck_village_coverage_points CHECK (points_inside >= 0)
        )
    """)
    # "Which villages had this point as nearest" on every point change.
    op.execute("CREATE INDEX ix_village_coverage_nearest ON village_coverage (nearest_point_id)")
    # The uncovered tail the incremental update scans.
    op.execute("CREATE INDEX ix_village_coverage_nearest_m ON village_coverage (nearest_m)")
    # One row: bumped by every change of points or villages, so tiles and figures get an
    # ETag without reading the data they describe.
    op.execute("""
        CREATE TABLE coverage_state (
            id boolean PRIMARY KEY DEFAULT true CHECK (id),
            version bigint NOT NULL DEFAULT 0,
            changed_at timestamptz NOT NULL DEFAULT now()
        )
    """)
    op.execute("INSERT INTO coverage_state DEFAULT VALUES")
    # KNN and "points inside" only ever look at active points.
    op.execute("CREATE INDEX ix_service_points_active_location ON service_points "
               "USING gist (location) WHERE status = 'active'")
    op.execute(FUNCTIONS)
    for event, refs in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(f"CREATE TRIGGER coverage_points_{event.lower()} AFTER {event} ON service_points "
                   f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION coverage_on_points()")
    for event, refs in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ):
        op.execute(f"CREATE TRIGGER coverage_regions_{event.lower()} AFTER {event} ON regions "
                   f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION coverage_on_regions()")
    op.execute("SELECT coverage_refresh(NULL)")


def downgrade():
    for name, table in (("coverage_points_insert", "service_points"),
                        ("coverage_points_update", "service_points"),
                        ("coverage_points_delete", "service_points"),
                        ("coverage_regions_insert", "regions"),
                        ("coverage_regions_update", "regions")):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS coverage_on_regions()")
    op.execute("DROP FUNCTION IF EXISTS coverage_on_points()")
    op.execute("DROP FUNCTION IF EXISTS coverage_points_changed()")
    op.execute("DROP FUNCTION IF EXISTS coverage_refresh(text[])")
    op.execute("DROP FUNCTION IF EXISTS coverage_bump()")
    op.execute("DROP INDEX IF EXISTS ix_service_points_active_location")
    op.execute("DROP TABLE IF EXISTS coverage_state")
    op.execute("DROP TABLE IF EXISTS village_coverage")
