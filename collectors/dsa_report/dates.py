"""Dates and reporting periods as filers print them: part 1's dates in any common form, and the period each row of
a part repeats, which must be part 1's."""
from __future__ import annotations

import re
from datetime import date, timedelta

from collectors.dsa_report.tables import Report, Table, norm
from reports.model.errors import ParseError
from reports.model.periods import date_readings

ROW_PERIOD = re.compile(r"^(\d{4})[-/.](\d{2})[-/.](\d{2})\s*/\s*(\d{4})[-/.](\d{2})[-/.](\d{2})$")


def row_period(cell: str, report: Report, table: Table, *, place) -> None:
    """A row's reporting period must be the template placeholder, empty, or part 1's period; one printed in a form
    we cannot read is noted (part 1's period stands), one that differs is an error (a bundle mixing reports)."""
    text = cell.strip()
    if not text or "YYYY" in text.upper():
        return
    m = ROW_PERIOD.match(text)
    try:
        start, end = date(int(m[1]), int(m[2]), int(m[3])), date(int(m[4]), int(m[5]), int(m[6]))
    except (TypeError, ValueError):  # not the template's form, or no such date (Booking.com: 2026-06-31 ... 06-57)
        key = f"{table.where()}: reporting period"
        if not any(n.startswith(key) for n in report.notes):
            report.note(f"{key} {text!r} (and any like it in this table) cannot be read as a period; part 1's "
                        f"period ({report.period.start}/{report.period.end}) is used")
        return
    if (start, end) != (report.period.start, report.period.end):
        raise ParseError(f"reporting period {text} differs from part 1's {report.period.start}/{report.period.end}",
                         file=table.doc.path, place=place)


def reporting_span(start_text: str, end_text: str) -> tuple[date, date] | None:
    """Part 1's start and end dates, read the one way that makes a reporting period (start before end, whole
    months first); None when they cannot be read."""
    pairs = [(s, e) for s in date_readings(start_text) for e in date_readings(end_text) if s <= e]
    if not pairs:
        return None
    return min(pairs, key=lambda p: (p[0].day != 1, (p[1] + timedelta(days=1)).day != 1, (p[1] - p[0]).days > 366))


def printed_periods(tables: list[Table]) -> set[tuple[date, date]]:
    """The reporting periods the parts' rows print (`2025-07-01/2025-12-31`)."""
    out = set()
    for table in tables:
        cells = [norm(c) for c in table.header]
        if "reporting period" in cells:
            at = cells.index("reporting period")
            for row in table.rows[1:]:
                if len(row) > at and (m := ROW_PERIOD.match(row[at].strip())):
                    try:
                        out.add((date(int(m[1]), int(m[2]), int(m[3])), date(int(m[4]), int(m[5]), int(m[6]))))
                    except ValueError:
                        continue
    return out
