"""`flask demo load`: Tongliao at its real size, or the national size for benchmarks."""
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.auth.tokens import hash_password
from app.demo import bulk
from app.demo.business import load_business
from app.demo.fieldwork import load_fieldwork
from app.demo.build import DEMO_USERNAMES, DemoBuilder, national_scale, tongliao_scale

demo_cli = AppGroup("demo", help="演示数据 Demo data")


@demo_cli.command("load")
@click.option("--scale", type=click.Choice(["tongliao", "national"]), default="tongliao",
              show_default=True, help="tongliao: 2,093 villages, 1,539 points; "
              "national: 522,000 villages, 864,900 points")
@click.option("--if-empty", is_flag=True, help="Do nothing when service points exist")
@click.option("--reset", is_flag=True, help="Empty the registry tables first (destroys data)")
def load(scale, if_empty, reset):
    """Load demo data (演示数据) into an empty registry."""
    counts = bulk.registry_counts()
    if if_empty and counts["service_points"]:
        click.echo(f"已有数据，跳过 Registry has {counts['service_points']:,} service points; "
                   "demo data not loaded.")
        return
    if reset:
        started = time.perf_counter()
        bulk.reset_registry()
        click.echo(f"registry emptied in {time.perf_counter() - started:.1f} s")
    elif any(counts.values()):
        raise click.ClickException(
            "数据库非空 The registry is not empty ("
            + ", ".join(f"{t} {n:,}" for t, n in counts.items() if n)
            + "); use --reset to replace it or --if-empty to skip."
        )
    load_scale(scale, echo=click.echo)


def load_scale(scale_name: str, echo=print, business=True):
    """Generate and COPY one scale (Tongliao with its business and field work unless
    `business` is false); prints each phase's time."""
    started = time.perf_counter()
    scale = tongliao_scale() if scale_name == "tongliao" else national_scale()
    villages, points, workers = scale.totals
    echo(f"{scale_name}: {len(scale.counties):,} counties, {villages:,} villages, "
         f"{points:,} service points, {workers:,} grid workers")

    password = current_app.config.get("DEMO_PASSWORD")
    if not password:
        # Production has no demo password of its own (app/config.py): demo accounts
        # there need one chosen on purpose, never the published one.
        raise click.ClickException("DEMO_PASSWORD is not set: choose the demo accounts' password")
    builder = DemoBuilder(scale, hash_password(password))
    phase = time.perf_counter()
    built = builder.build()
    echo(f"  generate        {time.perf_counter() - phase:7.1f} s  "
         + ", ".join(f"{t} {n:,}" for t, n in built.counts.items()))

    def report(what, count, seconds):
        rate = f"  ({count / seconds:,.0f} rows/s)" if count and seconds > 0 else ""
        echo(f"  {what:<22}{seconds:6.1f} s{rate}")

    bulk.copy_all(built.spools, report)
    if business and scale_name == "tongliao":
        load_business(report)
        counts = load_fieldwork(report)
        echo("  field work: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    echo(f"done in {time.perf_counter() - started:.1f} s. 演示账号 Demo accounts: "
         + ", ".join(DEMO_USERNAMES) + f" (password: {password})")
