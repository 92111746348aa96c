"""What the cells of a TikTok XLSX sheet say: a date or a period, a number, a market code or name, a language; and
what a leading column of labels holds."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from collectors.tiktok_cger.source import label_mapping
from reports.model.errors import ParseError
from reports.model.numbers import parse_figure
from reports.model.periods import Period, month, parse_period, quarter

# A period stated inside a title: 'Jul-Sep 2021 removal policy', 'Q2 2022', '2022-H1'.
PERIOD_IN_TEXT = re.compile(r"[A-Za-z]{3,9}\.?\s*(?:-|–|to)\s*[A-Za-z]{3,9}\.?\s+\d{4}|\bQ[1-4]\s*-?\s*\d{4}\b"
                            r"|\b\d{4}\s*-?\s*Q[1-4]\b|\bH[12]\s*-?\s*\d{4}\b|\b\d{4}\s*-?\s*H[12]\b", re.I)


@dataclass
class Grid:
    """A sheet's cells (stripped text, None where empty) and the cells whose number format prints a percentage,
    from its first printed column (`left` empty columns before it, a margin, are left out and named back)."""

    rows: list[list]
    pct: set[tuple[int, int]]
    left: int = 0

    def cell_name(self, column: int, row: int) -> str:
        """The name of the cell at (column, row) of the grid, as the sheet prints it."""
        return cell_name(column + self.left, row)

    def column_name(self, column: int) -> str:
        return column_name(column + self.left)


def quarter_of(value) -> Period:
    """The quarter a date falls in."""
    return quarter(value.year, (value.month - 1) // 3 + 1)


def quarter_ending(value) -> Period | None:
    """The quarter a date ends (None when it is not a quarter's last day)."""
    period = quarter_of(value)
    return period if period.end == (value.date() if isinstance(value, datetime) else value) else None


def month_ending(value) -> Period | None:
    """The month a date ends (None when it is not a month's last day)."""
    period = month(value.year, value.month)
    return period if period.end == (value.date() if isinstance(value, datetime) else value) else None


def whole_period(value) -> Period | None:
    """The period a cell names as a whole: a quarter's last day, or a printed period ('Jul-Sep 2022', 'Q2 2022')."""
    if isinstance(value, datetime | date):
        return quarter_ending(value)
    if isinstance(value, str) and not is_number(value) and PERIOD_IN_TEXT.fullmatch(value.strip()):
        try:
            return parse_period(value)
        except ParseError:
            return None
    return None


def period_in(text) -> Period | None:
    """The first period a title states ('Jul-Sep 2021 removal policy' -> 2021-Q3), None when it states none."""
    for found in PERIOD_IN_TEXT.finditer(str(text or "")):
        try:
            return parse_period(found[0])
        except ParseError:
            continue
    return None


def cell_name(column: int, row: int) -> str:
    """A cell's name as a spreadsheet prints it (column 0, row 0 -> A1)."""
    return f"{column_name(column)}{row + 1}"


def column_name(column: int) -> str:
    """A column's name as a spreadsheet prints it (0 -> A, 26 -> AA)."""
    from openpyxl.utils.cell import get_column_letter  # openpyxl only once a workbook is read

    return get_column_letter(column + 1)


def is_number(value) -> bool:
    """Whether a cell holds a figure: a number, or text that reads as one ('1,234', '12%')."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str):
        return False
    try:
        figures = parse_figure(value)
    except ParseError:
        return False
    return bool(figures) and figures[0].value is not None


def share_known(cells: list, table) -> float:
    """The share of the cells that are labels of a mapping file."""
    return sum(isinstance(v, str) and v in table for v in cells) / len(cells) if cells else 0.0


def key_kind(head, cells: list, spec: dict) -> str:
    """What a leading column of labels holds: dates or periods, market codes, markets, languages, or policy labels."""
    head = str(head or "")
    if all(isinstance(v, datetime | date) or whole_period(v) for v in cells):
        return "date"
    if re.search(r"\b(code|iso)\b", head, re.I) or all(isinstance(v, str) and re.fullmatch(r"[A-Z]{2}", v) for v in cells):
        return "code"
    if (spec.get("layout") == "by_market" or re.search(r"countr|market|territor|region", head, re.I)
            or share_known(cells, label_mapping("countries")) >= 0.5):
        return "market"
    if re.search(r"language", head, re.I) or share_known(cells, label_mapping("languages")) >= 0.5:
        return "language"
    return "label"
