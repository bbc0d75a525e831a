"""The ledger as supervisors, regulators and admins see it: scoped lists of register
records (flagged ones first among their worries) and the daily rollups."""


def register(api):
    """Register the ledger blueprint on the API."""
    from app.ledger.routes import blp

    api.register_blueprint(blp)
