"""Push and pull for grid workers and mobile team members (issue 8).

A field worker's phone pushes typed records through the same `POST /api/v1/sync/push`
as a keeper's, with the same guarantees (app/sync/services.py has the reasoning):

  visit         a village visit, pushed once when it has ended (start and end times,
                how the village was chosen, households visited);
  fraud_talk    an anti-fraud talk given on a visit, with its attendance;
  ledger_entry  business done on a visit: channel `grid` (grid worker) or `mobile`
                (mobile team), its visit id and village code instead of a point.

Exactly once: every record is keyed by the id the phone generated; the same id with the
same content answers `duplicate`, with other content `conflict`; nothing is stored twice
and the answer comes only after COMMIT.

Order: a talk or a ledger record may arrive before its visit (another batch, another
phone of hers, a visit still open on the phone). It is accepted at once: it carries its
own village code, so the rollups never wait for the visit, and the visit id is a plain
column, not a foreign key. When the visit is already known (stored or in the same
batch) the record must agree with it: the visit must be hers and in the same village,
else the record is rejected.

Bad input: malformed records are rejected with the field and the reason, alone; a visit
to a village outside her area is accepted and flagged (she may be covering for a
colleague); so are a GPS fix outside the chosen village and the usual clock flags.

The lock: a field worker's rows are pulled by her user id (all three tables share the
ledger's sequence), so every push of hers takes pg_advisory_xact_lock(FIELD, user) for
the same reason a keeper's takes her point's lock: her seqs commit in order and the
pull cursor never skips. The per-card daily totals are shared with the points; a card
used at a point and on a visit at the same moment may miss an over-cap flag, never a
record.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from app.auth.scope import (
    alert_scope,
    assigned_villages,
    field_villages,
    point_scope,
    request_scope,
    village_scope,
)
from app.core.clock import SHANGHAI, today
from app.extensions import db
from app.field import acks, inspections, requests
from app.models import Region, RiskAlert, ServicePoint, VillagerRequest
from app.models.field import VILLAGE_SOURCES
from app.sync import records as rec
from app.sync.rollups import VILLAGE_AND_CARD_ROLLUPS
from app.sync.rules import CLOCK_SKEW, OLD_RECORD, RuleBook, amount_flags, rules_for

# The channel of a role's business: a grid worker helps villagers (帮办代办), a field
# agent works on a mobile team's terminal.
ROLE_CHANNEL = {"grid_worker": "grid", "field_agent": "mobile"}
RECORD_TYPES = ("visit", "fraud_talk", "ledger_entry", "alert_ack", "request", "inspection")
LOCK_NAMESPACE = 0x4657  # first key of pg_advisory_xact_lock(int, int): a field worker
MAX_COUNT = 100_000  # households or attendance: far above any village

CONFLICT = "同一编号已有不同内容的记录 id already stored with different content"
NOT_HER_VISIT = "data.visit_id: 非本人的走访 not your visit"
OTHER_VILLAGE = "data.village_code: 与走访的村不一致 differs from the visit's village"
NO_SUCH_VILLAGE = "data.village_code: 无此村 no such village"


def result(record_id, status, reason=None, flags=()):
    return {"id": record_id, "status": status, "reason": reason, "flags": list(flags)}


@dataclass(slots=True)
class Visit:
    id: str
    village_code: str
    started_at: datetime
    ended_at: datetime
    village_source: str
    lon: float | None
    lat: float | None
    households: int
    note: str | None
    body_hash: str = ""
    flags: list = field(default_factory=list)


@dataclass(slots=True)
class Talk:
    id: str
    visit_id: str
    village_code: str
    occurred_at: datetime
    topic: str
    attendance: int
    note: str | None
    body_hash: str = ""
    flags: list = field(default_factory=list)


def _type(raw):
    return raw.get("type") if isinstance(raw, dict) else None


def is_ack(raw) -> bool:
    return _type(raw) == acks.RECORD_TYPE


def parse(raw, channel):
    """Check and normalise one pushed field record: (type, record) or Rejected."""
    if not isinstance(raw, dict):
        raise rec.Rejected("record", "记录须为对象 must be an object")
    kind = raw.get("type")
    if kind == "ledger_entry":
        entry = rec.parse(raw)
        if entry.channel != channel:
            raise rec.Rejected(
                "data.channel", f"渠道须为 {channel}（未填即为服务点） must be '{channel}'; "
                "a record without a channel is a point record",
            )
        return kind, entry
    rid = rec.uuid_of(raw.get("id"), "id")
    if kind not in RECORD_TYPES:
        raise rec.Rejected("type", "记录类型无效 must be one of " + ", ".join(RECORD_TYPES))
    data = raw.get("data")
    if not isinstance(data, dict):
        raise rec.Rejected("data", "缺少记录内容 must be an object")
    village = rec.village(data.get("village_code"), "data.village_code")
    note = rec.text_of(data.get("note"), "data.note", 500)
    if kind == "visit":
        if data.get("channel", channel) != channel:
            raise rec.Rejected("data.channel", f"渠道须为 {channel} must be '{channel}'")
        started = rec.instant(data.get("started_at"), "data.started_at")
        ended = rec.instant(data.get("ended_at"), "data.ended_at")
        if ended < started:
            raise rec.Rejected("data.ended_at", "结束时间早于开始时间 ends before it starts")
        source = data.get("village_source")
        if source not in VILLAGE_SOURCES:
            raise rec.Rejected(
                "data.village_source", "须为 gps 或 picked must be one of " + ", ".join(VILLAGE_SOURCES)
            )
        lon, lat = rec.position(data.get("lon"), data.get("lat"))
        if source == "gps" and lon is None:
            raise rec.Rejected("data.lon", "按定位选村须附坐标 a village found by GPS needs the fix")
        households = _count(data.get("households", 0), "data.households")
        visit = Visit(rid, village, started, ended, source, lon, lat, households, note)
        visit.body_hash = _hash("visit", rid, village, started, ended, source, lon, lat,
                                households, note)
        return kind, visit
    visit_id = rec.uuid_of(data.get("visit_id"), "data.visit_id")
    occurred = rec.instant(data.get("occurred_at"))
    topic = rec.text_of(data.get("topic"), "data.topic", 200)
    if not topic:
        raise rec.Rejected("data.topic", "须填宣传主题 a talk needs its topic")
    attendance = _count(data.get("attendance"), "data.attendance")
    talk = Talk(rid, visit_id, village, occurred, topic, attendance, note)
    talk.body_hash = _hash("fraud_talk", rid, visit_id, village, occurred, topic, attendance, note)
    return kind, talk


def _count(value, name) -> int:
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise rec.Rejected(name, f"须为0至{MAX_COUNT}的整数 must be an integer from 0 to {MAX_COUNT}")
    return value


def _hash(*parts) -> str:
    """SHA-256 of the normalised content (instants in UTC), as for ledger records."""
    canonical = "\x1f".join(
        "" if p is None else p.isoformat() if isinstance(p, datetime) else
        repr(p) if isinstance(p, float) else str(p)
        for p in parts
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- push ---------------------------------------------------------------------------

TABLES = {"visit": "field_visits", "fraud_talk": "fraud_talks", "ledger_entry": "ledger_entries"}

_INSERT_VISITS = text(
    """
    INSERT INTO field_visits (id, user_id, device_id, channel, village_code, county_code,
        bank_path, started_at, ended_at, village_source, location, households, note, flags,
        body_hash)
    SELECT r.id, :user_id, :device_id, :channel, r.village_code, left(r.village_code, 6),
        :bank_path, r.started_at, r.ended_at, r.village_source,
        CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) END,
        r.households, r.note, r.flags, r.body_hash
    FROM json_to_recordset(CAST(:batch AS json)) AS r(ord int, id uuid, village_code text,
        started_at timestamptz, ended_at timestamptz, village_source text, lon float8,
        lat float8, households int, note text, flags text[], body_hash text)
    ORDER BY r.ord
    ON CONFLICT (id) DO NOTHING
    RETURNING id::text
    """
)
_INSERT_TALKS = text(
    """
    INSERT INTO fraud_talks (id, visit_id, user_id, device_id, village_code, county_code,
        occurred_at, topic, attendance, note, flags, body_hash)
    SELECT r.id, r.visit_id, :user_id, :device_id, r.village_code, left(r.village_code, 6),
        r.occurred_at, r.topic, r.attendance, r.note, r.flags, r.body_hash
    FROM json_to_recordset(CAST(:batch AS json)) AS r(ord int, id uuid, visit_id uuid,
        village_code text, occurred_at timestamptz, topic text, attendance int, note text,
        flags text[], body_hash text)
    ORDER BY r.ord
    ON CONFLICT (id) DO NOTHING
    RETURNING id::text
    """
)
# The field twin of app/sync/services.py's statement: insert the batch and update the
# village rollup (by channel) and the per-card totals in one statement. Voids of field
# records are matched within the same worker's field records (her lock is held), as a
# keeper's are within her point; the delta rules are the same, so rollup = recount.
#
# The voids already stored that name a record of the batch (or a target of one of its
# voids) are read first, by the void index alone (`voids`): probing per record with
# "void_of = id AND user_id = her id" let the planner walk her (user_id, seq) index
# instead whenever the statistics had not yet seen her rows -- a new worker on a table of
# points' records -- reading all her records once per record of the batch.
_INSERT_ENTRIES = text(
    """
    WITH ins AS (
        INSERT INTO ledger_entries (id, channel, village_code, visit_id, county_code, user_id,
            device_id, kind, amount_fen, card_masked, voucher_no, note, occurred_at, location,
            void_of, flags, body_hash)
        SELECT r.id, :channel, r.village_code, r.visit_id, left(r.village_code, 6), :user_id,
            :device_id, r.kind, r.amount_fen, r.card_masked, r.voucher_no, r.note,
            r.occurred_at,
            CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) END,
            r.void_of, r.flags, r.body_hash
        FROM json_to_recordset(CAST(:batch AS json)) AS r(
            ord int, id uuid, village_code text, visit_id uuid, kind text, amount_fen bigint,
            card_masked text, voucher_no text, note text, occurred_at timestamptz,
            lon float8, lat float8, void_of uuid, flags text[], body_hash text)
        ORDER BY r.ord
        ON CONFLICT (id) DO NOTHING
        RETURNING id, seq, user_id, channel, village_code, county_code, kind, amount_fen,
            card_masked, occurred_at, void_of
    ), voids AS MATERIALIZED (  -- stored before this statement, by the void index
        SELECT s.void_of, s.user_id, s.channel FROM ledger_entries s
        WHERE s.void_of = ANY(CAST(:named AS uuid[]))
    ), first_voids AS (
        SELECT DISTINCT ON (void_of) void_of, user_id FROM ins
        WHERE void_of IS NOT NULL ORDER BY void_of, seq
    ), delta AS (
        SELECT n.channel, n.village_code, n.county_code, n.kind, n.card_masked,
               n.occurred_at, 1 AS n, n.amount_fen AS amount
        FROM ins n
        WHERE n.void_of IS NULL
          AND n.id NOT IN (SELECT void_of FROM first_voids)
          AND NOT EXISTS (SELECT 1 FROM voids v
                          WHERE v.void_of = n.id AND v.user_id = n.user_id
                            AND v.channel <> 'point')
        UNION ALL
        SELECT t.channel, t.village_code, t.county_code, t.kind, t.card_masked,
               t.occurred_at, -1, -t.amount_fen
        FROM first_voids v
        JOIN ledger_entries t ON t.id = v.void_of AND t.user_id = v.user_id
          AND t.channel <> 'point' AND t.void_of IS NULL
        WHERE NOT EXISTS (SELECT 1 FROM voids w
                          WHERE w.void_of = t.id AND w.user_id = t.user_id
                            AND w.channel <> 'point')
    ), by_day AS (
        SELECT *, (occurred_at AT TIME ZONE 'Asia/Shanghai')::date AS day FROM delta
    ),"""
    + VILLAGE_AND_CARD_ROLLUPS
)
# One primary-key probe per (county, card, day, kind) of the batch. The county codes are
# bpchar like the key's column: compared as text, the key could not be used and every
# probe would scan the whole (growing) table.
_CARD_TOTALS = text(
    """
    SELECT k.county_code, k.card_masked, k.day, k.kind,
           (SELECT c.amount_fen FROM ledger_card_daily c
             WHERE c.county_code = k.county_code AND c.card_masked = k.card_masked
               AND c.day = k.day AND c.kind = k.kind) AS amount_fen
    FROM unnest(CAST(:counties AS bpchar[]), CAST(:cards AS text[]), CAST(:days AS date[]),
                CAST(:kinds AS text[])) AS k(county_code, card_masked, day, kind)
    """
)
# Which GPS fixes of the batch's visits lie outside the village chosen.
_OUTSIDE = text(
    """
    SELECT r.id FROM json_to_recordset(CAST(:fixes AS json))
        AS r(id text, village_code text, lon float8, lat float8)
    JOIN regions g ON g.code = r.village_code
    WHERE g.geom IS NOT NULL
      AND NOT ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326))
    """
)


def push(user, device_id, records):
    """Apply a field worker's batch; one result per record, in order, after COMMIT."""
    channel = ROLE_CHANNEL[user.role]
    results = [None] * len(records)
    parsed, repeats, first_seen = {}, [], {}
    # Acknowledgements, requests and inspections go to their own modules.
    routed = {acks.RECORD_TYPE: [], requests.RECORD_TYPE: [], inspections.RECORD_TYPE: []}
    for i, raw in enumerate(records):
        kind = _type(raw)
        if isinstance(kind, str) and kind in routed:  # any JSON value may stand in `type`
            routed[kind].append((i, raw))
            continue
        try:
            parsed[i] = parse(raw, channel)
        except rec.Rejected as why:
            results[i] = result(rec.record_id(raw), "rejected", f"{why.field}: {why.reason}")
            continue
        rid = parsed[i][1].id
        if rid in first_seen:  # the same id twice in one batch
            repeats.append((i, first_seen[rid]))
            continue
        first_seen[rid] = i
    fresh = [(i, parsed[i]) for i in first_seen.values()]
    if routed[acks.RECORD_TYPE]:
        acks.apply(user, device_id, routed[acks.RECORD_TYPE], results, result)
    if routed[requests.RECORD_TYPE]:
        requests.apply(user, routed[requests.RECORD_TYPE], results, result)
    if routed[inspections.RECORD_TYPE]:
        inspections.apply(user, routed[inspections.RECORD_TYPE], results, result)
    inserted = set()
    if fresh:
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :user_id)"),
            {"ns": LOCK_NAMESPACE, "user_id": user.id},
        )
        fresh, in_area = _check_references(user, fresh, results)
        fresh = _drop_known(fresh, results)
        inserted = _store(user, device_id, channel, fresh, in_area) if fresh else set()
    db.session.commit()  # every answer below is given only after this
    if fresh:
        for i, (_, r) in fresh:
            if r.id in inserted:
                results[i] = result(r.id, "accepted", flags=r.flags)
            else:  # the same id stored meanwhile by someone else's push
                results[i] = result(r.id, "conflict", CONFLICT)
    for i, first in repeats:
        same = parsed[i][1].body_hash == parsed[first][1].body_hash
        earlier = results[first]
        if same and earlier["status"] in ("accepted", "duplicate"):
            results[i] = result(parsed[i][1].id, "duplicate", flags=earlier["flags"])
        elif earlier["status"] == "rejected" and same:
            results[i] = result(parsed[i][1].id, "rejected", earlier["reason"])
        else:
            results[i] = result(parsed[i][1].id, "conflict", CONFLICT)
    return results


