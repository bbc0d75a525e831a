"""Limit rules (限额配置): per-kind limits by region and bank, with dates. They are
history: a rule is ended (valid_to) and a new one added, never edited in place."""


def register(api):
    """Register the limit-rule blueprint on the API."""
    from app.limits.routes import blp

    api.register_blueprint(blp)
