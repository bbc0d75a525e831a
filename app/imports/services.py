"""Importing service points from a file: all rows or none.

Every row is checked first (its own values, then against the registry: the village
exists, the terminal codes are free) and every problem is reported with its line or
feature number. Only a file without a single bad row is inserted, in one transaction,
with one audit event, so a file is never half-imported.
"""
from dataclasses import dataclass

from marshmallow import ValidationError
from sqlalchemy import insert, select, tuple_

from app.audit import record_change
from app.auth.scope import bank_for_write
from app.core import geo
from app.core.clock import today
from app.core.exceptions import InvalidField, InvalidFields, TooLarge
from app.extensions import db
from app.imports import readers
from app.imports.coords import to_wgs84
from app.imports.rows import flatten, row_schema
from app.models import Organisation, Region, ServicePoint, Terminal

REQUIRED_CSV_COLUMNS = ("name", "shop_name", "keeper_name", "village_code", "lon", "lat",
                        "services")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000  # per file through the API (config: IMPORT_MAX_ROWS)


@dataclass(frozen=True)
class RowError:
    number: int
    field: str
    reason: str
    unit: str = "line"

    def __str__(self):
        return f"{self.unit} {self.number}: {self.field}: {self.reason}"


class ImportRejected(Exception):
    """Some rows are bad; nothing was imported."""

    def __init__(self, errors: list[RowError], rows: int):
        super().__init__(f"{len(errors)} problems in {rows} rows")
        self.errors, self.rows = errors, rows


class ImportTooLarge(readers.ImportFileError):
    pass


def find_bank(bank_id: int, user) -> Organisation | None:
    """The bank the points will belong to, if the importing user may register points for
    it (app.auth.scope.bank_for_write). `user` None is the command line: any bank."""
    org = db.session.get(Organisation, bank_id)
    if org is None or not org.is_bank:
        return None
    if user is None or bank_for_write(user, org):
        return org
    return None


def import_service_points(data: bytes, file_name: str, fmt: str, crs: str, bank, actor=None,
                          max_rows: int | None = None, dry_run: bool = False) -> dict:
    """Validate the whole file, then insert every row; raises ImportRejected (nothing
    imported) or readers.ImportFileError (file unreadable)."""
    if len(data) > MAX_BYTES:
        raise ImportTooLarge(f"文件过大 File larger than {MAX_BYTES // 2**20} MB")
    raw_rows = readers.read(data, fmt)
    if not raw_rows:
        raise readers.ImportFileError("文件没有数据行 The file has no rows")
    if max_rows and len(raw_rows) > max_rows:
        raise ImportTooLarge(f"行数过多 {len(raw_rows):,} rows; at most {max_rows:,} per file")
    if fmt == "csv":
        missing = [c for c in REQUIRED_CSV_COLUMNS if c not in raw_rows[0].values]
        if missing:
            raise readers.ImportFileError(f"缺少列 Missing columns: {', '.join(missing)}")
    unit = readers.UNIT[fmt][1]
    rows, errors = validate_rows(raw_rows, crs, unit)
    errors += check_against_registry(rows, unit)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.number), len(raw_rows))
    if dry_run:
        return dict(imported=0, checked=len(rows), dry_run=True, bank_id=bank.id, point_ids=[],
                    audit_event_id=None, file_name=file_name, format=fmt, crs=crs,
                    terminals=sum(1 for _, row in rows if row.get("merchant_code")))
    return insert_points(rows, bank, actor, dict(file_name=file_name, format=fmt, crs=crs))


def validate_rows(raw_rows, crs, unit):
    """(number, row) for every good row, and a RowError for each problem of the others."""
    good, errors = [], []
    for raw in raw_rows:
        problems = []
        if "__geometry__" in raw.values:
            problems.append(("geometry", raw.values["__geometry__"]))
        if "__extra__" in raw.values:
            problems.append(("row", f"多出{raw.values['__extra__']}列 More cells than columns"))
        try:
            row = row_schema.load(raw.values)
        except ValidationError as exc:
            problems += flatten(exc.messages)
        if problems:
            errors += [RowError(raw.number, f, r, unit) for f, r in problems]
            continue
        row["lon"], row["lat"] = to_wgs84(row["lon"], row["lat"], crs)
        good.append((raw.number, row))
    return good, errors