def _check_references(user, fresh, results):
    """Reject records naming an unknown village, or a visit that is not hers or is in
    another village; a visit not known yet is fine (see the module docstring). Returns
    the records kept and which of their villages lie in her area (for the visits' flags)."""
    codes = {r.village_code for _, (_, r) in fresh}
    villages = db.session.execute(
        select(Region.code, village_scope(user, Region.code).label("in_area"))
        .where(Region.code.in_(codes), Region.level == "village")
    ).all()
    known = {v.code for v in villages}
    in_area = {v.code for v in villages if v.in_area}
    batch_visits = {r.id: r.village_code for _, (t, r) in fresh if t == "visit"}
    refs = {r.visit_id for _, (t, r) in fresh if t != "visit"} - set(batch_visits)
    stored = {}
    if refs:
        rows = db.session.execute(
            text("SELECT id::text AS id, user_id, village_code FROM field_visits "
                 "WHERE id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": list(refs)},
        )
        stored = {row.id: row for row in rows}
    kept = []
    for i, (kind, r) in fresh:
        reason = None
        if r.village_code not in known:
            reason = NO_SUCH_VILLAGE
        elif kind != "visit":
            if r.visit_id in batch_visits:
                reason = None if batch_visits[r.visit_id] == r.village_code else OTHER_VILLAGE
            elif (row := stored.get(r.visit_id)) is not None:
                if row.user_id != user.id:
                    reason = NOT_HER_VISIT
                elif row.village_code != r.village_code:
                    reason = OTHER_VILLAGE
        if reason:
            results[i] = result(r.id, "rejected", reason)
        else:
            kept.append((i, (kind, r)))
    return kept, in_area


