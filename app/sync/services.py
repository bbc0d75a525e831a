"""Push and pull: the server side of exactly-once sync (DESIGN.md, guarantees 1-3, 5-7).

Push, per batch, in one transaction:
  1. check every record in Python (app/sync/records.py); malformed ones are rejected,
     records for a point the user does not own are rejected;
  2. take the point's advisory lock (see "Why the lock" below);
  3. look the ids up: the same id with the same body hash is a duplicate (success),
     with another hash a conflict; nothing is stored twice;
  4. flag business-rule breaks (app/sync/rules.py); flags never refuse a record;
  5. insert all new records and update both rollups with ONE statement
     (json_to_recordset ... ON CONFLICT (id) DO NOTHING RETURNING, then the rollups'
     INSERT ... ON CONFLICT DO UPDATE, aggregated per batch);
  6. COMMIT, and only then answer. A crash before the commit loses the whole batch (the
     phone retries it); a crash after it makes the retry answer "duplicate".

A grid worker's or field agent's batch (visits, talks, requests, inspections, business of
channel grid/mobile) goes to app/field/sync.py, with the same guarantees; `alert_ack`
records in any batch go to app/field/acks.py.

Why the lock: the pull cursor is the server sequence `seq`, and a reader must never
see seq N+1 committed while seq N is still in flight, or the cursor would skip N for
ever. Sequences are handed out at insert time but become visible at commit, so two
concurrent transactions could commit out of order. Pull is per point, and every writer
takes pg_advisory_xact_lock(point) before it takes any seq; the lock is held until its
commit. So for one point, seqs are taken and committed strictly one transaction after
another: any committed row of the point has a smaller seq than every row still in
flight, and "seq > cursor" never passes over a row that will appear later. The same
lock makes the duplicate check, the per-card daily totals and the void bookkeeping
race-free within a point. Different points never wait for each other.
"""
import json
import logging
import os
from datetime import UTC, datetime

from flask import current_app
from flask_smorest import abort
from sqlalchemy import select, text
from sqlalchemy.exc import DataError, IntegrityError

from app.auth.scope import alert_covers, alert_in_force, may
from app.core import geo
from app.core.clock import SHANGHAI
from app.extensions import db
from app.field import acks as field_acks
from app.field import sync as field_sync
from app.models import Device, RiskAlert, ServicePoint
from app.sync import records as rec
from app.sync.rollups import VILLAGE_AND_CARD_ROLLUPS
from app.sync.rules import RuleBook, amount_flags, context_flags, rules_for_point

log = logging.getLogger(__name__)

MAX_BATCH = 1000
LOCK_NAMESPACE = 0x4C47  # first key of pg_advisory_xact_lock(int, int): the ledger's locks

NOT_YOUR_POINT = "data.point_id: 非本人服务点 not your point"
CONFLICT = "同一编号已有不同内容的记录 id already stored with different content"
NOT_YOUR_ALERT = "type: 此角色不确认风险提示 this role does not acknowledge alerts"
POINT_CHANNEL_ONLY = "data.channel: 服务点只登记本点业务 a keeper logs channel 'point' only"
REFUSED = "记录无法保存，请核对后重新录入 the database refused this record; re-enter it"

