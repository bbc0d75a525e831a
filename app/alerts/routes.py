"""Risk-alert views: everyone signed in reads her area's alerts; regulators (within their
region) and admins publish and withdraw."""
from flask_smorest import Blueprint

from app.alerts import services
from app.alerts.schemas import (
    AlertCreateSchema,
    RiskAlertPageSchema,
    AlertQueryArgsSchema,
    RiskAlertSchema,
    AlertWithdrawSchema,
)
from app.auth import tokens
from app.auth.tokens import current_user

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="风险提示 Risk alerts")


@blp.route("", methods=["GET"])
@tokens.login_required()
@blp.arguments(AlertQueryArgsSchema, location="query")
@blp.response(200, RiskAlertPageSchema)
def list_alerts(args):
    """Alerts for your area, newest first; `active=true` for those in force now."""
    return services.list_alerts(current_user(), args)


@blp.route("", methods=["POST"])
@tokens.login_required("alerts.publish")
@blp.arguments(AlertCreateSchema)
@blp.response(201, RiskAlertSchema)
def publish(data):
    """Publish an alert for your region or a narrower one."""
    return services.publish(current_user(), data)


@blp.route("/<int:alert_id>", methods=["GET"])
@tokens.login_required()
@blp.response(200, RiskAlertSchema)
def get_alert(alert_id):
    """One alert you may see."""
    return services.get_alert(current_user(), alert_id)


@blp.route("/<int:alert_id>/withdraw", methods=["POST"])
@tokens.login_required("alerts.publish")
@blp.arguments(AlertWithdrawSchema)
@blp.response(200, RiskAlertSchema)
def withdraw(data, alert_id):
    """End an alert of your region now; devices stop showing it on their next pull."""
    return services.withdraw(current_user(), alert_id, data)
