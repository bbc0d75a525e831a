"""Demo business for Tongliao: the register as the seed's table counts it.

- at the points, 2024-01-01..2025-08-31: 1,105,300 transactions worth 626 million yuan
  (withdrawals, transfers, bill payments, balance inquiries) across every point but the
  demo keeper's;
- the Kailu rural commercial bank's volunteer team (mobile channel), 2024: 27,200
  transactions worth 79.1 million yuan, on 680 visits to Kailu's villages;
- grid workers' in-village business (grid channel), 2024: 87,000 transactions on 8,700
  visits to their assigned villages;
- at the points since, up to the day before loading: the same business at its daily rate,
  at six points in seven (the seventh went quiet);
- the demo keeper's point: a short, recent history, so her phone is not flooded;
- a risk alert of the Tongliao branch of the People's Bank, in force for 90 days, which
  every phone in Tongliao pulls.

Rows are made by the database itself (INSERT ... SELECT over generate_series, the bulk
path with no client round trip per row), deterministic (ids from md5), with amounts in
whole tens of yuan that add up exactly to the seed's totals: every record gets the
average, the remainder goes one ten-yuan step to the first records, and a circular
difference w(i) - w(i-1) spreads the amounts without changing their sum. The rollups
are then built in bulk, as the push would have kept them.
"""
from datetime import date, timedelta

from sqlalchemy import text

from app.extensions import db

POINT_RECORDS, POINT_YUAN = 1_105_300, 626_000_000
POINT_FROM, POINT_TO = date(2024, 1, 1), date(2025, 8, 31)
SINCE = POINT_TO + timedelta(days=1)
POINT_PER_DAY = POINT_RECORDS // ((POINT_TO - POINT_FROM).days + 1)
# SQL: the days from SINCE up to the day before loading (Beijing time).
DAYS_SINCE = f"((now() AT TIME ZONE 'Asia/Shanghai')::date - DATE '{SINCE}')"
MOBILE_RECORDS, MOBILE_YUAN, MOBILE_VISITS = 27_200, 79_100_000, 680
GRID_RECORDS, GRID_VISITS = 87_000, 8_700
KAILU = "150523"
TEN_YUAN = 1000  # fen

# Point kinds by g % 10: six withdrawals, a transfer, a bill payment, two inquiries.
POINT_KIND = ("CASE g % 10 WHEN 6 THEN 'transfer' WHEN 7 THEN 'bill_payment' "
              "WHEN 8 THEN 'balance_inquiry' WHEN 9 THEN 'balance_inquiry' ELSE 'withdrawal' END")
MONEY_PER_TEN = 8  # records of ten that carry an amount


def _spread(j, n, spread):
    """SQL: w(j) - w(j-1 mod n), a pseudo-random integer in [-spread, spread] that sums to
    zero over j = 0..n-1."""
    def w(x):
        return f"((({x}) * 2654435761) % 4294967296) % ({spread} + 1)"
    return f"({w(j)} - {w(f'(({j}) + {n} - 1) % {n}')})"


def _exact(j, n, total_yuan, spread):
    """SQL: the amount in fen of money record j of n so that all n add up to total_yuan."""
    units = total_yuan * 100 // TEN_YUAN
    base, extra = divmod(units, n)
    return f"(({base} + (({j}) < {extra})::int + {_spread(j, n, spread)}) * {TEN_YUAN})::bigint"


def _uuid(tag, g):
    return f"md5('{tag}-' || ({g}))::uuid"


def _point_business(tag, first_day, days, records, amount, quiet=False):
    """SQL: `records` transactions at the demo points (g = 0..records - 1, round the points
    in turn), spread over `days` days from first_day (both may be SQL), between 08:00 and
    20:00 Beijing time; `amount` is the fen of a money record, SQL in g. quiet: one point
    in seven (p.i % 7 = 0) has none."""
    return f"""
    INSERT INTO ledger_entries (id, point_id, channel, village_code, county_code, user_id,
        kind, amount_fen, card_masked, voucher_no, occurred_at, flags, body_hash)
    SELECT {_uuid(tag, 'g')}, p.id, 'point', p.village_code, p.county_code, p.keeper_id,
        t.kind,
        CASE WHEN t.kind = 'balance_inquiry' THEN 0 ELSE {amount} END,
        '622848******' || lpad(((g * 31) % 10000)::text, 4, '0'),
        lpad((g % 1000000)::text, 6, '0'),
        ((DATE '{first_day}' + (g % ({days}))::int) + TIME '08:00' + ((g * 7919) % 43200)
            * INTERVAL '1 second') AT TIME ZONE 'Asia/Shanghai',
        '{{}}', md5('{tag}-' || g) || md5('{tag}-body-' || g)
    FROM generate_series(0::bigint, ({records}) - 1) g
    JOIN demo_points p ON p.i = g % (SELECT count(*) FROM demo_points)
    CROSS JOIN LATERAL (SELECT {POINT_KIND} AS kind) t
    {"WHERE p.i % 7 <> 0" if quiet else ""}
    """


