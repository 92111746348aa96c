"""Turn the many ways publishers name a period into inclusive ISO dates and one label."""
from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime

from reports.model.errors import ParseError

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_MONTHS["sept"] = 9


@dataclass(frozen=True)
class Period:
    """An inclusive span of days with its label (`2023`, `2023-H1`, `2023-Q4`, `2023-11`, `2023-11-05`)."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 31), f"{y}")


def half(y: int, h: int) -> Period:
    return Period(date(y, 1 if h == 1 else 7, 1), _month_end(y, 6 if h == 1 else 12), f"{y}-H{h}")


def quarter(y: int, q: int) -> Period:
    return Period(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y}-Q{q}")


def month(y: int, m: int) -> Period:
    return Period(date(y, m, 1), _month_end(y, m), f"{y}-{m:02d}")


def day(d: date) -> Period:
    return Period(d, d, d.isoformat())


def span(start: date, end: date) -> Period:
    """The period from start to end, labelled as a year, half, quarter or month where it is one."""
    if end < start:
        raise ParseError(f"period ends ({end}) before it starts ({start})")
    for candidate in (year(start.year), half(start.year, 1 if start.month <= 6 else 2),
                      quarter(start.year, (start.month - 1) // 3 + 1), month(start.year, start.month)):
        if candidate.start == start and candidate.end == end:
            return candidate
    if start == end:
        return day(start)
    return Period(start, end, f"{start.isoformat()}/{end.isoformat()}")


def _month_number(name: str) -> int:
    key = name.strip().lower().rstrip(".")
    if key not in _MONTHS:
        raise ParseError(f"unknown month name {name!r}")
    return _MONTHS[key]


def parse_period(text: str, *, file: str | None = None, place: str | None = None) -> Period:
    """Parse '2023', '2023Q4', '2023-Q4', 'Q4 2023', '2023-H1', 'H1 2023', 'Jul-Sep 2020',
    'January - June 2025', 'July 2021 - December 2021', '2023-11', '2023-11-05' or 'A/B' ISO spans."""
    raw = " ".join(str(text).split())
    try:
        return _parse(raw)
    except (ParseError, ValueError) as exc:
        message = exc.message if isinstance(exc, ParseError) else str(exc)
        raise ParseError(f"cannot read period {text!r} ({message})", file=file, place=place) from None


def is_period(text: str) -> bool:
    """Whether a cell prints a period `parse_period` reads."""
    try:
        parse_period(text)
    except ParseError:
        return False
    return True


@functools.lru_cache(maxsize=4096)  # a file prints a few periods on many rows; a Period is immutable
def _parse(raw: str) -> Period:
    if m := re.fullmatch(r"(\d{4})", raw):
        return year(int(m[1]))
    if m := re.fullmatch(r"(\d{4})\s*-?\s*Q([1-4])", raw, re.I) or re.fullmatch(r"Q([1-4])\s*-?\s*(\d{4})", raw, re.I):
        y, q = (m[1], m[2]) if len(m[1]) == 4 else (m[2], m[1])
        return quarter(int(y), int(q))
    if m := re.fullmatch(r"(\d{4})\s*-?\s*H([12])", raw, re.I) or re.fullmatch(r"H([12])\s*-?\s*(\d{4})", raw, re.I):
        y, h = (m[1], m[2]) if len(m[1]) == 4 else (m[2], m[1])
        return half(int(y), int(h))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", raw):
        return month(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})[-/](\d{2})[-/](\d{2})", raw):
        return day(date(int(m[1]), int(m[2]), int(m[3])))
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*(?:/|to|–|-{1,2})\s*(\d{4}-\d{2}-\d{2})", raw):
        return span(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
    # "Jul-Sep 2020", "January - June 2025", "Jan 2021 - Mar 2021", "July 2021 – December 2021"
    if m := re.fullmatch(r"([A-Za-z.]+)\s*(\d{4})?\s*(?:-|–|to)\s*([A-Za-z.]+)\s*(\d{4})", raw):
        end_year = int(m[4])
        start_year = int(m[2]) if m[2] else end_year
        first, last = _month_number(m[1]), _month_number(m[3])
        if not m[2] and first > last:
            start_year -= 1
        return span(date(start_year, first, 1), _month_end(end_year, last))
    if m := re.fullmatch(r"([A-Za-z.]+)\s+(\d{4})", raw):
        return month(int(m[2]), _month_number(m[1]))
    raise ParseError("unrecognised period format")


# A period in a file name: `discord-2021-h1.csv`, `report_2022-Q2.csv`, `H1-2024.csv`, `tiktok 2023q4.csv`, `2023.csv`.
_NAME_PERIODS = (
    (re.compile(r"(?<![0-9])((?:19|20)\d{2})[-_ .]?([hq])([1-4])(?![0-9a-z])", re.I), lambda m: (m[1], m[2], m[3])),
    (re.compile(r"(?<![0-9a-z])([hq])([1-4])[-_ .]?((?:19|20)\d{2})(?![0-9])", re.I), lambda m: (m[3], m[1], m[2])),
)
_NAME_YEAR = re.compile(r"(?<![0-9])((?:19|20)\d{2})(?![0-9])")


def period_from_name(name: str) -> Period | None:
    """The period a file's name states (a half, a quarter, else a single year), or None when it states none.

    For files that state their period nowhere else (Discord's older CSVs); a name with two different years and no
    half or quarter says nothing for certain, so it gives None."""
    stem = str(name).rsplit("/", 1)[-1]
    for pattern, parts in _NAME_PERIODS:
        if m := pattern.search(stem):
            y, kind, n = parts(m)
            if kind.lower() == "h" and n in "12":
                return half(int(y), int(n))
            if kind.lower() == "q":
                return quarter(int(y), int(n))
    years = set(_NAME_YEAR.findall(stem))
    return year(int(years.pop())) if len(years) == 1 else None


# A date printed year first: 2025-07-01, 2025/7/1, 2025.07.01 (a time after it is ignored).
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")


def date_readings(text: str) -> list[date]:
    """The dates a printed date can be: one for `2025-07-01`, `2025/07/01` or `1 July 2025`; two for `01/07/2025`
    (day first, then month first), one where only one of those is a date; none for anything else."""
    t = text.strip()
    if m := _ISO_DATE.match(t):
        try:
            return [date(int(m[1]), int(m[2]), int(m[3]))]
        except ValueError:
            return []
    if m := re.match(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T].*)?$", t):
        out = []
        for day_, month_ in ((int(m[1]), int(m[2])), (int(m[2]), int(m[1]))):
            try:
                out.append(date(int(m[3]), month_, day_))
            except ValueError:
                continue
        return list(dict.fromkeys(out))
    if re.search(r"[A-Za-z]{3}", t) and re.search(r"\d{4}", t):
        from dateutil import parser as dateparser

        try:
            return [dateparser.parse(t, dayfirst=True, default=datetime(1900, 1, 1)).date()]
        except (ValueError, OverflowError):
            return []
    return []
