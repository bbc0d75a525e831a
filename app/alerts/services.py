"""Risk alerts: where a user may publish, which alerts she sees, and the audited changes.

An alert is in force from `published_at` until `expires_at` (open-ended when NULL).
Withdrawing one sets `expires_at` to now instead of deleting it, so what devices were
shown stays on record; the audit log says it was a withdrawal and why.
"""
from datetime import UTC, datetime

from sqlalchemy import and_, exists, false, func, not_, or_, select, true

from app.audit import record_change, snapshot
from app.auth.scope import region_prefix, village_scope
from app.extensions import db
from app.models import Region, RiskAlert
from app.registry.common import conflict, forbid, get_in_scope, paginate, reject

FIELDS = ("title", "body", "region_prefix", "published_by", "published_at", "expires_at")


def in_force(at):
    """Condition: the alert is published and has not ended at `at`."""
    return and_(
        RiskAlert.published_at <= at,
        or_(RiskAlert.expires_at.is_(None), RiskAlert.expires_at > at),
    )


def covers(code):
    """Condition: the alert's region holds `code` (a value or a column); '' is national."""
    return func.strpos(code, RiskAlert.region_prefix) == 1


def jurisdiction(user):
    """The region prefix a user may publish alerts and limits for: '' (national) for an
    admin, her PBoC branch's region for a regulator, None for everyone else."""
    if user.role == "admin":
        return ""
    if user.role == "regulator" and user.org is not None:
        return region_prefix(user.org.region_code)
    return None


def check_region(user, prefix, field="region_prefix"):
    """422 on `field` unless `prefix` is a known region inside the user's jurisdiction."""
    own = jurisdiction(user)
    if own is None or not prefix.startswith(own):
        reject(field, f"只能发布到本辖区 Only within your region ({own or '-'}) and narrower")
    if prefix and not db.session.scalar(select(exists().where(Region.prefix == prefix))):
        reject(field, f"未知地区 Unknown region: {prefix}")


def visible(user, now):
    """Condition: the alerts a user sees. Regulators see those that apply anywhere in
    their region (national ones too), with history; admins all. Everyone else sees the
    alerts in force for at least one village of her area (her point, her grid villages,
    her bank's points)."""
    if user.role == "admin":
        return true()
    if user.role == "regulator":
        own = jurisdiction(user)
        if own is None:
            return false()
        return or_(RiskAlert.region_prefix.startswith(own), covers(own))
    area = select(Region.code).where(
        Region.level == "village", village_scope(user, Region.code), covers(Region.code)
    )
    return and_(in_force(now), exists(area))


def list_alerts(user, args):
    now = datetime.now(UTC)
    stmt = select(RiskAlert).where(visible(user, now))
    if args.get("active") is not None:
        stmt = stmt.where(in_force(now) if args["active"] else not_(in_force(now)))
    order = (RiskAlert.published_at.desc(), RiskAlert.id.desc())
    return paginate(stmt, args["limit"], args["offset"], order)


def get_alert(user, alert_id, lock=False):
    return get_in_scope(RiskAlert, alert_id, visible(user, datetime.now(UTC)), lock=lock)


def publish(user, data):
    prefix = data.get("region_prefix", jurisdiction(user) or "")
    check_region(user, prefix)
    alert = RiskAlert(
        title=data["title"], body=data["body"], region_prefix=prefix,
        published_by=user.org_id, published_at=data.get("published_at") or datetime.now(UTC),
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
    own = jurisdiction(user)
    if own is None or not alert.region_prefix.startswith(own):
        forbid("只能撤回本辖区的风险提示 You may withdraw only alerts of your region")
    now = datetime.now(UTC)
    if alert.expires_at is not None and alert.expires_at <= now:
        conflict(f"该提示已于{alert.expires_at.isoformat()}结束 This alert has already ended")
    before = snapshot(alert, FIELDS)
    alert.expires_at = now
    record_change(user, "withdraw", "risk_alert", alert.id, before, snapshot(alert, FIELDS),
                  county_of(alert.region_prefix), data.get("reason"))
    db.session.commit()
    return alert



def county_of(prefix):
    """The county of a region prefix, for the audit row; None above county level."""
    return prefix[:6] if len(prefix) >= 6 else None
