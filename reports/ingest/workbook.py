"""The one way to open a published workbook (openpyxl): a damaged or foreign file fails with our error, naming it."""
from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError as XMLParseError

from reports.ingest.safezip import open_zip, read_member, safe_members
from reports.model.errors import AtlasError, ParseError

# A worksheet's cells as the XML of an XLSX stores them (any namespace prefix): a formula, a saved value, and the
# workbook's request to compute every formula when a spreadsheet opens it, which programs that write workbooks
# without computing them make (their saved values, if any, are placeholders).
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REFERENCE = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")
_COMPUTE_ON_OPEN = re.compile(rb'<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad="(?:1|true)"')
# A cell with no content (`<c r="B7" s="3"/>`: a style, no value or formula) that another cell of its row follows.
_EMPTY_CELL_BEFORE_ANOTHER = re.compile(rb"<(?:\w+:)?c\b[^>]*/>\s*(?=<(?:\w+:)?c\b)")


# openpyxl is imported when a workbook is first opened: a build with nothing new to read, and every command that
# only loads the collectors, does without it.
@functools.cache
def workbook_errors() -> tuple[type[BaseException], ...]:
    """What openpyxl raises on bytes that are not a sound XLSX: a broken ZIP or stream, missing or malformed parts
    (found by feeding it hundreds of damaged copies of real workbooks)."""
    from openpyxl.utils.exceptions import InvalidFileException

    return (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, InvalidFileException, XMLParseError, KeyError,
            ValueError, TypeError, IndexError, AttributeError, EOFError, OSError, NotImplementedError)


def open_workbook(data: bytes, *, file: str | Path, read_only: bool = True):
    """The workbook with the values Excel last showed (cached formula results), read-only unless cells must be
    reached by coordinate; a file openpyxl cannot read is a ParseError naming it."""
    import openpyxl

    errors = workbook_errors()
    try:
        readable = without_empty_cells(data, file=file) if read_only else data
        book = openpyxl.load_workbook(io.BytesIO(readable), read_only=read_only, data_only=True)
        # Read here too: a damaged worksheet that openpyxl, reading lazily, has not opened yet.
        found = unsaved_formula(data, file=file)
    except errors as exc:
        raise ParseError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})", file=file) from None
    if found:
        part, cell = found
        raise ParseError(f"cell {cell} holds a formula whose value the workbook does not store (a program wrote it "
                         "without computing its formulas): open it in a spreadsheet program, save it, and build again",
                         file=file, place=f"sheet {_sheet_title(data, part)!r} cell {cell}")
    return book


def without_empty_cells(data: bytes, *, file: str | Path) -> bytes:
    """The workbook without the cells that hold nothing, except the last of each row. Publishers style whole blocks
    of empty cells (26,000 cells for 40 values in a sheet of TikTok's), and openpyxl makes an object of each. Read
    only, it fills a row with empty cells up to the sheet's stated size or, where none is stated, to the row's last
    cell, which is kept: every row and value read is the same."""
    archive = open_zip(io.BytesIO(data), name=str(file))
    out = io.BytesIO()
    with archive, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as lean:
        for info in safe_members(archive, name=str(file)):
            content = read_member(archive, info, name=str(file))
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                content = _EMPTY_CELL_BEFORE_ANOTHER.sub(b"", content)
            lean.writestr(info.filename, content)
    return out.getvalue()


def unsaved_formula(data: bytes, *, file: str | Path) -> tuple[str, str] | None:
    """(worksheet part, cell) of the first formula whose value the workbook does not hold: no value saved, or a
    workbook that asks to compute every formula when it is opened. Read as values, such a cell would be an empty
    cell or a placeholder where the publisher's figure is."""
    archive = open_zip(io.BytesIO(data), name=str(file))
    with archive:
        members = {info.filename: info for info in safe_members(archive, name=str(file))}
        compute_on_open = "xl/workbook.xml" in members and bool(
            _COMPUTE_ON_OPEN.search(read_member(archive, members["xl/workbook.xml"], name=str(file))))
        for name, info in members.items():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            xml = read_member(archive, info, name=str(file))
            if not _FORMULA.search(xml):  # most workbooks hold no formula at all
                continue
            for cell in _CELL.finditer(xml):
                body = cell.group(2) or b""
                if _FORMULA.search(body) and (compute_on_open or not _VALUE.search(body)):
                    reference = _REFERENCE.search(cell.group(1))
                    return name, reference.group(1).decode() if reference else "?"
    return None


def _sheet_title(data: bytes, part: str) -> str:
    """The title of the sheet stored in `part`, for a message (the part's own name if it cannot be told)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        titles = {getattr(ws, "_worksheet_path", "").lstrip("/"): ws.title for ws in book.worksheets}
        book.close()
    except (AtlasError, *workbook_errors()):
        return part
    return titles.get(part, part)
