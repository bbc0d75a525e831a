"""Limit rules: the list, the rules in force for a point, and the audited changes.

Which rule wins for a point is decided in one place, app/sync/rules.py (the same code
flags pushed records), so what this API shows is what the ledger is checked against.
"""
from sqlalchemy import func, or_, select, true

from app.audit import record_change, snapshot
from app.auth.scope import within_jurisdiction
from app.core.clock import today
from app.core.exceptions import Conflict, Forbidden, InvalidField
from app.core.lookup import get_in_scope
from app.core.paging import paginate
from app.extensions import db
from app.models import LimitRule, Organisation
from app.registry.points.services import get_point
from app.registry.regions.services import county_of, publishing_region
from app.sync.rules import RuleBook, rules_for_point

FIELDS = ("kind", "region_prefix", "bank_id", "min_fen", "multiple_of_fen",
          "per_card_daily_fen", "valid_from", "valid_to", "source")


def list_rules(args):
    stmt = select(LimitRule)
    if day := args.get("in_force_on"):
        stmt = stmt.where(
            LimitRule.valid_from <= day,
            or_(LimitRule.valid_to.is_(None), LimitRule.valid_to >= day),
        )
    if "region" in args:
        region = args["region"]
        stmt = stmt.where(
            or_(LimitRule.region_prefix.startswith(region),
                func.strpos(region, LimitRule.region_prefix) == 1)
        )
    if "bank" in args:
        stmt = stmt.where(LimitRule.bank_id == args["bank"])
    if "kind" in args:
        stmt = stmt.where(LimitRule.kind == args["kind"])
    # Per kind, broadest first, as the rules stack: national, region, bank; newest first.
    order = (LimitRule.kind, func.length(LimitRule.region_prefix),
             LimitRule.bank_id.nulls_first(), LimitRule.valid_from.desc(), LimitRule.id.desc())
    return paginate(stmt, args, order)


def effective(user, args):
    """The winning rule per kind for a point in the user's scope (404 otherwise)."""
    point = get_point(user, args["point_id"])
    day = args.get("on") or today()
    limits = RuleBook(rules_for_point(point)).in_force(day)
    return {"point_id": point.id, "on": day, "limits": limits}


def create_rule(user, data):
    prefix = publishing_region(user, data)
    if data.get("bank_id") is not None:
        bank = db.session.get(Organisation, data["bank_id"])
        if bank is None or not bank.is_bank:
            raise InvalidField("bank_id", "不是银行机构 Not a bank organisation")
    rule = LimitRule(region_prefix=prefix, **data)
    db.session.add(rule)
    db.session.flush()
    record_change(user, "create", "limit_rule", rule.id, None, snapshot(rule, FIELDS), county_of(prefix))
    db.session.commit()
    return rule


def end_rule(user, rule_id, data):
    """Set a rule's last day. It may be brought forward, never pushed back or reopened:
    a later end is a new rule."""
    rule = get_in_scope(LimitRule, rule_id, true(), lock=True)
    if not within_jurisdiction(user, rule.region_prefix):
        raise Forbidden("只能结束本辖区的限额规则 You may end only rules of your region")
    valid_to = data.get("valid_to") or today()
    if rule.valid_to is not None and rule.valid_to <= valid_to:
        raise Conflict(f"该规则已于{rule.valid_to}结束 This rule already ends on {rule.valid_to}")
    if valid_to < rule.valid_from:
        raise InvalidField("valid_to", f"早于开始日期{rule.valid_from} Before the rule's start {rule.valid_from}")
    before = snapshot(rule, FIELDS)
    rule.valid_to = valid_to
    record_change(user, "end", "limit_rule", rule.id, before, snapshot(rule, FIELDS),
                  county_of(rule.region_prefix), data.get("reason"))
    db.session.commit()
    return rule