# The ids of a batch already stored, from the three tables at once (one round trip).
_KNOWN = text(
    " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, id::text AS id, body_hash, flags FROM {table} "
        f"WHERE id = ANY(CAST(:{kind} AS uuid[]))"
        for kind, table in TABLES.items()
    )
)


def _drop_known(fresh, results):
    """Answer ids already stored (duplicate or conflict); return the new ones."""
    ids = {kind: [] for kind in TABLES}
    for _, (kind, r) in fresh:
        ids[kind].append(r.id)
    known = {(row.kind, row.id): row for row in db.session.execute(_KNOWN, ids)}
    new = []
    for i, (kind, r) in fresh:
        row = known.get((kind, r.id))
        if row is None:
            new.append((i, (kind, r)))
        elif row.body_hash == r.body_hash:
            results[i] = result(r.id, "duplicate", flags=row.flags)
        else:
            results[i] = result(r.id, "conflict", CONFLICT)
    return new


def _store(user, device_id, channel, fresh, in_area):
    now = datetime.now(UTC)
    visits = [r for _, (t, r) in fresh if t == "visit"]
    talks = [r for _, (t, r) in fresh if t == "fraud_talk"]
    entries = [r for _, (t, r) in fresh if t == "ledger_entry"]
    bank_path = user.org.path if user.org else None
    common = {"user_id": user.id, "device_id": device_id}
    inserted = set()
    if visits:
        _flag_visits(visits, in_area, now)
        rows = [
            {"ord": n, "id": v.id, "village_code": v.village_code,
             "started_at": v.started_at.isoformat(), "ended_at": v.ended_at.isoformat(),
             "village_source": v.village_source, "lon": v.lon, "lat": v.lat,
             "households": v.households, "note": v.note, "flags": v.flags,
             "body_hash": v.body_hash}
            for n, v in enumerate(visits)
        ]
        params = dict(common, channel=channel, bank_path=bank_path, batch=_json(rows))
        inserted |= set(db.session.execute(_INSERT_VISITS, params).scalars())
    if talks:
        for t in talks:
            t.flags = clock_flags(t.occurred_at, t.occurred_at, now)
        rows = [
            {"ord": n, "id": t.id, "visit_id": t.visit_id, "village_code": t.village_code,
             "occurred_at": t.occurred_at.isoformat(), "topic": t.topic,
             "attendance": t.attendance, "note": t.note, "flags": t.flags,
             "body_hash": t.body_hash}
            for n, t in enumerate(talks)
        ]
        inserted |= set(db.session.execute(_INSERT_TALKS, dict(common, batch=_json(rows))).scalars())
    if entries:
        _flag_entries(user, bank_path, entries, now)
        rows = [
            {"ord": n, "id": e.id, "village_code": e.village_code, "visit_id": e.visit_id,
             "kind": e.kind, "amount_fen": e.amount_fen, "card_masked": e.card_masked,
             "voucher_no": e.voucher_no, "note": e.note,
             "occurred_at": e.occurred_at.isoformat(), "lon": e.lon, "lat": e.lat,
             "void_of": e.void_of, "flags": e.flags, "body_hash": e.body_hash}
            for n, e in enumerate(entries)
        ]
        # The business counts for her bank (the village rollup's bank_path). `named`: the
        # records of the batch and the targets of its voids, whose stored voids count.
        named = [e.id for e in entries] + [e.void_of for e in entries if e.is_void]
        params = dict(common, channel=channel, bank_path=bank_path, batch=_json(rows), named=named)
        inserted |= set(db.session.execute(_INSERT_ENTRIES, params).scalars())
    return inserted