def check_against_registry(rows, unit) -> list[RowError]:
    """Village codes must name villages; terminal codes must be unused, in the file and
    among the registry's active terminals."""
    errors = []
    codes = {row["village_code"] for _, row in rows}
    levels = dict(db.session.execute(
        select(Region.code, Region.level).where(Region.code.in_(codes))).all()) if codes else {}
    for number, row in rows:
        level = levels.get(row["village_code"])
        if level is None:
            errors.append(RowError(number, "village_code",
                                   f"未知村 Unknown village {row['village_code']}", unit))
        elif level != "village":
            errors.append(RowError(number, "village_code",
                                   f"不是村级代码 {row['village_code']} is a {level}, not a village",
                                   unit))
    seen = {}
    for number, row in rows:
        pair = (row.get("merchant_code"), row.get("terminal_code"))
        if pair[0] is None:
            continue
        if pair in seen:
            errors.append(RowError(number, "terminal_code",
                                   f"与{unit} {seen[pair]}重复 Same terminal as {unit} {seen[pair]}",
                                   unit))
        seen.setdefault(pair, number)
    if seen:
        taken = {
            (merchant, terminal): point_id
            for merchant, terminal, point_id in db.session.execute(
                select(Terminal.merchant_code, Terminal.terminal_code, Terminal.point_id).where(
                    Terminal.removed_on.is_(None),
                    tuple_(Terminal.merchant_code, Terminal.terminal_code).in_(list(seen)),
                )
            )
        }
        for pair, number in seen.items():
            if pair in taken:
                errors.append(RowError(number, "terminal_code",
                                       f"终端已在用 Terminal already in use at point {taken[pair]}",
                                       unit))
    return errors


def insert_points(rows, bank, actor, source) -> dict:
    """Insert every row and one audit event in one transaction, then commit."""
    day = today()
    values = [
        dict(
            bank_id=bank.id, bank_path=bank.path, name=row["name"], shop_name=row["shop_name"],
            licence_no=row.get("licence_no"), keeper_name=row["keeper_name"],
            keeper_phone=row.get("keeper_phone"), address=row.get("address"),
            village_code=row["village_code"], county_code=row["village_code"][:6],
            location=geo.ewkt(row["lon"], row["lat"]),
            services=row["services"], status=row["status"], status_since=day,
            status_reason="导入时状态 Status as imported" if row["status"] != "active" else None,
            opened_on=row.get("opened_on"), closed_on=day if row["status"] == "closed" else None,
            signage=row["signage"],
        )
        for _, row in rows
    ]
    ids = db.session.scalars(
        insert(ServicePoint).returning(ServicePoint.id, sort_by_parameter_order=True), values
    ).all()
    terminals = [
        dict(point_id=pid, county_code=row["village_code"][:6], merchant_code=row["merchant_code"],
             terminal_code=row["terminal_code"], kind="pos", installed_on=row.get("opened_on"),
             removed_on=day if row["status"] == "closed" else None)
        for pid, (_, row) in zip(ids, rows) if row.get("merchant_code")
    ]
    if terminals:
        db.session.execute(insert(Terminal), terminals)
    counties = {row["village_code"][:6] for _, row in rows}
    event = record_change(
        actor, "import", "service_point", None, None,
        dict(count=len(ids), bank_id=bank.id, first_id=ids[0], last_id=ids[-1], **source),
        county_code=counties.pop() if len(counties) == 1 else None,
    )
    db.session.commit()
    return dict(imported=len(ids), terminals=len(terminals), bank_id=bank.id,
                point_ids=ids, audit_event_id=event.id, **source)


def import_upload(user, form, upload, max_rows=MAX_ROWS) -> dict:
    """The API's import: scope the bank as registering a point does (422 on bank_id),
    read the upload, answer 413/422 on failure."""
    bank = find_bank(form["bank_id"], user)
    if bank is None:
        raise InvalidField("bank_id", "无此银行或不在您的管辖范围 No such bank in your scope")
    file_name = upload.filename or "upload"
    fmt = form.get("format") or readers.detect_format(file_name)
    if fmt is None:
        raise InvalidField("format", "请指明格式 Give format: csv, geojson or gpkg")
    try:
        return import_service_points(
            upload.read(MAX_BYTES + 1), file_name, fmt, form["crs"], bank, user,
            max_rows=max_rows, dry_run=form.get("dry_run", False))
    except ImportTooLarge as exc:
        raise TooLarge(str(exc)) from None
    except readers.ImportFileError as exc:
        raise InvalidField("file", str(exc)) from None
    except ImportRejected as exc:
        fields = {}
        for error in exc.errors:
            fields.setdefault(f"{error.unit} {error.number}", []).append(f"{error.field}: {error.reason}")
        raise InvalidFields(fields, f"{len(fields)} 行有误，未导入任何数据 {len(fields)} bad rows; "
                                    "nothing from this file was imported", code="import_rejected") from None