_EXISTING = text(
    "SELECT id::text AS id, body_hash, flags FROM ledger_entries "
    "WHERE id = ANY(CAST(:ids AS uuid[]))"
)
_LIVE_TARGETS = text(
    "SELECT id::text FROM ledger_entries "
    "WHERE id = ANY(CAST(:ids AS uuid[])) AND point_id = :point_id AND void_of IS NULL"
)
# One primary-key probe per (card, day, kind) of the batch: a correlated subquery, so
# the planner cannot turn it into a scan of the whole (growing) table.
_CARD_TOTALS = text(
    """
    SELECT k.card_masked, k.day, k.kind,
           (SELECT c.amount_fen FROM ledger_card_daily c
             WHERE c.county_code = :county_code AND c.card_masked = k.card_masked
               AND c.day = k.day AND c.kind = k.kind) AS amount_fen
    FROM unnest(CAST(:cards AS text[]), CAST(:days AS date[]), CAST(:kinds AS text[]))
      AS k(card_masked, day, kind)
    """
)
# One statement inserts the batch and updates both rollups. Rollups count the *live*
# records: a record counts unless a void refers to it. Within one statement the table
# shows the rows stored before it (the point's lock keeps other writers out) and `ins`
# the rows of this batch, so the delta is, whatever the arrival order:
#   - a new record counts +1 unless a void for it is stored already or in this batch
#     (the void came first);
#   - a new void counts -1 of its target when the target was stored before this batch
#     and this is the target's first void (no void stored before, none earlier in the
#     batch); otherwise it changes nothing.
# So rollup = recount of the live records, and the tests check exactly that.
_INSERT_AND_ROLL_UP = text(
    """
    WITH ins AS (
        INSERT INTO ledger_entries (id, point_id, village_code, county_code, user_id,
            device_id, kind, amount_fen, card_masked, voucher_no, note, occurred_at, location,
            void_of, flags, body_hash)
        SELECT r.id, :point_id, :village_code, :county_code, :user_id, :device_id, r.kind,
            r.amount_fen,
            r.card_masked, r.voucher_no, r.note, r.occurred_at,
            CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) END,
            r.void_of, r.flags, r.body_hash
        FROM json_to_recordset(CAST(:batch AS json)) AS r(
            ord int, id uuid, kind text, amount_fen bigint, card_masked text,
            voucher_no text, note text, occurred_at timestamptz, lon float8, lat float8,
            void_of uuid, flags text[], body_hash text)
        ORDER BY r.ord
        ON CONFLICT (id) DO NOTHING
        RETURNING id, seq, point_id, channel, village_code, county_code, kind, amount_fen,
            card_masked, occurred_at, void_of
    ), first_voids AS (  -- per target, the batch's earliest void
        SELECT DISTINCT ON (void_of) void_of, point_id FROM ins
        WHERE void_of IS NOT NULL ORDER BY void_of, seq
    ), delta AS (
        SELECT n.point_id, n.channel, n.village_code, n.county_code, n.kind, n.card_masked,
               n.occurred_at, 1 AS n, n.amount_fen AS amount
        FROM ins n
        WHERE n.void_of IS NULL
          AND n.id NOT IN (SELECT void_of FROM first_voids)
          AND NOT EXISTS (SELECT 1 FROM ledger_entries v
                          WHERE v.void_of = n.id AND v.point_id = n.point_id)
        UNION ALL
        SELECT t.point_id, t.channel, t.village_code, t.county_code, t.kind, t.card_masked,
               t.occurred_at, -1, -t.amount_fen
        FROM first_voids v
        JOIN ledger_entries t
          ON t.id = v.void_of AND t.point_id = v.point_id AND t.void_of IS NULL
        WHERE NOT EXISTS (SELECT 1 FROM ledger_entries w
                          WHERE w.void_of = t.id AND w.point_id = t.point_id)
    ), by_day AS (
        SELECT *, (occurred_at AT TIME ZONE 'Asia/Shanghai')::date AS day FROM delta
    ), daily AS (
        INSERT INTO ledger_daily AS d (point_id, day, kind, county_code, count, amount_fen)
        SELECT point_id, day, kind, min(county_code), sum(n), sum(amount)
        FROM by_day GROUP BY point_id, day, kind
        ON CONFLICT (point_id, day, kind) DO UPDATE
        SET count = d.count + excluded.count, amount_fen = d.amount_fen + excluded.amount_fen
    ),"""
    + VILLAGE_AND_CARD_ROLLUPS
)


def result(record_id, status, reason=None, flags=()):
    return {"id": record_id, "status": status, "reason": reason, "flags": list(flags)}


def push_device_id(token, user, device_key):
    """The device to record: the token's own; else the user's device named in the body.
    A revoked device answers 401 like a revoked token (a lost phone stops syncing)."""
    if token.device_id is not None:
        return token.device_id
    if not device_key:
        return None
    device = db.session.scalar(
        select(Device).where(Device.user_id == user.id, Device.device_key == device_key)
    )
    if device is None:
        return None
    if device.revoked_at is not None:
        abort(401, message="该设备已被停用 This device has been revoked", code="device_revoked")
    return device.id


def check_batch_size(records):
    if len(records) > MAX_BATCH:
        abort(
            413,
            message=f"每批最多{MAX_BATCH}条记录 At most {MAX_BATCH} records a batch; "
            f"got {len(records)}, split the batch",
        )