def clock_flags(first: datetime, last: datetime, now: datetime) -> list[str]:
    if last > now + CLOCK_SKEW:
        return ["clock_skew"]
    if first < now - OLD_RECORD:
        return ["old_record"]
    return []


def _flag_visits(visits, in_area, now):
    """`in_area`: the codes of the batch's villages that lie in her area."""
    fixes = [{"id": v.id, "village_code": v.village_code, "lon": v.lon, "lat": v.lat}
             for v in visits if v.lon is not None]
    outside = set()
    if fixes:
        outside = set(db.session.scalars(_OUTSIDE, {"fixes": json.dumps(fixes)}))
    for v in visits:
        flags = []
        if v.village_code not in in_area:
            flags.append("outside_assigned_area")
        if v.id in outside:
            flags.append("position_outside_village")
        v.flags = flags + clock_flags(v.started_at, v.ended_at, now)


def _flag_entries(user, bank_path, entries, now):
    """Clock, amount and per-card cap flags, as at a point, with the rules of the
    village the business was done in and of her bank; a void must name a live field
    record of hers."""
    books = {}
    for e in entries:
        e.day = e.occurred_at.astimezone(SHANGHAI).date()
        if e.village_code not in books:
            books[e.village_code] = RuleBook(rules_for(e.village_code, bank_path))
    targets = {e.void_of for e in entries if e.is_void}
    live = set()
    if targets:
        live = set(db.session.scalars(
            text("SELECT id::text FROM ledger_entries WHERE id = ANY(CAST(:ids AS uuid[])) "
                 "AND user_id = :user_id AND channel <> 'point' AND void_of IS NULL"),
            {"ids": list(targets), "user_id": user.id},
        ))
        live |= {e.id for e in entries if not e.is_void}
    capped = [
        e for e in entries
        if e.card_masked and not e.is_void
        and (lim := books[e.village_code].limit(e.kind, e.day)) is not None
        and lim.per_card_daily_fen is not None
    ]
    totals = _card_totals(capped)
    capped_ids = {e.id for e in capped}
    for e in entries:
        flags = clock_flags(e.occurred_at, e.occurred_at, now)
        if e.is_void:
            if e.void_of not in live:
                flags.append("void_target_unknown")
        else:
            limit = books[e.village_code].limit(e.kind, e.day)
            flags += amount_flags(limit, e.amount_fen)
            if e.id in capped_ids:
                key = (e.village_code[:6], e.card_masked, e.day, e.kind)
                totals[key] = totals.get(key, 0) + e.amount_fen
                if totals[key] > limit.per_card_daily_fen:
                    flags.append("over_daily_cap")
        e.flags = flags


