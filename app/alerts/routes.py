"""Risk-alert views: everyone signed in reads her area's alerts; regulators (within their
region) and admins publish and withdraw."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.alerts import services
from app.alerts.schemas import (
    AlertCreateSchema,
    AlertQueryArgsSchema,
    AlertWithdrawSchema,
    RiskAlertDetailSchema,
    RiskAlertPageSchema,
    RiskAlertSchema,
)
from app.auth.tokens import current_user, login_required

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="风险提示 Risk alerts")


@blp.route("")
class Alerts(MethodView):
    @login_required()
    @blp.arguments(AlertQueryArgsSchema, location="query")
    @blp.response(200, RiskAlertPageSchema)
    def get(self, args):
        """Alerts for your area, newest first; `active=true` for those in force now."""
        return services.list_alerts(current_user(), args)

    @login_required("alerts.publish")
    @blp.arguments(AlertCreateSchema)
    @blp.response(201, RiskAlertSchema)
    def post(self, data):
        """Publish an alert for your region or a narrower one."""
        return services.publish(current_user(), data)


@blp.route("/<int:alert_id>")
class AlertById(MethodView):
    @login_required()
    @blp.response(200, RiskAlertDetailSchema)
    def get(self, alert_id):
        """One alert you may see. Those who may publish alerts also get `acknowledgements`:
        how many in its region acknowledged it, the rate by child region, and who has not yet
        (as GET /api/v1/alerts/{alert_id}/acks)."""
        return services.alert_detail(current_user(), alert_id)


@blp.route("/<int:alert_id>/withdraw")
class WithdrawAlert(MethodView):
    @login_required("alerts.publish")
    @blp.arguments(AlertWithdrawSchema)
    @blp.response(200, RiskAlertSchema)
    def post(self, data, alert_id):
        """End an alert of your region now; devices stop showing it on their next pull."""
        return services.withdraw(current_user(), alert_id, data)
