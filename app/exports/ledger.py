"""The ledger as a CSV file, streamed: millions of rows, never held in memory.

PostgreSQL writes the CSV itself (COPY ... TO STDOUT): quoting, time zones and yuan are
done in the SELECT, so the rows cross from the database to the client in blocks without
a Python object per row, at close to the speed of a bare COPY (bench/stats.py measures
the ratio). The scope condition is the same one every ledger view uses; psycopg binds
the parameters client-side, since COPY takes none.
"""
from datetime import timedelta

from sqlalchemy import case, func, literal, select

from app.audit import record_change
from app.auth.scope import describe, point_scope
from app.core.clock import day_start
from app.exports.labels import KIND_NAMES
from app.extensions import db
from app.models import LedgerEntry, ServicePoint

BOM = "\ufeff".encode()
HEADERS = (
    "序号", "记录编号", "发生时间（北京时间）", "服务点编码", "服务点名称", "县级区划代码",
    "业务类型", "金额（元）", "卡号（脱敏）", "凭证号", "备注", "标记", "冲正对象", "接收时间（北京时间）",
)


def _safe_text(column):
    """Text a person typed, defused for spreadsheets: a cell starting with = + - @ would
    be run by Excel as a formula, so such a cell gets a leading apostrophe."""
    return case((column.regexp_match(r"^[=+\-@\t\r]"), literal("'") + column), else_=column)


def _shanghai(column):
    return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD HH24:MI:SS")


def ledger_select(user, args):
    kind_name = case(KIND_NAMES, value=LedgerEntry.kind, else_=LedgerEntry.kind)
    query = (
        select(
            LedgerEntry.seq,
            LedgerEntry.id,
            _shanghai(LedgerEntry.occurred_at),
            ServicePoint.code,
            _safe_text(ServicePoint.name),
            LedgerEntry.county_code,
            kind_name,
            func.to_char(LedgerEntry.amount_fen / literal(100.0), "FM999999999990.00"),
            LedgerEntry.card_masked,
            _safe_text(LedgerEntry.voucher_no),
            _safe_text(LedgerEntry.note),
            func.array_to_string(LedgerEntry.flags, ";"),
            LedgerEntry.void_of,
            _shanghai(LedgerEntry.received_at),
        )
        .join(ServicePoint, ServicePoint.id == LedgerEntry.point_id)
        .where(
            point_scope(user),
            LedgerEntry.occurred_at >= day_start(args["date_from"]),
            LedgerEntry.occurred_at < day_start(args["date_to"] + timedelta(days=1)),
        )
        .order_by(LedgerEntry.seq)
    )
    if "region" in args:
        query = query.where(ServicePoint.village_code.startswith(args["region"]))
    if "point_id" in args:
        query = query.where(LedgerEntry.point_id == args["point_id"])
    if "kind" in args:
        query = query.where(LedgerEntry.kind == args["kind"])
    return query


def stream_ledger_csv(user, args):
    """Yield the CSV in blocks; write the audit row when the file ends or is cut off.

    The audit row is one complete row either way ("completed": true with the row count,
    or false when the client went away), in its own transaction after the COPY."""
    compiled = ledger_select(user, args).compile(dialect=db.engine.dialect)
    header = ",".join(HEADERS).encode() + b"\r\n"
    rows, completed = None, False
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.read_only = True
        with conn.cursor() as cur:
            yield BOM + header
            with cur.copy(
                f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv)", compiled.params
            ) as copy:
                for block in copy:
                    yield bytes(block)
            rows = cur.rowcount
        conn.rollback()
        completed = True
    finally:
        try:
            raw.driver_connection.rollback()
            raw.driver_connection.read_only = False
        finally:
            raw.close()
        _audit(user, args, rows, completed)


def _audit(user, args, rows, completed):
    filters = {k: v for k, v in args.items()}
    record_change(
        user, "export", "ledger_csv", None, None,
        {"filters": filters, "rows": rows, "completed": completed, "scope": describe(user)},
    )
    db.session.commit()