def push(user, device_id, records):
    """Apply a pushed batch; one result per record, in order. Commits before returning."""
    check_batch_size(records)
    if may(user, "field.sync"):  # visits and their business: app/field/sync.py
        return field_sync.push(user, device_id, records)
    point = db.session.get(ServicePoint, user.point_id) if user.role == "keeper" else None
    results = [None] * len(records)
    fresh, entries, repeats, first_seen = [], {}, [], {}
    # Risk-alert acknowledgements ride in the same batch (app/field/acks.py); answered
    # after the commit below, like every record.
    ack_items = [(i, raw) for i, raw in enumerate(records) if field_sync.is_ack(raw)]
    if ack_items and not may(user, "alerts.ack"):  # only the roles that acknowledge
        for i, raw in ack_items:
            results[i] = result(rec.record_id(raw), "rejected", NOT_YOUR_ALERT)
    elif ack_items:
        field_acks.apply(user, device_id, ack_items, results, result)
        db.session.commit()
    for i, raw in enumerate(records):
        if results[i] is not None:
            continue
        try:
            entry = rec.parse(raw)
        except rec.Rejected as why:
            results[i] = result(rec.record_id(raw), "rejected", f"{why.field}: {why.reason}")
            continue
        if entry.channel != "point":
            results[i] = result(entry.id, "rejected", POINT_CHANNEL_ONLY)
            continue
        if point is None or entry.point_id != point.id:
            results[i] = result(entry.id, "rejected", NOT_YOUR_POINT)
            continue
        entries[i] = entry
        if entry.id in first_seen:  # the same id twice in one batch
            repeats.append((i, first_seen[entry.id]))
            continue
        first_seen[entry.id] = i
        fresh.append((i, entry))
    if fresh:
        _store(point, user, device_id, fresh, results)
    for i, first in repeats:
        same = entries[i].body_hash == entries[first].body_hash
        earlier = results[first]
        if same and earlier["status"] in ("accepted", "duplicate"):
            results[i] = result(entries[i].id, "duplicate", flags=earlier["flags"])
        else:
            results[i] = result(entries[i].id, "conflict", CONFLICT)
    return results


def _store(point, user, device_id, fresh, results):
    session = db.session
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, :point_id)"),
        {"ns": LOCK_NAMESPACE, "point_id": point.id},
    )
    new = _drop_known(fresh, results)
    inserted = set()
    if new:
        _flag(point, new)
        params = {
            "point_id": point.id, "village_code": point.village_code,
            "bank_path": point.bank_path,
            "county_code": point.county_code, "user_id": user.id,
            "device_id": device_id, "batch": _batch_json(new),
        }
        inserted = _insert(params, new, results)
    session.commit()
    _crash_after_commit_if_asked()
    raced = []
    for i, e in new:
        if results[i] is not None:  # refused by the database
            continue
        if e.id in inserted:
            results[i] = result(e.id, "accepted", flags=e.flags)
        else:
            raced.append((i, e))
    if raced:  # the same id stored meanwhile under another point's lock
        _drop_known(raced, results)
        db.session.commit()


def _insert(params, new, results):
    """Insert the batch with one statement; the ids stored.

    Python checks accept only what the constraints accept, but if the database still
    refuses a record (a rule added to the schema and not yet to app/sync/records.py),
    that record alone must be refused: the phone resends the batch until every record
    is answered, so one refused row would otherwise block the good ones for ever. So
    the batch runs in a savepoint, and on a refusal each record is retried in its own
    savepoint, in batch order (each statement sees the rows stored by the previous ones,
    so the rollups stay a recount). Connection failures are not refusals: they go up
    and the phone retries the whole batch."""
    session = db.session
    try:
        with session.begin_nested():
            return set(session.execute(_INSERT_AND_ROLL_UP, params).scalars())
    except (IntegrityError, DataError) as error:
        log.warning("sync batch refused by the database (%s); storing record by record",
                    _constraint(error))
    inserted = set()
    for i, e in new:
        one = dict(params, batch=_batch_json([(i, e)]))
        try:
            with session.begin_nested():
                inserted |= set(session.execute(_INSERT_AND_ROLL_UP, one).scalars())
        except (IntegrityError, DataError) as error:
            # The reason names the rule, never the stored row or the submitted values.
            log.warning("sync record refused by the database (%s)", _constraint(error))
            results[i] = result(e.id, "rejected", REFUSED)
    return inserted


def _constraint(error):
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None) or type(error.orig).__name__


def _drop_known(fresh, results):
    """Answer ids already stored (duplicate or conflict); return the new ones."""
    ids = [e.id for _, e in fresh]
    known = {row.id: row for row in db.session.execute(_EXISTING, {"ids": ids})}
    new = []
    for i, e in fresh:
        row = known.get(e.id)
        if row is None:
            new.append((i, e))
        elif row.body_hash == e.body_hash:
            results[i] = result(e.id, "duplicate", flags=row.flags)
        else:
            results[i] = result(e.id, "conflict", CONFLICT)
    return new


def _flag(point, new):
    """Set each new entry's flags. Running per-card daily totals include the earlier
    records of the same batch, in batch order."""
    now = datetime.now(UTC)
    book = RuleBook(rules_for_point(point))
    lonlat = geo.lonlat(point.location)
    targets = {e.void_of for _, e in new if e.is_void}
    live = set()
    if targets:
        params = {"ids": list(targets), "point_id": point.id}
        live = set(db.session.execute(_LIVE_TARGETS, params).scalars())
        live |= {e.id for _, e in new if not e.is_void}
    totals = _card_totals(point, book, new)
    for _, e in new:
        flags = context_flags(point.status, lonlat, e.lon, e.lat, e.occurred_at, now)
        if e.is_void:
            if e.void_of not in live:
                flags.append("void_target_unknown")
        else:
            limit = book.limit(e.kind, e.day)
            flags += amount_flags(limit, e.amount_fen)
            if e.card_masked and limit is not None and limit.per_card_daily_fen is not None:
                key = (e.card_masked, e.day, e.kind)
                totals[key] = totals.get(key, 0) + e.amount_fen
                if totals[key] > limit.per_card_daily_fen:
                    flags.append("over_daily_cap")
        e.flags = flags


