"""Statistics from the village rollup (ledger_village_daily).

Every figure is a sum over the rollup kept at ingest (channel, day, village, kind,
bank), never a scan of the ledger: a region is a village-code prefix and a bank a
bank-path prefix, both leading columns of an index range. The same period a year
earlier is the same query with the dates moved back.
"""
from datetime import date

from sqlalchemy import func, literal, select

from app.auth.scope import jurisdiction, require, rollup_scope, within_jurisdiction
from app.core.exceptions import Forbidden, InvalidField
from app.coverage.services import region_figures
from app.exports.labels import KIND_NAMES
from app.extensions import db
from app.models import LedgerVillageDaily as R
from app.models import Organisation, Region

# The next level down from a prefix of this length (city 4, county 6, township 9, village 12).
CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
PERIOD_LABEL = {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM",
                "quarter": 'YYYY-"Q"Q', "year": "YYYY"}


def region_of(user, prefix):
    """The prefix the figures are for: the one asked (a regulator only within her
    region), else the user's whole scope ('' national; a regulator her region)."""
    own = jurisdiction(user)
    if prefix is None:
        return own if user.role == "regulator" and own is not None else ""
    if user.role == "regulator" and not within_jurisdiction(user, prefix):
        raise Forbidden("该地区不在您的辖区内 The region is outside your jurisdiction",
                        code="region_out_of_scope")
    return prefix


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _where(user, prefix, start, end):
    conditions = [rollup_scope(user, R.village_code, R.bank_path), R.day.between(start, end)]
    if prefix:
        conditions.append(R.village_code.startswith(prefix))
    return conditions


def _sums(*columns):
    return (*columns, func.coalesce(func.sum(R.count), 0).label("count"),
            func.coalesce(func.sum(R.amount_fen), 0).label("amount_fen"))


def period_figures(user, prefix, start, end):
    where = _where(user, prefix, start, end)
    by_kind = db.session.execute(
        select(*_sums(R.kind, R.channel)).where(*where)
        .group_by(R.kind, R.channel).order_by(R.kind, R.channel)
    ).mappings().all()
    by_channel = {}
    for row in by_kind:
        line = by_channel.setdefault(row["channel"], {"channel": row["channel"], "count": 0, "amount_fen": 0})
        line["count"] += row["count"]
        line["amount_fen"] += row["amount_fen"]
    return {
        "date_from": start, "date_to": end,
        "totals": {"count": sum(r["count"] for r in by_kind),
                   "amount_fen": sum(r["amount_fen"] for r in by_kind)},
        "by_channel": sorted(by_channel.values(), key=lambda r: r["channel"]),
        "by_kind": [dict(r) for r in by_kind],
    }


def _group_key(group_by, prefix, period):
    if group_by == "kind":
        return R.kind
    if group_by == "region_level":
        length = CHILD_LENGTH.get(len(prefix))
        if length is None:
            raise InvalidField("group_by", "村没有下级区划 A village has no lower level")
        return func.left(R.village_code, length)
    if group_by == "bank":
        # The head office: the first id of the bank path ('/3/17/' -> '3').
        return func.split_part(R.bank_path, "/", 2)
    return func.to_char(func.date_trunc(period, R.day), PERIOD_LABEL[period])


def _names(group_by, keys):
    if group_by == "kind":
        return {k: KIND_NAMES.get(k, k) for k in keys}
    if group_by == "region_level":
        codes = {k.ljust(12, "0"): k for k in keys}
        rows = db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
        return {codes[code]: name for code, name in rows}
    if group_by == "bank":
        ids = [int(k) for k in keys if k.isdigit()]
        rows = db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
        names = {str(i): name for i, name in rows}
        names[""] = "无所属机构 No organisation"
        return names
    return {k: k for k in keys}


def statistics(user, args):
    """Counts and amounts by kind and channel for a region and a range of business
    days, grouped as asked, beside the same range a year earlier and the region's
    coverage."""
    require(user, "stats.read")
    prefix = region_of(user, args.get("region"))
    start, end = args["date_from"], args["date_to"]
    group_by, period = args["group_by"], args["period"]
    key = _group_key(group_by, prefix, period).label("key")
    rows = db.session.execute(
        select(*_sums(key, R.kind, R.channel)).where(*_where(user, prefix, start, end))
        .group_by(key, R.kind, R.channel).order_by(key, R.kind, R.channel)
    ).mappings().all()
    names = _names(group_by, {r["key"] for r in rows})
    coverage = region_figures(user, {"region": prefix})
    region = db.session.scalar(select(Region.name).where(Region.code == prefix.ljust(12, "0"))) \
        if prefix else None
    return {
        **period_figures(user, prefix, start, end),
        "region": prefix,
        "region_name": region or "全国 National",
        "group_by": group_by,
        "period": period,
        "groups": [dict(r, name=names.get(r["key"])) for r in rows],
        "previous_year": period_figures(user, prefix, year_before(start), year_before(end)),
        "coverage": {k: coverage[k] for k in ("points", "villages", "covered_villages", "coverage_rate")},
    }
