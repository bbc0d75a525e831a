"""Tables as files: CSV for any program, XLSX for the people who open them in Excel.

A table is a title, its column headings and its rows (a list, or any iterable read
once, such as a database cursor); a column whose heading ends in （元） holds fen and is
written in yuan. XLSX goes through xlsxwriter in constant-memory
mode (rows are flushed as written), one sheet per table, headings formatted and frozen,
and a first sheet that says what was asked, by whom and when.
"""
import csv
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field

import xlsxwriter

BOM = "\ufeff"
YUAN = "（元）"


@dataclass
class Table:
    title: str
    headings: list[str]
    rows: Iterable = field(default_factory=list)

    def yuan_columns(self):
        return [i for i, h in enumerate(self.headings) if h.endswith(YUAN)]


def _as_yuan(row, columns):
    row = list(row)
    for i in columns:
        if row[i] is not None:
            row[i] = row[i] / 100
    return row


def csv_bytes(tables: list[Table]) -> bytes:
    """One CSV (UTF-8 with BOM): each table under its title, a blank line between."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    for n, table in enumerate(tables):
        if n:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([table.title])
        writer.writerow(table.headings)
        columns = table.yuan_columns()
        for row in table.rows:
            writer.writerow(
                [f"{v:.2f}" if i in columns and v is not None else v
                 for i, v in enumerate(_as_yuan(row, columns))]
            )
    return out.getvalue().encode("utf-8")


def xlsx_chunks(tables: list[Table], about: list[tuple[str, str]], chunk=1 << 16):
    """An XLSX workbook, in chunks: a sheet 查询说明 with `about` (label, value) pairs,
    then one sheet per table. Written to a temporary file first (constant memory keeps
    only the current row), then read out in chunks, so a large workbook never sits in
    memory whole."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
        heading = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        yuan = book.add_format({"num_format": "#,##0.00"})
        about_sheet = book.add_worksheet("查询说明")
        about_sheet.set_column(0, 0, 18)
        about_sheet.set_column(1, 1, 60)
        for r, (label, value) in enumerate(about):
            about_sheet.write(r, 0, label, heading)
            about_sheet.write(r, 1, value)
        for table in tables:
            sheet = book.add_worksheet(_sheet_name(table.title))
            sheet.freeze_panes(1, 0)
            columns = table.yuan_columns()
            for c, text in enumerate(table.headings):
                sheet.set_column(c, c, max(12, len(text) * 2 + 2))
                sheet.write(0, c, text, heading)
            for r, row in enumerate(table.rows, start=1):
                for c, value in enumerate(_as_yuan(row, columns)):
                    sheet.write(r, c, value, yuan if c in columns else None)
        book.close()
        with open(path, "rb") as f:
            while block := f.read(chunk):
                yield block
    finally:
        os.unlink(path)


def _sheet_name(title):
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31]
