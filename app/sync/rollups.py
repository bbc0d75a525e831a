"""The rollups every ledger insert keeps, as SQL shared by the point push
(app/sync/services.py) and the field push (app/field/sync.py).

Each insert statement computes `by_day` (the delta of live records per business day:
+1 for a new record, -1 for a voided target) and ends with this tail, which adds the
delta to the village rollup (by channel and bank; `:bank_path` is the business's bank)
and to the per-card rollup behind the daily card cap, in the same statement.
"""

VILLAGE_AND_CARD_ROLLUPS = """
    village AS (
        INSERT INTO ledger_village_daily AS g
            (channel, day, village_code, kind, bank_path, county_code, count, amount_fen)
        SELECT channel, day, village_code, kind, coalesce(:bank_path, ''), min(county_code),
               sum(n), sum(amount)
        FROM by_day GROUP BY channel, day, village_code, kind
        ON CONFLICT (channel, day, village_code, kind, bank_path) DO UPDATE
        SET count = g.count + excluded.count, amount_fen = g.amount_fen + excluded.amount_fen
    ), card AS (
        INSERT INTO ledger_card_daily AS c
            (county_code, card_masked, day, kind, count, amount_fen)
        SELECT county_code, card_masked, day, kind, sum(n), sum(amount)
        FROM by_day WHERE card_masked IS NOT NULL
        GROUP BY county_code, card_masked, day, kind
        ON CONFLICT (county_code, card_masked, day, kind) DO UPDATE
        SET count = c.count + excluded.count, amount_fen = c.amount_fen + excluded.amount_fen
    )
    SELECT id::text FROM ins
"""