def _card_totals(capped):
    if not capped:
        return {}
    keys = list({(e.village_code[:6], e.card_masked, e.day, e.kind) for e in capped})
    rows = db.session.execute(_CARD_TOTALS, {
        "counties": [k[0] for k in keys], "cards": [k[1] for k in keys],
        "days": [k[2] for k in keys], "kinds": [k[3] for k in keys],
    })
    return {(r.county_code, r.card_masked, r.day, r.kind): r.amount_fen
            for r in rows if r.amount_fen}


def _json(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, allow_nan=False)


# --- pull ---------------------------------------------------------------------------

# Her own records after the cursor, from the three tables that share one sequence.
# Each branch reads its (user_id, seq) index and stops at the limit.
_PULL = text(
    """
    SELECT * FROM (
      (SELECT v.seq, 'visit' AS type, v.id::text AS id, json_build_object(
           'channel', v.channel, 'village_code', v.village_code,
           'started_at', v.started_at, 'ended_at', v.ended_at,
           'village_source', v.village_source, 'lon', ST_X(v.location),
           'lat', ST_Y(v.location), 'households', v.households, 'note', v.note) AS data,
           v.flags
       FROM field_visits v WHERE v.user_id = :user_id AND v.seq > :cursor
       ORDER BY v.seq LIMIT :limit)
      UNION ALL
      (SELECT t.seq, 'fraud_talk', t.id::text, json_build_object(
           'visit_id', t.visit_id, 'village_code', t.village_code,
           'occurred_at', t.occurred_at, 'topic', t.topic, 'attendance', t.attendance,
           'note', t.note), t.flags
       FROM fraud_talks t WHERE t.user_id = :user_id AND t.seq > :cursor
       ORDER BY t.seq LIMIT :limit)
      UNION ALL
      (SELECT e.seq, 'ledger_entry', e.id::text, json_build_object(
           'channel', e.channel, 'visit_id', e.visit_id, 'village_code', e.village_code,
           'kind', e.kind, 'amount_fen', e.amount_fen, 'card_masked', e.card_masked,
           'voucher_no', e.voucher_no, 'note', e.note, 'occurred_at', e.occurred_at,
           'lon', ST_X(e.location), 'lat', ST_Y(e.location), 'void_of', e.void_of), e.flags
       FROM ledger_entries e
       WHERE e.user_id = :user_id AND e.channel <> 'point' AND e.seq > :cursor
       ORDER BY e.seq LIMIT :limit)
    ) r ORDER BY seq LIMIT :limit
    """
)
# Boundaries simplified to about 10 m: enough to tell villages apart on a phone, and a
# few kilobytes per village instead of the surveyed polygon.
SIMPLIFY_DEGREES = 0.0001
OPEN_REQUESTS_LIMIT = 200


