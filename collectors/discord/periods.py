"""The period a Discord file covers (stated in a title row, else in its name) and the months its rows name."""
from __future__ import annotations

import calendar
import re

from collectors.discord.rows import Row
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.periods import Period, month, parse_period, period_from_name, span

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTH_ROW = re.compile(r"([a-z]+)\.?(?:[\s,]+((?:19|20)\d{2}))?")
# A period a title row states: 'Q1 2024', '2024-H1', 'January - June 2024', 'July 2021 to December 2021'.
_STATED = (
    re.compile(r"(?<![0-9a-z])(?:[qh][1-4])\s*[-/ ]?\s*(?:19|20)\d{2}(?![0-9])", re.I),
    re.compile(r"(?<![0-9])(?:19|20)\d{2}\s*[-/ ]?\s*[qh][1-4](?![0-9a-z])", re.I),
    re.compile(r"(?<![a-z])[a-z]{3,9}\.?(?:\s+(?:19|20)\d{2})?\s*(?:-|–|to|through)\s*[a-z]{3,9}\.?\s+(?:19|20)\d{2}"
               r"(?![0-9])", re.I),
)


def file_period(doc: Document, rows: list[Row]) -> tuple[Period, set[int], list[str]]:
    """The period the file covers: stated in a title row above its first table, else in its name.

    Returns the period, the lines of the title rows that state it (not table labels), and notes."""
    stated, lines = stated_period(rows, doc)
    named = period_from_name(doc.path.name)
    if stated:
        notes = [] if named is None or named == stated else [
            f"{doc.name}: the file states the period {stated.label} (line {min(lines)}) but its name says "
            f"{named.label}; read as {stated.label}"]
        return stated, lines, notes
    if named:
        return named, set(), []
    raise ParseError("cannot tell the period: the file states none above its tables and its name states none "
                     "(expected a name such as discord-2023-q2.csv, discord-2021-h2.csv or H1-2024.csv)", file=doc.path)


def stated_period(rows: list[Row], doc: Document) -> tuple[Period | None, set[int]]:
    """A period printed in a title row (a row with only its first cell) above the first table's header."""
    for row in rows:
        if row.blank:
            continue
        if not row.label_only:
            break  # the first header or data row: titles come before it
        for pattern in _STATED:
            if found := pattern.search(row.label):
                text = re.sub(r"\s+through\s+", " to ", found[0], flags=re.I)
                try:
                    return parse_period(text, file=str(doc.path), place=f"line {row.line}"), {row.line}
                except ParseError:
                    continue
    return None, set()


def month_of(label: str, period: Period) -> Period | None:
    """The month a row label names ('July', 'JULY', 'Jul.', 'July 2024'), placed in the file's period; None when
    the label is no month. A month without a year is that month inside the period (or of its first year when the
    period holds no such month, which the caller reports as outside)."""
    found = _MONTH_ROW.fullmatch(label.strip().lower())
    if not found or found[1] not in _MONTHS:
        return None
    number = _MONTHS[found[1]]
    if found[2]:
        return month(int(found[2]), number)
    for y in range(period.start.year, period.end.year + 1):
        candidate = month(y, number)
        if period.start <= candidate.start and candidate.end <= period.end:
            return candidate
    return month(period.start.year, number)


def is_month(label: str) -> bool:
    """Whether a row label names a month ('July', 'Jul.', 'July 2024')."""
    found = _MONTH_ROW.fullmatch(label.strip().lower())
    return bool(found) and found[1] in _MONTHS


def inside(part: Period, whole: Period) -> bool:
    """Whether one period lies within another."""
    return whole.start <= part.start and part.end <= whole.end


def kind_of(period: Period) -> str:
    """What a period is, in words: a quarter, a half-year, a year (else 'period')."""
    label = period.label
    return ("quarter" if "-Q" in label else "half-year" if "-H" in label else "year" if len(label) == 4
            else "period")


def total_period(months: list[Period], period: Period) -> Period:
    """The period a total of month rows covers: the file's period, or the months printed when they are fewer
    (consecutive months inside it); months outside the period leave the total as the file's period's."""
    if not months or not all(inside(m, period) for m in months):
        return period
    ordered = sorted(months, key=lambda m: m.start)
    consecutive = all((b.start - a.end).days == 1 for a, b in zip(ordered, ordered[1:], strict=False))
    return span(ordered[0].start, ordered[-1].end) if consecutive else period
