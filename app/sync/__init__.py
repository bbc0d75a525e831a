"""Offline sync: push/pull protocol for the keeper's transaction register."""


def register(api):
    """Register the sync blueprints on the API."""
