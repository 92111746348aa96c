"""The figures of TikTok's long table: each printed result read as a number (words kept with the qualifier `text`)
and each row's unit, an unmapped measure's read from how its values are printed and said in a note."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from collectors.tiktok_cger.source import Reading
from reports.model import vocab
from reports.model.numbers import TEXT, is_missing, parse_figure

# Words that say a measure is a rate or a share (its values are ratios).
RATE_WORDS = re.compile(r"%|\b(rates?|ratios?|percentages?|percent|pct|shares?|proportions?)\b", re.I)


def figure_values(long: pd.DataFrame, reading: Reading) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The printed results as floats (NaN where nothing or words were printed), each row's qualifier ('text' for
    words where a number belongs), and whether it was printed as a percentage (then read as a ratio)."""
    text = long["result"].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", copy=True)
    values[~np.isfinite(values)] = np.nan
    qualifier = np.full(len(long), "", dtype=object)
    ratio = long["pct"].to_numpy(dtype=bool).copy()
    cache: dict[str, list] = {}
    for i in np.flatnonzero(np.isnan(values)):
        printed = text.iat[i]
        if is_missing(printed):
            continue
        if printed not in cache:
            cache[printed] = parse_figure(printed, file=str(reading.doc.path), place=long["place"].iat[i], lenient=True)
        figures = cache[printed]
        if len(figures) == 1:
            figure = figures[0]
            values[i] = np.nan if figure.value is None else figure.value
            qualifier[i] = figure.qualifier
            ratio[i] |= figure.unit == "ratio"
        elif figures:  # a range ('4%-5%') is one printed figure: kept as words, never halved into two
            qualifier[i] = TEXT
    return values, qualifier, ratio


def units(long: pd.DataFrame, metric: np.ndarray, values: np.ndarray, printed_ratio: np.ndarray,
          reading: Reading) -> np.ndarray:
    """Each row's unit: the mapped metric's; for an unmapped measure, how its values are printed (a % sign, a label
    naming a rate or share, or fractions between 0 and 1 give ratios), said in a note, never silently."""
    known = vocab.metrics()
    unit = np.array([known[m]["unit"] for m in metric], dtype=object)
    unmapped = metric == vocab.UNMAPPED_METRIC
    clash = printed_ratio & ~unmapped & (unit == "count")
    for label in long.loc[clash, "metric"].unique():
        reading.note(f"metric {label!r} counts but some of its values are printed as percentages: those are kept as ratios")
    unit[clash] = "ratio"
    printed = long["metric"].to_numpy(dtype=object)
    for label in pd.unique(printed[unmapped]):
        rows = unmapped & (printed == label)
        numbers = values[rows & ~printed_ratio]
        chosen, why = unmapped_unit(str(label), numbers[~np.isnan(numbers)], printed_ratio[rows])
        unit[rows] = chosen
        unit[rows & printed_ratio] = "ratio"
        reading.note(f"metric {label!r} is not mapped: its values are read as {chosen}s ({why})")
    return unit


def unmapped_unit(label: str, numbers: np.ndarray, printed_ratio: np.ndarray) -> tuple[str, str]:
    """The unit of an unmapped measure and why: from its rows printed as percentages (`printed_ratio`), its label
    and its other values (`numbers`, the NaNs left out)."""
    fractions = numbers.size > 0 and bool(((numbers >= 0) & (numbers <= 1)).all()) and bool((numbers % 1 != 0).any())
    if printed_ratio.all() and printed_ratio.any():
        return "ratio", "printed as percentages"
    if RATE_WORDS.search(label) and (numbers.size == 0 or bool((numbers <= 1).all())):
        return "ratio", "its label names a rate or share and its values are fractions"
    if fractions:
        return "ratio", "printed as fractions between 0 and 1"
    if RATE_WORDS.search(label):
        return "count", "its label names a rate or share but its values exceed 1: kept as printed"
    return "count", "printed as whole numbers"
