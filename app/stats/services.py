"""Statistics from the village rollups (ledger_village_daily and _monthly).

Every figure is a sum over rollups kept at ingest (channel, day or month, village, kind,
bank), never a scan of the ledger: a region is a village-code prefix and a bank a
bank-path prefix. Whole months are read from the monthly rollup and only the partial
months at the ends of a range from the daily one, so a year for a city reads a few
thousand rows whatever the ledger's size (bench/stats.py measures it against a GROUP BY
over the ledger). The same range a year earlier is the same query with the dates moved.
"""
from datetime import date, timedelta

from sqlalchemy import func, select, union_all

from app.auth.scope import figures_region, require, rollup_scope
from app.core.exceptions import InvalidField
from app.coverage.services import region_figures
from app.exports.labels import KIND_NAMES
from app.extensions import db
from app.models import LedgerVillageDaily as D
from app.models import LedgerVillageMonthly as M
from app.models import Organisation, Region

# The next level down from a prefix of this length (city 4, county 6, township 9, village 12).
CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
PERIOD_LABEL = {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM",
                "quarter": 'YYYY-"Q"Q', "year": "YYYY"}
FINER_THAN_A_MONTH = ("day", "week")


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _month_after(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _daily(start, end):
    return select(D.channel, D.day, D.village_code, D.kind, D.bank_path, D.count,
                  D.amount_fen).where(D.day.between(start, end))


def rollup_rows(start: date, end: date, by_day=False):
    """Rollup rows covering the business days start..end: whole months from the monthly
    rollup (their `day` is the first of the month), the days before and after them from
    the daily one; all days when the grouping needs them (`by_day`)."""
    first = start if start.day == 1 else _month_after(start)    # first whole month
    after = _month_after(end) if _month_after(end) - timedelta(days=1) == end \
        else end.replace(day=1)                                 # first day after them
    if by_day or first >= after:
        return _daily(start, end).subquery("rollup")
    parts = [select(M.channel, M.month.label("day"), M.village_code, M.kind, M.bank_path,
                    M.count, M.amount_fen).where(M.month >= first, M.month < after)]
    if start < first:
        parts.append(_daily(start, first - timedelta(days=1)))
    if after <= end:
        parts.append(_daily(after, end))
    return union_all(*parts).subquery("rollup")


def _sums(rows, *columns):
    return (*columns, func.coalesce(func.sum(rows.c.count), 0).label("count"),
            func.coalesce(func.sum(rows.c.amount_fen), 0).label("amount_fen"))


def _where(user, rows, prefix):
    conditions = [rollup_scope(user, rows.c.village_code, rows.c.bank_path)]
    if prefix:
        conditions.append(rows.c.village_code.startswith(prefix))
    return conditions


def period_figures(user, prefix, start, end):
    rows = rollup_rows(start, end)
    by_kind = db.session.execute(
        select(*_sums(rows, rows.c.kind, rows.c.channel)).where(*_where(user, rows, prefix))
        .group_by(rows.c.kind, rows.c.channel).order_by(rows.c.kind, rows.c.channel)
    ).mappings().all()
    by_channel = {}
    for row in by_kind:
        line = by_channel.setdefault(row["channel"], {"channel": row["channel"], "count": 0,
                                                      "amount_fen": 0})
        line["count"] += row["count"]
        line["amount_fen"] += row["amount_fen"]
    return {
        "date_from": start, "date_to": end,
        "totals": {"count": sum(r["count"] for r in by_kind),
                   "amount_fen": sum(r["amount_fen"] for r in by_kind)},
        "by_channel": sorted(by_channel.values(), key=lambda r: r["channel"]),
        "by_kind": [dict(r) for r in by_kind],
    }


def _group_key(rows, group_by, prefix, period):
    if group_by == "kind":
        return rows.c.kind
    if group_by == "region_level":
        length = CHILD_LENGTH.get(len(prefix))
        if length is None:
            raise InvalidField("group_by", "村没有下级区划 A village has no lower level")
        return func.left(rows.c.village_code, length)
    if group_by == "bank":
        # The head office: the first id of the bank path ('/3/17/' -> '3').
        return func.split_part(rows.c.bank_path, "/", 2)
    return func.to_char(func.date_trunc(period, rows.c.day), PERIOD_LABEL[period])


def _names(group_by, keys):
    if group_by == "kind":
        return {k: KIND_NAMES.get(k, k) for k in keys}
    if group_by == "region_level":
        codes = {k.ljust(12, "0"): k for k in keys}
        rows = db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
        return {codes[code]: name for code, name in rows}
    if group_by == "bank":
        ids = [int(k) for k in keys if k.isdigit()]
        rows = db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
        names = {str(i): name for i, name in rows}
        names[""] = "无所属机构 No organisation"
        return names
    return {k: k for k in keys}


def grouped(user, prefix, start, end, groupings, period):
    """Counts and amounts per group (one or two groupings), kind and channel."""
    rows = rollup_rows(start, end, by_day="period" in groupings and period in FINER_THAN_A_MONTH)
    keys = [_group_key(rows, g, prefix, period).label(f"key{n}") for n, g in enumerate(groupings)]
    result = db.session.execute(
        select(*_sums(rows, *keys, rows.c.kind, rows.c.channel)).where(*_where(user, rows, prefix))
        .group_by(*keys, rows.c.kind, rows.c.channel).order_by(*keys, rows.c.kind, rows.c.channel)
    ).mappings().all()
    names = [_names(g, {r[f"key{n}"] for r in result}) for n, g in enumerate(groupings)]
    groups = []
    for r in result:
        item = {"key": r["key0"], "name": names[0].get(r["key0"]), "kind": r["kind"],
                "channel": r["channel"], "count": r["count"], "amount_fen": r["amount_fen"]}
        if len(groupings) == 2:
            item.update(key2=r["key1"], name2=names[1].get(r["key1"]))
        groups.append(item)
    return groups


def statistics(user, args):
    """Counts and amounts by kind and channel for a region and a range of business
    days, grouped as asked, beside the same range a year earlier and the region's
    coverage."""
    require(user, "stats.read")
    prefix = figures_region(user, args.get("region"))
    start, end = args["date_from"], args["date_to"]
    # Also refuses an unknown region, and names the region.
    coverage = region_figures(user, {"region": prefix})
    return {
        **period_figures(user, prefix, start, end),
        "region": prefix,
        "region_name": coverage["name"],  # the region's name, or 全国 National
        "group_by": args["group_by"],
        "period": args["period"],
        "groups": grouped(user, prefix, start, end, args["group_by"], args["period"]),
        "previous_year": period_figures(user, prefix, year_before(start), year_before(end)),
        "coverage": {k: coverage[k] for k in ("points", "villages", "covered_villages",
                                              "coverage_rate")},
    }
