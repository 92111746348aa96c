"""Values: the figures one cell holds, in its indicator's unit. Filers print ranges ('0.998 - 0.999'), decimal
commas, magnitudes in words ('124.1M'), percentages and sentences where a number belongs; each is read the one
way it can be, or kept as text, and noted."""
from __future__ import annotations

import re
from decimal import Decimal

from collectors.dsa_report.tables import Report
from reports.model.errors import ParseError
from reports.model.numbers import GROUP_MARK, TEXT, WHOLE_COUNT, Figure, parse_figure

# Two numbers joined by a dash, as filers print a range where the template asks for one figure ("0.998 - 0.999").
RANGE = re.compile(r"^([<>~]?\s*\d[\d.,]*\s*%?)\s*[-–]\s*(\d[\d.,]*\s*%?)$")
ROUNDED = "rounded"  # a qualifier of the schema: a figure printed rounded ('124.1M')
# Unit words a filer may state in a figure's contextual information, as hours per unit.
STATED_UNITS = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0}


def figures(cell: str, unit: str, report: Report, *, file, place) -> list[tuple[float | None, str, str]]:
    """The figures of one cell as (value, unit, qualifier), in the indicator's unit ('' for an unmapped indicator:
    the unit as printed). Empty stays one gap (None), zero stays 0.0; two numbers joined by a dash are a range
    (qualifiers range_lower / range_upper); words where a number belongs are kept as text (value None, qualifier
    `text`), and so is a number the indicator's unit cannot hold (a percentage where a count belongs)."""
    text = cell.strip().strip('"').strip()
    if not text:
        return [(None, unit or "count", "")]
    pairs = range_pairs(text, file=file, place=place)
    if pairs is None:
        pairs = printed_pairs(text, report, file=file, place=place)
    if not pairs:  # N/A, '-': printed as missing, kept as a gap with its words
        return [(None, unit or "count", "")]
    return [in_unit(fig, qualifier, unit, text, report, place) for fig, qualifier in pairs]


def range_pairs(text: str, *, file, place) -> list[tuple[Figure, str]] | None:
    """Two numbers of one unit joined by a dash, the lower first, as (figure, range_lower / range_upper); else None."""
    if m := RANGE.match(text):
        try:
            low, high = parse_figure(m[1], file=file, place=place), parse_figure(m[2], file=file, place=place)
            if len(low) == 1 and len(high) == 1 and low[0].unit == high[0].unit and low[0].value <= high[0].value:
                return [(low[0], "range_lower"), (high[0], "range_upper")]
        except ParseError:
            return None
    return None


def printed_pairs(text: str, report: Report, *, file, place) -> list[tuple[Figure, str]]:
    """The figures of a cell that is no range, as (figure, qualifier): words stay text unless they are a number
    printed the continental way or with its magnitude in words (both noted)."""
    if (local := european_number(text)) is not None:  # told, though some of these read the same either way
        report.note(f"{place}: {text!r} read with a decimal comma or dots between thousands ({local})")
        return [(fig, fig.qualifier) for fig in parse_figure(local, file=file, place=place)]
    pairs = [(fig, fig.qualifier) for fig in parse_figure(text, file=file, place=place, lenient=True)]
    if len(pairs) == 1 and pairs[0][1] == TEXT and (scaled := scaled_number(text)) is not None:
        pairs = [(Figure(scaled, "count", ROUNDED), ROUNDED)]
        report.note(f"{place}: {text!r} read as {scaled:,.0f} (a figure rounded to thousands, millions or billions)")
    return pairs


def in_unit(fig: Figure, qualifier: str, unit: str, text: str, report: Report,
            place: str) -> tuple[float | None, str, str]:
    """One figure as (value, unit, qualifier) in the indicator's unit; one the unit cannot hold is kept as text."""
    fig_unit = unit or ("ratio" if fig.unit == "ratio" else "count")
    if qualifier == TEXT:
        return (None, fig_unit, TEXT)
    if fig_unit == "ratio" and fig.unit == "count" and fig.value is not None and fig.value > 1:
        report.note(f"{place}: {text!r} is above 1 without a % sign, where a ratio belongs; kept as printed "
                    "(value empty, qualifier text)")
        return (None, fig_unit, TEXT)
    if fig_unit != "ratio" and fig.unit == "ratio":
        report.note(f"{place}: a percentage {text!r} where a {fig_unit} figure belongs; kept as printed "
                    "(value empty, qualifier text)")
        return (None, fig_unit, TEXT)
    return (fig.value, fig_unit, qualifier)


def european_number(text: str) -> str | None:
    """A number printed the continental way, where that is the only reading: '1.234.567' (dots between thousands),
    '0,98' or '12,5' (a decimal comma: thousands come in threes), '1.234,5', '1 234' with a non-breaking space;
    else None."""
    t = re.sub(r"[\u00a0\u202f\u2009]", " ", text).strip()
    number, percent = (t[:-1].strip(), "%") if t.endswith("%") else (t, "")
    # a whole count as numbers.WHOLE_COUNT reads it, told here where its marks are dots or no-break spaces
    if ("." in number or t != text.strip()) and re.fullmatch(WHOLE_COUNT, number):
        return re.sub(GROUP_MARK, "", number) + percent
    if re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", number) or re.fullmatch(r"\d+,(\d{1,2}|\d{4,})", number):
        return number.replace(".", "").replace(",", ".") + percent
    return None


SCALE = {"k": 3, "thousand": 3, "m": 6, "mn": 6, "mio": 6, "million": 6, "millions": 6, "b": 9, "bn": 9, "billion": 9}


def scaled_number(text: str) -> float | None:
    """A figure printed with its magnitude in words or letters ('124.1M', '2.5 million', '3K'), else None."""
    m = re.fullmatch(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)\s*([A-Za-z]+)\.?", text.strip())
    if not m or m[2].casefold() not in SCALE:
        return None
    number = m[1].replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", m[1]) else m[1].replace(",", ".")
    return float(Decimal(number).scaleb(SCALE[m[2].casefold()]))


def stated_hours(*contexts: str) -> tuple[float, str]:
    """Hours per printed unit when contextual information states the unit (`in days`), else the template's hours."""
    for text in contexts:
        for word, factor in STATED_UNITS.items():
            if re.search(rf"\b(in|of)\s+{word}\b", text or "", re.I):
                return factor, word
    return 1.0, ""