def pull(user, cursor, limit):
    """What a field worker's phone needs: her villages with their boundaries (to find
    the village of a GPS fix offline), the points in them, the alerts in force for her
    area, and her own records after the cursor, in seq order.

    No lock is needed: her writes commit in seq order under her lock (see the module
    docstring), so every row not visible yet has a larger seq than the last returned."""
    params = {"user_id": user.id, "cursor": cursor, "limit": limit + 1}
    rows = db.session.execute(_PULL, params).mappings().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    now = datetime.now(UTC)
    assigned = set(db.session.scalars(assigned_villages(user)))
    villages = db.session.execute(
        select(
            Region.code, Region.name, Region.county_code,
            func.ST_AsGeoJSON(
                func.ST_Multi(func.ST_SimplifyPreserveTopology(Region.geom, SIMPLIFY_DEGREES)), 6)
            .label("boundary"),
            func.ST_X(Region.centroid).label("lon"), func.ST_Y(Region.centroid).label("lat"),
        ).where(field_villages(user)).order_by(Region.code)
    ).all()
    codes = [v.code for v in villages]
    points = db.session.execute(
        select(
            ServicePoint.id, ServicePoint.name, ServicePoint.status, ServicePoint.village_code,
            func.ST_X(ServicePoint.location).label("lon"),
            func.ST_Y(ServicePoint.location).label("lat"),
        ).where(point_scope(user), ServicePoint.village_code.in_(codes)).order_by(ServicePoint.id)
    ).all() if codes else []
    alerts = db.session.scalars(
        select(RiskAlert).where(alert_scope(user, now))
        .order_by(RiskAlert.published_at.desc()).limit(50)
    ).all()
    # Open requests of her area (a snapshot, not under the cursor: their status changes).
    open_requests = db.session.execute(
        select(VillagerRequest.id, VillagerRequest.village_code, VillagerRequest.category,
               VillagerRequest.text, VillagerRequest.deadline, VillagerRequest.status,
               VillagerRequest.assignee_id)
        .where(request_scope(user), VillagerRequest.status.in_(("open", "assigned")))
        .order_by(VillagerRequest.deadline, VillagerRequest.id).limit(OPEN_REQUESTS_LIMIT)
    ).mappings().all()
    return {
        "cursor": rows[-1]["seq"] if rows else cursor,
        "has_more": has_more,
        "server_time": now,
        "channel": ROLE_CHANNEL[user.role],
        "villages": [
            {"code": v.code, "name": v.name, "county_code": v.county_code,
             "assigned": v.code in assigned,
             "boundary": json.loads(v.boundary) if v.boundary else None,
             "lon": v.lon, "lat": v.lat}
            for v in villages
        ],
        "points": [dict(p._mapping) for p in points],
        "alerts": alerts,
        "requests": [dict(r, overdue=r["deadline"] < today()) for r in open_requests],
        "records": [dict(r, status="accepted") for r in rows],
    }
