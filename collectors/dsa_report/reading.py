"""Turning a published file into tables: a CSV (UTF-8, or Windows-1252 as some filers save it), each CSV or XLSX
inside a ZIP, or each worksheet of an XLSX workbook."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

from collectors.dsa_report.tables import Table
from reports.ingest.safezip import iter_files, open_zip
from reports.ingest.textio import decode_text, refuse_other_separator
from reports.ingest.workbook import open_workbook
from reports.model.documents import Document
from reports.model.errors import ParseError


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as some filers save it; anything else is an error."""
    return decode_text(data, file=name, allow_cp1252=True)


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a CSV text, without rows that are entirely empty."""
    refuse_other_separator(text, file=None)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ParseError(f"not a readable CSV ({exc})") from None
    return [row for row in rows if any(cell.strip() for cell in row)]


def cell_text(value: object) -> str:
    """A worksheet cell as the text a CSV of it would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def xlsx_sheets(data: bytes, name: str) -> list[tuple[str, list[list[str]]]]:
    """Every worksheet of a workbook as (sheet name, rows)."""
    book = open_workbook(data, file=name)
    sheets = []
    for sheet in book.worksheets:
        rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        sheets.append((sheet.title, [r for r in rows if any(c.strip() for c in r)]))
    book.close()
    return sheets


def read_tables(doc: Document) -> list[Table]:
    """The tables one document holds: itself (CSV), its members (ZIP) or its sheets (XLSX)."""
    data = doc.read_bytes()
    return tables_from_bytes(doc, doc.name, data)


def tables_from_bytes(doc: Document, name: str, data: bytes) -> list[Table]:
    """The tables of one file's bytes, by its suffix; a ZIP's CSV and XLSX members in natural order."""
    suffix = Path(name).suffix.lower()
    stem = Path(name.split(":")[-1]).stem
    if suffix == ".csv":
        try:
            return [Table(doc, name, csv_rows(decode(data, name)), 0, label=stem)]
        except ParseError as exc:
            raise ParseError(exc.message, file=doc.path, place=name if name != doc.name else None) from None
    if suffix == ".xlsx":
        return [Table(doc, f"{name} sheet {title!r}", rows, number, label=title)
                for number, (title, rows) in enumerate(xlsx_sheets(data, name))]
    if suffix == ".zip":
        archive = open_zip(io.BytesIO(data), name=str(doc.path))
        tables: list[Table] = []
        for info, member in sorted(iter_files(archive, name=str(doc.path)), key=lambda m: natural(m[0].filename)):
            if Path(info.filename).suffix.lower() in (".csv", ".xlsx") and not Path(info.filename).name.startswith("."):
                for table in tables_from_bytes(doc, f"{name}:{info.filename}", member):
                    table.order = len(tables)
                    tables.append(table)
        return tables
    raise ParseError(f"not a CSV, XLSX or ZIP file ({suffix or 'no suffix'})", file=doc.path)


def natural(text: str) -> list:
    """Sort key putting `10_AMAR` after `9_human_resources`."""
    return [int(piece) if piece.isdigit() else piece.casefold() for piece in re.split(r"(\d+)", text)]
