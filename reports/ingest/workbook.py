"""The one way to open a published workbook (openpyxl): a damaged or foreign file fails with our error, naming it."""
from __future__ import annotations

import functools
import io
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError as XMLParseError

from reports.model.errors import ParseError


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
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except errors as exc:
        raise ParseError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})", file=file) from None
