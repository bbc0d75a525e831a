"""The registry of service points, terminals, people, banks and regions."""


def register(api):
    """Register the registry's blueprints on the API."""
