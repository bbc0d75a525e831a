"""`flask coverage refresh`: recompute every village's coverage on every core."""
import os

import click
from flask.cli import AppGroup

coverage_cli = AppGroup("coverage", help="覆盖分析 Village coverage")


@coverage_cli.command("refresh")
@click.option("--jobs", type=int, default=lambda: os.cpu_count() or 1, show_default="the CPU count",
              help="Connections working side by side")
def refresh(jobs):
    """Recompute the coverage of every village (the triggers keep it current otherwise)."""
    from app.coverage.refresh import refresh_all
    from app.extensions import db

    villages, changed, seconds = refresh_all(db.engine, jobs)
    click.echo(f"{villages:,} villages recomputed in {seconds:.1f} s on {jobs} connections; "
               f"{changed:,} rows changed")


@coverage_cli.command("tiles")
@click.option("--user", "username", default="admin", show_default=True,
              help="Whose scope (an admin's is the whole country)")
@click.option("--max-zoom", type=click.IntRange(0, 8), default=6, show_default=True)
@click.option("--jobs", type=int, default=lambda: os.cpu_count() or 1, show_default="the CPU count")
def tiles(username, max_zoom, jobs):
    """Make the low-zoom map tiles of a user's scope ahead of their first request."""
    import time

    from sqlalchemy import select

    from app.coverage.tiles import prebuild
    from app.extensions import db
    from app.models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No such user: {username}")
    started = time.perf_counter()
    count = prebuild(user, max_zoom, jobs=jobs)
    click.echo(f"{count:,} tiles (zoom 0-{max_zoom}, both layers) made and stored in "
               f"{time.perf_counter() - started:.1f} s on {jobs} connections")
