"""Offline sync: push/pull protocol for the keeper's transaction register."""


def register(api):
    """Register the sync blueprint, and the ledger views that read what sync writes."""
    from app.alerts import register as register_alerts
    from app.ledger import register as register_ledger
    from app.limits import register as register_limits
    from app.sync.routes import blp
    from app.sync.schemas import PushRecordSchema

    api.spec.components.schema("PushRecord", schema=PushRecordSchema)
    api.register_blueprint(blp)
    register_ledger(api)
    register_alerts(api)
    register_limits(api)
