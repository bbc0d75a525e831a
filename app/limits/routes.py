"""Limit-rule views: anyone signed in reads them; regulators (within their region) and
admins add and end them."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.tokens import current_user, login_required
from app.limits import services
from app.limits.schemas import (
    EffectiveArgsSchema,
    EffectiveLimitsSchema,
    LimitCreateSchema,
    LimitEndSchema,
    LimitQueryArgsSchema,
    LimitRulePageSchema,
    LimitRuleSchema,
)

blp = Blueprint("limits", __name__, url_prefix="/api/v1/limits", description="限额配置 Limit rules")


@blp.route("")
class LimitRules(MethodView):
    @login_required()
    @blp.arguments(LimitQueryArgsSchema, location="query")
    @blp.response(200, LimitRulePageSchema)
    def get(self, args):
        """Limit rules, current and past; filter by day in force, region, bank, kind."""
        return services.list_rules(args)

    @login_required("limits.write")
    @blp.arguments(LimitCreateSchema)
    @blp.response(201, LimitRuleSchema)
    def post(self, data):
        """Add a rule for your region (or a narrower one), optionally for one bank."""
        return services.create_rule(current_user(), data)


@blp.route("/effective")
class EffectiveLimits(MethodView):
    @login_required()
    @blp.arguments(EffectiveArgsSchema, location="query")
    @blp.response(200, EffectiveLimitsSchema)
    def get(self, args):
        """The rules a point in your scope is checked against on a day."""
        return services.effective(current_user(), args)


@blp.route("/<int:rule_id>/end")
class EndLimitRule(MethodView):
    @login_required("limits.write")
    @blp.arguments(LimitEndSchema)
    @blp.response(200, LimitRuleSchema)
    def post(self, data, rule_id):
        """Set a rule's last day in force (default today); rules are never edited otherwise."""
        return services.end_rule(current_user(), rule_id, data)