STATEMENTS = [
    # Tongliao's points, numbered; the demo keeper's point keeps only its recent history.
    """
    CREATE TEMP TABLE demo_points ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY p.id) - 1 AS i, p.id, p.village_code, p.county_code,
           -- Who logged it: the point's keeper account, else the demo keeper (the demo
           -- has accounts for one keeper only; the business stands for the banks' own).
           coalesce((SELECT min(u.id) FROM users u WHERE u.point_id = p.id),
                    (SELECT id FROM users WHERE username = 'demo-keeper')) AS keeper_id
    FROM service_points p
    WHERE p.county_code LIKE '1505%'
      AND p.id NOT IN (SELECT point_id FROM users WHERE username = 'demo-keeper'
                       AND point_id IS NOT NULL)
    """,
    _point_business("point", POINT_FROM, (POINT_TO - POINT_FROM).days + 1, POINT_RECORDS,
                    _exact(f"(g / 10) * {MONEY_PER_TEN} + g % 10",
                           POINT_RECORDS // 10 * MONEY_PER_TEN, POINT_YUAN, 40)),
    # Since the seed's table ends, day by day up to yesterday: the same business at its
    # daily rate, at six points in seven. The seventh went quiet when the table ends, so
    # the map's dormant points are the ones a supervisor would chase, and this year's
    # figures stand beside last year's.
    _point_business("since", SINCE, DAYS_SINCE, f"{DAYS_SINCE} * {POINT_PER_DAY}",
                    f"(5 + ((g * 2654435761) % 4294967296) % 131) * {TEN_YUAN}", quiet=True),
    # The Kailu rural commercial bank's volunteer team: one field agent of its branch.
    f"""
    INSERT INTO users (username, display_name, phone, role, org_id, county_code, active)
    SELECT 'kailu-volunteers', '开鲁农商银行志愿服务队', '13800000001', 'field_agent', o.id,
           '{KAILU}', true
    FROM organisations o WHERE o.short_name = '开鲁农商银行营业部'
    """,
    f"""
    CREATE TEMP TABLE demo_visits ON COMMIT DROP AS
    SELECT v, {_uuid('mobile-visit', 'v')} AS id, 'mobile'::text AS channel, u.id AS user_id,
           u.county_code, o.path AS bank_path, r.code AS village_code,
           ((DATE '2024-01-01' + (v * 366 / {MOBILE_VISITS})::int) + TIME '09:00')
               AT TIME ZONE 'Asia/Shanghai' AS started_at,
           {MOBILE_RECORDS // MOBILE_VISITS} AS records
    FROM generate_series(0::bigint, {MOBILE_VISITS - 1}) v
    JOIN users u ON u.username = 'kailu-volunteers'
    JOIN organisations o ON o.id = u.org_id
    JOIN (SELECT row_number() OVER (ORDER BY code) - 1 AS i, code FROM regions
          WHERE level = 'village' AND county_code = '{KAILU}') r
      ON r.i = v % (SELECT count(*) FROM regions
                    WHERE level = 'village' AND county_code = '{KAILU}')
    """,
    # Grid workers visit their assigned villages in turn.
    f"""
    INSERT INTO demo_visits
    SELECT v + {MOBILE_VISITS}, {_uuid('grid-visit', 'v')}, 'grid', a.user_id, a.county_code,
           coalesce(o.path, ''), a.village_code,
           ((DATE '2024-01-01' + (v * 366 / {GRID_VISITS})::int) + TIME '14:00')
               AT TIME ZONE 'Asia/Shanghai',
           {GRID_RECORDS // GRID_VISITS}
    FROM generate_series(0::bigint, {GRID_VISITS - 1}) v
    JOIN (SELECT row_number() OVER (ORDER BY ga.id) - 1 AS i, ga.user_id, ga.village_code,
                 ga.county_code
          FROM grid_assignments ga WHERE ga.county_code LIKE '1505%' AND ga.ends_on IS NULL) a
      ON a.i = v % (SELECT count(*) FROM grid_assignments
                    WHERE county_code LIKE '1505%' AND ends_on IS NULL)
    JOIN users u ON u.id = a.user_id
    LEFT JOIN organisations o ON o.id = u.org_id
    """,
    # The last weeks' rounds in the villages no point reaches (farther than the default
    # 3 km): two in three were visited within the coverage's 30 days, so the map shows
    # villages served by visits only beside the uncovered ones.
    f"""
    INSERT INTO demo_visits
    SELECT {MOBILE_VISITS + GRID_VISITS} + r.i, {_uuid('recent-visit', 'r.i')}, 'grid',
           a.user_id, a.county_code, coalesce(o.path, ''), a.village_code,
           date_trunc('day', now()) - (1 + r.i % 25) * INTERVAL '1 day' + INTERVAL '6 hours',
           3
    FROM (SELECT row_number() OVER (ORDER BY c.village_code) AS i, c.village_code
          FROM village_coverage c
          WHERE c.county_code LIKE '1505%' AND c.points_inside = 0
            AND (c.nearest_m IS NULL OR c.nearest_m > 3000)) r
    JOIN grid_assignments a ON a.village_code = r.village_code AND a.ends_on IS NULL
    JOIN users u ON u.id = a.user_id
    LEFT JOIN organisations o ON o.id = u.org_id
    WHERE r.i % 3 <> 0
    """,
    """
    INSERT INTO field_visits (id, user_id, channel, village_code, county_code, bank_path,
        started_at, ended_at, village_source, households, flags, body_hash)
    SELECT id, user_id, channel, village_code, county_code, nullif(bank_path, ''), started_at,
           started_at + INTERVAL '3 hours', 'picked', 5 + v % 20, '{}',
           md5('visit-' || id) || md5('visit-body-' || id)
    FROM demo_visits
    """,
    f"""
    INSERT INTO ledger_entries (id, point_id, channel, village_code, visit_id, county_code,
        user_id, kind, amount_fen, card_masked, voucher_no, occurred_at, flags, body_hash)
    SELECT md5(v.channel || '-record-' || (v.v * 100 + n))::uuid, NULL, v.channel, v.village_code,
        v.id, v.county_code, v.user_id,
        CASE WHEN v.channel = 'mobile'
             THEN (ARRAY['withdrawal', 'withdrawal', 'transfer', 'card_repayment',
                         'bill_payment'])[1 + (v.v + n) % 5]
             ELSE (ARRAY['withdrawal', 'withdrawal', 'bill_payment', 'cash_remittance',
                         'transfer'])[1 + (v.v + n) % 5] END,
        CASE WHEN v.channel = 'mobile'
             THEN {_exact(f'v.v * {MOBILE_RECORDS // MOBILE_VISITS} + n', MOBILE_RECORDS,
                          MOBILE_YUAN, 80)}
             ELSE ((((v.v * 7919 + n * 104729) % 181) + 20) * {TEN_YUAN})::bigint END,
        '621700******' || lpad(((v.v * 37 + n) % 10000)::text, 4, '0'),
        lpad(((v.v * 100 + n) % 1000000)::text, 6, '0'),
        v.started_at + n * INTERVAL '4 minutes', '{{}}',
        md5('field-' || v.id || n) || md5('field-body-' || v.id || n)
    FROM demo_visits v CROSS JOIN LATERAL generate_series(0::bigint, v.records - 1) n
    """,
    # The demo keeper's point: thirty records over the last days, logged at the shop. Three
    # carry the flags the sync would give them, so the register's 今日 list, the
    # supervisor's and the regulator's review queues have something to show: 105 yuan (not
    # a multiple of 10), a fix 5.5 km from the shop, and yesterday's second withdrawal of
    # 1,200 yuan on one card (over the 2,000 yuan a day per card).
    """
    INSERT INTO ledger_entries (id, point_id, channel, village_code, county_code, user_id,
        kind, amount_fen, card_masked, voucher_no, occurred_at, location, flags, body_hash)
    SELECT md5('keeper-' || g)::uuid, p.id, 'point', p.village_code, p.county_code, u.id,
        CASE WHEN g % 5 = 4 THEN 'balance_inquiry' WHEN g % 5 = 3 THEN 'transfer'
             ELSE 'withdrawal' END,
        CASE WHEN g % 5 = 4 THEN 0 WHEN g = 2 THEN 10500 WHEN g IN (11, 12) THEN 120000
             ELSE (10 + (g * 37) % 90) * 1000 END,
        CASE WHEN g IN (11, 12) THEN '622848******0611'
             ELSE '622848******' || lpad(((g * 53) % 10000)::text, 4, '0') END,
        lpad(g::text, 6, '0'),
        CASE WHEN g IN (11, 12)
             THEN (date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') - INTERVAL '14 hours'
                   + (g - 11) * INTERVAL '40 minutes') AT TIME ZONE 'Asia/Shanghai'
             ELSE now() - g * INTERVAL '5 hours 7 minutes' END,
        CASE WHEN g = 7 THEN ST_Translate(p.location, 0.068, 0) ELSE p.location END,
        CASE g WHEN 2 THEN '{not_multiple_of_10}' WHEN 7 THEN '{far_from_point}'
               WHEN 12 THEN '{over_daily_cap}' ELSE '{}' END::text[],
        md5('keeper-' || g) || md5('keeper-body-' || g)
    FROM generate_series(1, 30) g
    JOIN users u ON u.username = 'demo-keeper'
    JOIN service_points p ON p.id = u.point_id
    """,
    """
    INSERT INTO risk_alerts (title, body, region_prefix, published_by, published_at, expires_at)
    SELECT '警惕冒充客服退款诈骗',
           '有人自称电商客服，以“退款”“理赔”为由要求村民转账或提供验证码。请提醒村民：'
           || '先挂断电话，拨打银行官方客服核实，不向陌生账户转账。',
           '1505', o.id, now(), now() + INTERVAL '90 days'
    FROM organisations o WHERE o.kind = 'regulator' AND o.region_code = '150500000000'
    """,
    # The rollups, as the push keeps them (app/sync/services.py), built in bulk.
    """
    INSERT INTO ledger_daily (point_id, day, kind, county_code, count, amount_fen)
    SELECT point_id, (occurred_at AT TIME ZONE 'Asia/Shanghai')::date, kind, min(county_code),
           count(*), sum(amount_fen)
    FROM ledger_entries WHERE channel = 'point' GROUP BY 1, 2, 3
    """,
    "ALTER TABLE ledger_village_daily DISABLE TRIGGER ledger_village_monthly_roll",
    """
    INSERT INTO ledger_village_daily (channel, day, village_code, kind, bank_path, county_code,
        count, amount_fen)
    SELECT e.channel, (e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date, e.village_code,
           e.kind, coalesce(p.bank_path, v.bank_path, ''), min(e.county_code), count(*),
           sum(e.amount_fen)
    FROM ledger_entries e
    LEFT JOIN service_points p ON p.id = e.point_id
    LEFT JOIN field_visits v ON v.id = e.visit_id
    GROUP BY 1, 2, 3, 4, 5
    """,
    """
    INSERT INTO ledger_village_monthly (channel, month, village_code, kind, bank_path,
        county_code, count, amount_fen)
    SELECT channel, date_trunc('month', day)::date, village_code, kind, bank_path,
           min(county_code), sum(count), sum(amount_fen)
    FROM ledger_village_daily GROUP BY 1, 2, 3, 4, 5
    """,
    "ALTER TABLE ledger_village_daily ENABLE TRIGGER ledger_village_monthly_roll",
    """
    INSERT INTO ledger_card_daily (county_code, card_masked, day, kind, count, amount_fen)
    SELECT county_code, card_masked, (occurred_at AT TIME ZONE 'Asia/Shanghai')::date, kind,
           count(*), sum(amount_fen)
    FROM ledger_entries WHERE card_masked IS NOT NULL GROUP BY 1, 2, 3, 4
    """,
]


def load_business(report) -> None:
    """Generate the demo business and its rollups in one transaction."""
    import time

    started = time.perf_counter()
    for statement in STATEMENTS:
        db.session.execute(text(statement))
    db.session.commit()
    rows = db.session.execute(text("SELECT count(*) FROM ledger_entries")).scalar()
    report("ledger and rollups", rows, time.perf_counter() - started)
    db.session.execute(text("ANALYZE ledger_entries"))
    db.session.commit()
