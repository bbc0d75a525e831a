"""The registry of service points, terminals, people, banks and regions."""


def register(api):
    """Register the registry's blueprints on the API."""
    from app.registry.assignments.routes import blp as assignments
    from app.registry.banks.routes import blp as banks
    from app.registry.points.routes import blp as points
    from app.registry.regions.routes import blp as regions
    from app.registry.terminals.routes import blp as terminals
    from app.registry.users.routes import blp as users

    for blp in (regions, banks, points, terminals, users, assignments):
        api.register_blueprint(blp)
