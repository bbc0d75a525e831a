"""`flask registry import`: load a bank's service points from a file."""
from pathlib import Path

import click
from flask.cli import AppGroup

from app.imports import readers, services
from app.imports.coords import CRS_NAMES

registry_cli = AppGroup("registry", help="登记簿 Registry maintenance")


@registry_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(readers.FORMATS),
              help="File format; taken from the file name when omitted")
@click.option("--crs", type=click.Choice(tuple(CRS_NAMES)), default="wgs84", show_default=True,
              help="Coordinate system of the file (gcj02: Amap/Tencent, bd09: Baidu)")
@click.option("--bank", "bank_id", type=int, required=True, help="Id of the owning bank org")
def import_points(file, fmt, crs, bank_id):
    """Import service points from FILE: every row, or none if any row is bad."""
    fmt = fmt or readers.detect_format(file.name)
    if fmt is None:
        raise click.UsageError("give --format csv|geojson|gpkg")
    bank = services.find_bank(bank_id, None)
    if bank is None:
        raise click.ClickException(f"没有这家银行 No bank with id {bank_id}")
    try:
        result = services.import_service_points(file.read_bytes(), file.name, fmt, crs, bank)
    except readers.ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    except services.ImportRejected as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"{len({e.number for e in exc.errors})} of {exc.rows} rows are bad; "
            "nothing imported 未导入任何记录") from None
    click.echo(f"导入 Imported {result['imported']} service points and {result['terminals']} "
               f"terminals into {bank.name} (crs {crs}, audit event {result['audit_event_id']})")
