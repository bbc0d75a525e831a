"""Bulk imports of service points from CSV, GeoJSON and GeoPackage."""


def register(api):
    """Register the import blueprints on the API."""
    from app.imports.routes import blp

    api.register_blueprint(blp)
