import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="演示数据 Demo data")


@demo_cli.command("load")
@click.option("--scale", type=click.Choice(["tongliao", "national"]), default="tongliao")
@click.option("--if-empty", is_flag=True, help="Do nothing when service points exist")
def load(scale, if_empty):
    """Load demo data."""
    raise click.ClickException("not built yet")
