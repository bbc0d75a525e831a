"""The statistics as tables for CSV and XLSX: the same figures GET /api/v1/stats
answers, with words for codes and yuan for fen."""
from app.auth.scope import describe
from app.core.clock import SHANGHAI, now_utc
from app.exports.labels import CHANNEL_NAMES, KIND_NAMES
from app.exports.tables import Table
from app.stats import services

GROUP_NAMES = {"region_level": "下级地区", "bank": "银行（总行）", "period": "期间", "kind": "业务类型"}


def _kind(code):
    return KIND_NAMES.get(code, code)


def _channel(code):
    return CHANNEL_NAMES.get(code, code)


def tables(figures) -> list[Table]:
    previous = {(r["kind"], r["channel"]): r for r in figures["previous_year"]["by_kind"]}
    summary = Table("汇总", ["业务类型", "渠道", "笔数", "金额（元）", "上年同期笔数", "上年同期金额（元）"])
    keys = sorted({(r["kind"], r["channel"]) for r in figures["by_kind"]} | set(previous))
    current = {(r["kind"], r["channel"]): r for r in figures["by_kind"]}
    for kind, channel in keys:
        now, before = current.get((kind, channel), {}), previous.get((kind, channel), {})
        summary.rows.append([_kind(kind), _channel(channel), now.get("count", 0),
                             now.get("amount_fen", 0), before.get("count", 0),
                             before.get("amount_fen", 0)])
    totals, before = figures["totals"], figures["previous_year"]["totals"]
    summary.rows.append(["合计", "", totals["count"], totals["amount_fen"],
                         before["count"], before["amount_fen"]])
    names = [GROUP_NAMES[g] for g in figures["group_by"]]
    headings = [h for name in names for h in (f"{name}代码", name)]
    groups = Table("按" + "和".join(names), headings + ["业务类型", "渠道", "笔数", "金额（元）"])
    for r in figures["groups"]:
        keys = [r["key"], r["name"]] + ([r["key2"], r["name2"]] if "key2" in r else [])
        groups.rows.append(keys + [_kind(r["kind"]), _channel(r["channel"]), r["count"],
                                   r["amount_fen"]])
    cov = figures["coverage"]
    coverage = Table("覆盖", ["服务点数", "行政村数", "已覆盖行政村数", "覆盖率"])
    coverage.rows = [[cov["points"], cov["villages"], cov["covered_villages"], cov["coverage_rate"]]]
    return [summary, groups, coverage]


def about(user, args, figures) -> list[tuple[str, str]]:
    return [
        ("地区", f"{figures['region_name']}（{figures['region'] or '全国'}）"),
        ("业务日期", f"{args['date_from']} 至 {args['date_to']}（北京时间）"),
        ("上年同期", f"{figures['previous_year']['date_from']} 至 {figures['previous_year']['date_to']}"),
        ("分组", "、".join(GROUP_NAMES[g] for g in args["group_by"])
         + (f"（期间：{args['period']}）" if "period" in args["group_by"] else "")),
        ("导出人", f"{user.display_name}（{user.username}）"),
        ("数据范围", describe(user)),
        ("导出时间", now_utc().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S（北京时间）")),
        ("说明", "数据来自入库时维护的日汇总表；冲正记录不计入；金额单位为元。"),
    ]


def export(user, args):
    """The figures, the tables and the about lines of one statistics export."""
    figures = services.statistics(user, args)
    return tables(figures), about(user, args, figures)
