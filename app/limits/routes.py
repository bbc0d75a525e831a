"""Limit-rule views: anyone signed in reads them; regulators (within their region) and
admins add and end them."""
from flask_smorest import Blueprint

from app.auth import tokens
from app.auth.tokens import current_user
from app.limits import services
from app.limits.schemas import (
    EffectiveArgsSchema,
    EffectiveLimitsSchema,
    LimitCreateSchema,
    LimitEndSchema,
    LimitRulePageSchema,
    LimitQueryArgsSchema,
    LimitRuleSchema,
)

blp = Blueprint("limits", __name__, url_prefix="/api/v1/limits", description="限额配置 Limit rules")


@blp.route("", methods=["GET"])
@tokens.login_required()
@blp.arguments(LimitQueryArgsSchema, location="query")
@blp.response(200, LimitRulePageSchema)
def list_rules(args):
    """Limit rules, current and past; filter by day in force, region, bank, kind."""
    return services.list_rules(args)


@blp.route("/effective", methods=["GET"])
@tokens.login_required()
@blp.arguments(EffectiveArgsSchema, location="query")
@blp.response(200, EffectiveLimitsSchema)
def effective(args):
    """The rules a point in your scope is checked against on a day."""
    return services.effective(current_user(), args)


@blp.route("", methods=["POST"])
@tokens.login_required("limits.write")
@blp.arguments(LimitCreateSchema)
@blp.response(201, LimitRuleSchema)
def create_rule(data):
    """Add a rule for your region (or a narrower one), optionally for one bank."""
    return services.create_rule(current_user(), data)


@blp.route("/<int:rule_id>/end", methods=["POST"])
@tokens.login_required("limits.write")
@blp.arguments(LimitEndSchema)
@blp.response(200, LimitRuleSchema)
def end_rule(data, rule_id):
    """Set a rule's last day in force (default today); rules are never edited otherwise."""
    return services.end_rule(current_user(), rule_id, data)
