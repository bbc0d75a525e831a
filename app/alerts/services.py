"""Risk alerts: where a user may publish, which alerts she sees, and the audited changes.

An alert is in force from `published_at` until `expires_at` (open-ended when NULL).
Withdrawing one sets `expires_at` to now instead of deleting it, so what devices were
shown stays on record; the audit log says it was a withdrawal and why.
"""
from sqlalchemy import not_, select

from app.audit import record_change, snapshot
from app.auth.scope import alert_in_force, alert_scope, may, within_jurisdiction
from app.core.clock import now_utc
from app.core.exceptions import Conflict, Forbidden
from app.core.lookup import get_in_scope
from app.core.paging import paginate
from app.extensions import db
from app.field import acks
from app.models import RiskAlert
from app.registry.regions.services import county_of, publishing_region

FIELDS = ("title", "body", "region_prefix", "published_by", "published_at", "expires_at")


def list_alerts(user, args):
    now = now_utc()
    stmt = select(RiskAlert).where(alert_scope(user, now))
    if args.get("active") is not None:
        in_force = alert_in_force(now)
        stmt = stmt.where(in_force if args["active"] else not_(in_force))
    order = (RiskAlert.published_at.desc(), RiskAlert.id.desc())
    return paginate(stmt, args, order)


def get_alert(user, alert_id, lock=False):
    return get_in_scope(RiskAlert, alert_id, alert_scope(user, now_utc()), lock=lock)


def alert_detail(user, alert_id):
    """One alert as GET /api/v1/alerts/<id> answers it: for a publisher with her
    acknowledgement summary, for everyone else the alert alone."""
    alert = get_alert(user, alert_id)
    if not may(user, "alerts.publish"):
        return alert
    return {**{name: getattr(alert, name) for name in ("id", *FIELDS)},
            "acknowledgements": acks.summary(user, alert.id)}


def publish(user, data):
    prefix = publishing_region(user, data)
    alert = RiskAlert(
        title=data["title"], body=data["body"], region_prefix=prefix,
        published_by=user.org_id, published_at=data.get("published_at") or now_utc(),
        expires_at=data.get("expires_at"),
    )
    db.session.add(alert)
    db.session.flush()
    record_change(user, "publish", "risk_alert", alert.id, None, snapshot(alert, FIELDS), county_of(prefix))
    db.session.commit()
    return alert


def withdraw(user, alert_id, data):
    """End an alert now. A regulator sees national alerts but withdraws only her own
    region's: that is a 403, not a 404, since the alert is visible to her."""
    alert = get_alert(user, alert_id, lock=True)
    if not within_jurisdiction(user, alert.region_prefix):
        raise Forbidden("只能撤回本辖区的风险提示 You may withdraw only alerts of your region")
    now = now_utc()
    if alert.expires_at is not None and alert.expires_at <= now:
        raise Conflict(f"该提示已于{alert.expires_at.isoformat()}结束 This alert has already ended")
    before = snapshot(alert, FIELDS)
    alert.expires_at = now
    record_change(user, "withdraw", "risk_alert", alert.id, before, snapshot(alert, FIELDS),
                  county_of(alert.region_prefix), data.get("reason"))
    db.session.commit()
    return alert