def _card_totals(point, book, new):
    """Amounts already stored per (card, day, kind) for the capped records of the batch."""
    capped = [
        e for _, e in new
        if e.card_masked and not e.is_void
        and (lim := book.limit(e.kind, e.day)) is not None and lim.per_card_daily_fen is not None
    ]
    if not capped:
        return {}
    keys = list({(e.card_masked, e.day, e.kind) for e in capped})
    rows = db.session.execute(
        _CARD_TOTALS,
        {
            "county_code": point.county_code,
            "cards": [k[0] for k in keys],
            "days": [k[1] for k in keys],
            "kinds": [k[2] for k in keys],
        },
    )
    return {(r.card_masked, r.day, r.kind): r.amount_fen for r in rows if r.amount_fen}


def _batch_json(new) -> str:
    return json.dumps(
        [
            {
                "ord": n, "id": e.id, "kind": e.kind, "amount_fen": e.amount_fen,
                "card_masked": e.card_masked, "voucher_no": e.voucher_no, "note": e.note,
                "occurred_at": e.occurred_at.isoformat(), "lon": e.lon, "lat": e.lat,
                "void_of": e.void_of, "flags": e.flags, "body_hash": e.body_hash,
            }
            for n, (_, e) in enumerate(new)
        ],
        ensure_ascii=False,
    )


def _crash_after_commit_if_asked():
    """Test hook: die between COMMIT and the answer, as a power cut would. Honoured only
    when the app runs for tests (TESTING, or ZHUNONG_TEST_HOOKS=1 for a test's gunicorn)."""
    if os.environ.get("SYNC_TEST_CRASH_AFTER_COMMIT") != "1":
        return
    if current_app.testing or os.environ.get("ZHUNONG_TEST_HOOKS") == "1":
        os._exit(70)


# --- pull ---------------------------------------------------------------------------

_PULL = text(
    """
    SELECT e.id::text AS id, e.seq, e.kind, e.amount_fen, e.card_masked, e.voucher_no,
           e.note, e.occurred_at, e.received_at, ST_X(e.location) AS lon,
           ST_Y(e.location) AS lat, e.void_of::text AS void_of, e.flags,
           (SELECT v.id::text FROM ledger_entries v
             WHERE v.void_of = e.id AND v.point_id = e.point_id
             ORDER BY v.seq LIMIT 1) AS voided_by
    FROM ledger_entries e
    WHERE e.point_id = :point_id AND e.seq > :cursor
    ORDER BY e.seq
    LIMIT :limit
    """
)


def pull(user, cursor, limit):
    """What the keeper's phone needs: her point, the limits in force, active alerts for
    her region and her point's records after the cursor, in seq order.

    No lock is needed here: writers of the point commit in seq order (see the module
    docstring), so every row this statement cannot see yet has a larger seq than the
    last one it returns, and the next cursor never skips a row."""
    if user.role != "keeper" or user.point_id is None:
        abort(403, message="只有服务点负责人可同步 Only a point keeper syncs a register")
    point = db.session.get(ServicePoint, user.point_id)
    params = {"point_id": point.id, "cursor": cursor, "limit": limit + 1}
    rows = db.session.execute(_PULL, params).mappings().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    now = datetime.now(UTC)
    book = RuleBook(rules_for_point(point))
    return {
        "cursor": rows[-1]["seq"] if rows else cursor,
        "has_more": has_more,
        "server_time": now,
        "point": _point_view(point),
        "limits": [lim.as_dict() for lim in book.in_force(now.astimezone(SHANGHAI).date())],
        "alerts": active_alerts(point.village_code, now),
        "records": [dict(row, status="accepted") for row in rows],
    }


def _point_view(point):
    lonlat = geo.lonlat(point.location)
    return {
        "id": point.id, "name": point.name, "status": point.status,
        "village_code": point.village_code, "county_code": point.county_code,
        "bank_id": point.bank_id, "bank_name": point.bank.name if point.bank else None,
        "services": point.services, "lon": lonlat[0] if lonlat else None,
        "lat": lonlat[1] if lonlat else None,
    }


def active_alerts(village_code, now, limit=50):
    """Alerts published for the point's region (or nationally) and not yet expired."""
    return db.session.execute(
        select(RiskAlert)
        .where(alert_covers(village_code), alert_in_force(now))
        .order_by(RiskAlert.published_at.desc())
        .limit(limit)
    ).scalars().all()
