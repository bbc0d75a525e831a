"""Map tiles in one round trip, and a faster full coverage recomputation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:30:00

- token_signed_in(): the bearer-token rule of app.auth.tokens.resolve_token as one SQL
  function, so a tile statement checks its token in the same round trip as the tile
  (app/coverage/tiles.py). PL/pgSQL keeps its query plan for the session: the check
  costs index probes, not planning.
- coverage_version(): the data version tiles are tagged with, likewise planned once.
- coverage_refresh(): a village with an active point inside is at distance 0 from its
  nearest point, the lowest id among those inside; only the villages with none (about
  4% at national scale) walk the KNN index. Same results as before, except that the
  tie among more than 8 points inside no longer depends on the index's order.
- No JIT in the coverage functions: their statements are nested loops of index probes
  whose cost estimates (a temporary table of unknown size, an array of codes) pass
  jit_above_cost, and compiling them took ~300 ms of every registry edit at national
  scale (the edit itself: 7-30 ms).
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TOKEN_SIGNED_IN = """
-- The token (by its SHA-256) is valid at `at` -- not revoked, not expired, its user
-- active, its device (if any) not revoked: resolve_token's rule -- and its user still
-- has the id, role, organisation (with its path and region) and point that the
-- caller's statement was built for (app.auth.tokens.SignIn).
CREATE FUNCTION token_signed_in(token_hash text, at timestamptz, user_id integer, role text,
                                org_id integer, org_path text, org_region text,
                                point_id integer)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = token_signed_in.token_hash
           AND t.revoked_at IS NULL AND t.expires_at > token_signed_in.at
           AND t.user_id = token_signed_in.user_id
           AND u.active AND u.role = token_signed_in.role
           AND u.org_id IS NOT DISTINCT FROM token_signed_in.org_id
           AND u.point_id IS NOT DISTINCT FROM token_signed_in.point_id
           AND NOT EXISTS (SELECT 1 FROM devices d
                            WHERE d.id = t.device_id AND d.revoked_at IS NOT NULL)
           AND (u.org_id IS NULL OR EXISTS (
                SELECT 1 FROM organisations o
                 WHERE o.id = u.org_id AND o.path = token_signed_in.org_path
                   AND o.region_code IS NOT DISTINCT FROM token_signed_in.org_region COLLATE "C")));
END $$;

-- The version and time of the last change of points or villages, and the last visit
-- stored (a visit can make a village visits_only).
CREATE FUNCTION coverage_version() RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT concat(s.version, '@', extract(epoch FROM s.changed_at), '/',
                          (SELECT coalesce(max(v.seq), 0) FROM field_visits v))
              FROM coverage_state s);
END $$;
"""

REFRESH = """
CREATE OR REPLACE FUNCTION coverage_refresh(codes text[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    IF codes IS NULL THEN
        codes := ARRAY(SELECT code FROM regions WHERE level = 'village');
    END IF;
    INSERT INTO village_coverage AS vc
        (village_code, county_code, points_inside, nearest_point_id, nearest_m, updated_at)
    SELECT v.code, left(v.code, 6), i.n,
           CASE WHEN i.n > 0 AND v.geom IS NOT NULL THEN i.first_id ELSE nn.id END,
           CASE WHEN i.n > 0 AND v.geom IS NOT NULL THEN 0 ELSE nn.m END,
           now()
      FROM regions v
      CROSS JOIN LATERAL (SELECT coalesce(v.geom, v.centroid) AS shape) g
      -- Active points inside: by polygon, or by code for a village without one. Each
      -- branch's condition on v is a one-time filter: the other branch scans nothing.
      CROSS JOIN LATERAL (
          SELECT sum(c.n)::integer AS n, min(c.first_id) AS first_id FROM (
              SELECT count(*) AS n, min(p.id) AS first_id FROM service_points p
               WHERE v.geom IS NOT NULL AND p.status = 'active'
                 AND ST_Intersects(v.geom, p.location)
              UNION ALL
              SELECT count(*), min(p.id) FROM service_points p
               WHERE v.geom IS NULL AND p.status = 'active' AND p.village_code = v.code
          ) c
      ) i
      -- The nearest active point, for a village with none inside (see 0006 for the
      -- candidates' bound); skipped (one-time filter) when a point is inside.
      LEFT JOIN LATERAL (
          SELECT k.id, ST_Distance(k.location::geography, g.shape::geography) AS m
            FROM (SELECT c.*, min(c.d) OVER () AS d1
                    FROM (SELECT p.id, p.location, p.location <-> g.shape AS d
                            FROM service_points p
                           WHERE p.status = 'active'
                             AND NOT (i.n > 0 AND v.geom IS NOT NULL)
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
"""


NO_JIT = ("coverage_refresh(text[])", "coverage_points_changed()", "coverage_on_points()",
          "coverage_on_regions()")


def upgrade():
    op.execute(TOKEN_SIGNED_IN)
    op.execute(REFRESH)
    for function in NO_JIT:
        op.execute(f"ALTER FUNCTION {function} SET jit = off")


def downgrade():
    for function in NO_JIT:
        op.execute(f"ALTER FUNCTION {function} RESET jit")
    op.execute("DROP FUNCTION IF EXISTS coverage_version()")
    op.execute("DROP FUNCTION IF EXISTS token_signed_in(text, timestamptz, integer, text, integer, text, text, integer)")
    path = Path(__file__).with_name("0006_coverage.py")
    spec = importlib.util.spec_from_file_location("coverage_0006", path)
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    body = previous.FUNCTIONS
    start = body.index("CREATE FUNCTION coverage_refresh")
    end = body.index("END $$;", start) + len("END $$;")
    op.execute(body[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
