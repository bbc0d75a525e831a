"""Bulk loading through PostgreSQL COPY.

Generated rows are spooled to temporary files in COPY's text format as they are made,
then streamed into their tables in foreign-key order. Spooling keeps memory flat at
national scale (hundreds of thousands of polygons) and lets one generator pass write
several tables at once.
"""
import tempfile
import time

from sqlalchemy import text

from app.extensions import db

# Tables the demo data fills, in the order COPY must fill them (foreign keys).
TABLES = {
    "regions": ("code", "prefix", "name", "level", "parent_code", "county_code", "geom",
                "centroid", "population", "households"),
    "organisations": ("id", "kind", "name", "short_name", "parent_id", "path", "region_code"),
    "service_points": ("id", "bank_id", "bank_path", "code", "name", "shop_name", "licence_no",
                       "keeper_name", "keeper_phone", "address", "village_code", "county_code",
                       "location", "services", "status", "status_since", "status_reason",
                       "opened_on", "closed_on", "signage"),
    "terminals": ("id", "point_id", "county_code", "merchant_code", "terminal_code", "serial_no",
                  "kind", "installed_on", "removed_on"),
    "users": ("id", "username", "password_hash", "display_name", "phone", "role", "org_id",
              "point_id", "county_code", "active"),
    "grid_assignments": ("id", "user_id", "village_code", "county_code", "starts_on"),
}
# Tables a reset empties (CASCADE also empties whatever refers to them: the ledger,
# visits, the per-point rollup; the village and card rollups refer to nothing).
RESET_TABLES = ("ledger_village_daily", "ledger_village_monthly", "ledger_card_daily",
                "audit_events", "api_tokens", "devices", "grid_assignments", "users",
                "terminals", "service_points", "organisations", "regions")

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (list, tuple)):  # text[] of plain tokens (service codes)
        return "{" + ",".join(value) + "}"
    return str(value).translate(_ESCAPES)


class Spool:
    """Rows for one table, in COPY text format, in a temporary file."""

    def __init__(self, table):
        self.table = table
        self.columns = TABLES[table]
        self.count = 0
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8")

    def add(self, *values):
        self._file.write("\t".join(map(_field, values)) + "\n")
        self.count += 1

    def copy_into(self, cursor):
        self._file.flush()
        self._file.seek(0)
        sql = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
        with cursor.copy(sql) as copy:
            while chunk := self._file.read(1 << 20):
                copy.write(chunk)
        self._file.close()


def next_id(table: str) -> int:
    return db.session.execute(text(f"select coalesce(max(id), 0) + 1 from {table}")).scalar()


def registry_counts() -> dict[str, int]:
    return {
        t: db.session.execute(text(f"select count(*) from {t}")).scalar()
        for t in ("regions", "organisations", "service_points", "users")
    }


def reset_registry():
    """Empty the registry (and, by CASCADE, everything recorded against it)."""
    db.session.execute(text(f"TRUNCATE {', '.join(RESET_TABLES)} RESTART IDENTITY CASCADE"))
    db.session.commit()


def copy_all(spools: dict[str, Spool], report) -> None:
    """COPY every spool in one transaction, then move the id sequences past the new rows
    (COPY gives explicit ids, which sequences do not see) and refresh planner statistics."""
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            for table in TABLES:
                spool = spools[table]
                started = time.perf_counter()
                spool.copy_into(cur)
                report(f"COPY {table}", spool.count, time.perf_counter() - started)
            for table in TABLES:
                if "id" in TABLES[table]:
                    cur.execute(
                        f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(select coalesce(max(id), 0) + 1 from {table}), false)"
                    )
        conn.commit()
        started = time.perf_counter()
        conn.autocommit = True
        with conn.cursor() as cur:
            for table in TABLES:
                cur.execute(f"ANALYZE {table}")
        conn.autocommit = False
        report("ANALYZE", None, time.perf_counter() - started)
    except BaseException:
        raw.driver_connection.rollback()
        raise
    finally:
        raw.close()
