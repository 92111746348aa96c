"""Read numbers as publishers print them: "20,800,000", "98.90%", "4%-5%", "N/A", "--"."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from reports.model.errors import ParseError

# Cells that mean "no figure published"; kept distinct from an explicit zero.
MISSING = {"", "n/a", "na", "--", "-", "—", "–", "none", "null", "nan", "not available", "x"}

# A whole count as printed: digits in groups of three after a comma ("20,800,000"), a space, no-break or narrow
# no-break space ("20 800 000"), an apostrophe ("20'800'000"), or a dot where it separates at least two groups
# ("20.800.000"); a dot printed once ("1.234") is a decimal point, as it is in every file we read.
WHOLE_COUNT = (r"\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,3}(?:['\u2019]\d{3})+"
               r"|\d{1,3}(?:\.\d{3}){2,}|\d+")
# Inside a whole count, every one of these marks only separates groups.
GROUP_MARK = r"[,. \u00a0\u202f'\u2019]"
# A whole count as a spreadsheet may also print it, with zero decimals ("1552.0", "1,552.00"); one or two zeros are
# never a group of three, so a continental "1.000" stays unread.
ZERO_DECIMALS = r"\.0{1,2}"
WHOLE_FIGURE = rf"(?:{WHOLE_COUNT})(?:{ZERO_DECIMALS})?"
_NUMBER = re.compile(rf"^(?P<sign>[+-]?)(?P<whole>{WHOLE_COUNT})(?P<decimals>\.\d+)?$")


# The qualifier of a cell that holds words where a number was expected ("See our PDF report: https://..."): the
# words are kept as value_text, the value stays empty, and the build notes it; never fatal.
TEXT = "text"
# The qualifier of a figure printed with a footnote mark after it ("20,800,000*", "4.2%†", "1,234¹"): the number is
# read, the mark is kept in value_text, and what the footnote says is the publisher's to tell.
FOOTNOTED = "footnoted"
FOOTNOTE_MARKS = r"\s*[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+"  # after the figure, spaced or not
_FOOTNOTE_MARK = re.compile(rf"^(?P<figure>.*[\d%]){FOOTNOTE_MARKS}$")


@dataclass(frozen=True)
class Figure:
    """A published number: its value, unit and how it was qualified ('' when exact)."""

    value: float | None
    unit: str = "count"
    qualifier: str = ""


def is_missing(text: object) -> bool:
    """True when a cell holds no figure (empty, N/A, dashes)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return True
    return str(text).strip().lower() in MISSING


def parse_number(text: object, *, file: str | None = None, place: str | None = None) -> float | None:
    """Parse a count such as "20,800,000", "1 234" or "1.234.567" (see WHOLE_COUNT); None where no figure was
    published."""
    if is_missing(text):
        return None
    if isinstance(text, int | float):
        return float(text)
    raw = str(text).strip().strip('"').strip()
    if m := _NUMBER.match(raw):
        return float(m["sign"] + re.sub(GROUP_MARK, "", m["whole"]) + (m["decimals"] or ""))
    raise ParseError(f"not a number: {text!r}", file=file, place=place)


def parse_percent(text: object, *, file: str | None = None, place: str | None = None) -> float | None:
    """Parse "98.90%" (or a bare 98.9) into the ratio 0.989; None where no figure was published."""
    if is_missing(text):
        return None
    raw = str(text).strip()
    if raw.endswith("%"):
        raw = raw[:-1].strip()
    value = parse_number(raw, file=file, place=place)
    return None if value is None else round(value / 100, 12)


def parse_figure(text: object, *, file: str | None = None, place: str | None = None,
                 lenient: bool = False) -> list[Figure]:
    """Parse any published cell into figures: a range such as "4%-5%" gives a lower and an upper one.

    `lenient`: a cell that is not a number (a sentence, a note, a malformed figure) gives one figure with no value
    and the qualifier `text` instead of an error, so the printed words are kept and flagged."""
    if lenient:
        try:
            return parse_figure(text, file=file, place=place)
        except ParseError:
            return [Figure(None, "count", TEXT)]
    if is_missing(text):
        return []
    raw = str(text).strip()
    if "%" in raw and re.match(r"^[\d.,]+\s*%?\s*[-–]\s*[\d.,]+\s*%$", raw):
        low, high = re.split(r"\s*[-–]\s*", raw, maxsplit=1)
        return [Figure(parse_percent(low.rstrip("%") + "%", file=file, place=place), "ratio", "range_lower"),
                Figure(parse_percent(high, file=file, place=place), "ratio", "range_upper")]
    qualifier = ""
    if marked := _FOOTNOTE_MARK.match(raw):
        raw, qualifier = marked["figure"].strip(), FOOTNOTED
    for prefix, name in (("<", "less_than"), (">", "more_than"), ("~", "approximate")):
        if raw.startswith(prefix):
            raw, qualifier = raw[1:].strip(), name  # what qualifies the value itself outranks a footnote mark
    if raw.endswith("%"):
        return [Figure(parse_percent(raw, file=file, place=place), "ratio", qualifier)]
    return [Figure(parse_number(raw, file=file, place=place), "count", qualifier)]


def is_figure(text: object) -> bool:
    """Whether a cell prints a figure `parse_figure` reads: a count, a percentage or a range, qualified ('<100') or
    footnoted ('1,234*') or not."""
    try:
        return bool(parse_figure(text))
    except ParseError:
        return False
