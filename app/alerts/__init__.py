"""Risk alerts (风险提示, e.g. 反电诈 anti-fraud warnings): regulators publish them for
their region, every device in the region pulls them until they end."""


def register(api):
    """Register the risk-alert blueprint on the API."""
    from app.alerts.routes import blp

    api.register_blueprint(blp)
