"""One plotting style for the dashboard and the static charts (`tatlas chart`, briefs): palette, fonts, how a
series is named in a legend and a title, the source line, axis titles per unit, and the step geometry that draws
each value as a flat segment across its real period.

Everything returns plain plotly dicts, which both `plotly.graph_objects.Figure` and `dcc.Graph` accept.
Text that comes from publishers (labels, names, providers, titles) goes through `text()` before it reaches a
figure: plotly reads a subset of HTML in every text it draws, so `<a href=...>` in a provider's name would
otherwise become a link in an exported SVG."""
from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import timedelta
from html import escape

import pandas as pd

from reports.query import naming

# Okabe-Ito: distinguishable with the common colour-vision deficiencies (yellow last: weak on white). Past eight
# series the dash pattern changes too, so that no two lines look alike.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
DASHES = ["solid", "dash", "dot", "dashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon"]
# The browser's UI font on screen; Liberation Sans (metric-compatible with Arial) where static export finds no other.
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', Arial, sans-serif"
INK, MUTED, GRID = "#222222", "#444444", "#e5e5e5"
SOURCE_FONT = {"size": 11, "color": MUTED}
SUBTITLE_SIZE = 13
# Series with more periods than this (or of days or weeks) are drawn one point per period: each segment would be
# narrower than a pixel.
DENSE = 400
X_TITLE = "period (each value drawn across the period it covers)"
PERIOD_WORDS = {"day": "per day", "week": "per week", "month": "per month", "quarter": "per quarter",
                "half": "per half-year", "year": "per year", "span": "other period lengths"}
# What tells one series from another, in the order a legend names them.
NAME_PARTS = ("platform", "policy_area", "policy_label", "source", "region", "metric_label", "granularity", "breakdown")


def text(value) -> str:
    """Data text made safe for plotly's pseudo-HTML: `<`, `>` and `&` are shown, never read as markup."""
    return escape("" if value is None else str(value), quote=False)


def line_style(n: int) -> tuple[str, str, str]:
    """Colour, dash and marker symbol of the n-th series."""
    return PALETTE[n % len(PALETTE)], DASHES[(n // len(PALETTE)) % len(DASHES)], SYMBOLS[n % len(SYMBOLS)]


# -- naming --------------------------------------------------------------------------------------------------

def _name_parts(df: pd.DataFrame) -> dict[str, list[str]]:
    """Each naming part of each series (first row of each), in words: platform names, our category, periods."""
    first = df[~df["series"].duplicated()]
    words = {"platform": naming.platform_name, "policy_area": naming.policy_area_name,
             "granularity": lambda g: PERIOD_WORDS.get(g, g)}
    parts = {"series": first["series"].tolist()}
    for column in NAME_PARTS:
        word = words.get(column, str)
        parts[column] = ["" if pd.isna(v) else word(v) for v in first[column].tolist()]
    # A heading the publisher reworded within one series is named with each of its wordings, in order of use.
    if df["metric_label"].nunique() > 1:
        wordings = df.groupby("series", sort=False)["metric_label"].agg(lambda v: " / ".join(dict.fromkeys(v)))
        parts["metric_label"] = [wordings[key] for key in parts["series"]]
    return parts


def trace_names(df: pd.DataFrame) -> dict[str, str]:
    """Legend names: only the parts (platform, category, publisher's label, source, region, metric label, period
    kind, breakdown) that differ between the plotted series; what they share goes in the subtitle."""
    parts = _name_parts(df)
    columns = [c for c in NAME_PARTS if len(set(parts[c])) > 1] or ["platform"]
    return {key: " · ".join(parts[c][k] for c in columns if parts[c][k]) for k, key in enumerate(parts["series"])}


def shared_description(df: pd.DataFrame, headline: str = "") -> str:
    """What every plotted series shares, in words, for the subtitle: platform, the publisher's own label (next to
    our category in the title), source, region, period kind; a part the headline already names is left out.
    Together with the legend it names every series."""
    parts = _name_parts(df)
    words = []
    for column in NAME_PARTS:
        values = set(parts[column])
        if column == "policy_area" or len(values) != 1 or not next(iter(values)) or _names(headline, min(values)):
            continue
        value = min(values)
        if column == "policy_label":
            value = f"published as ‘{value}’"
        elif column == "metric_label":
            if value.lower() in {naming.metric_name(m).lower() for m in df["metric"].unique()}:
                continue
            value = f"measure published as ‘{value}’"
        elif column == "source":
            value = f"source: {value}"
        words.append(value)
    return " · ".join(words)


def _names(headline: str, value: str) -> bool:
    return bool(headline) and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", headline) is not None


def hover_text(r, mode: str = "absolute") -> str:
    """What a point says on hover: platform, period, the value as published, our category and the publisher's label."""
    value = r.value_text or "no figure"
    if r.qualifier:
        value += f" ({r.qualifier.replace('_', ' ')})"
    lines = [f"<b>{text(naming.platform_name(r.platform))}</b> · {text(r.period)}",
             f"{text(r.metric_label)}: {text(value)}"]
    if getattr(r, "days_covered", None) is not None and not pd.isna(r.days_covered):
        lines.append(f"sum of daily counts{': partial' if r.partial else ''}, the daily figures cover "
                     f"{r.days_covered} of its {r.days_in_period} days (derived)")
    if mode in ("indexed", "per_million"):
        shown = "no figure" if pd.isna(r.value) else f"{r.value:,.2f}"
        lines.append(f"{'index' if mode == 'indexed' else 'per million recipients'}: {shown}")
    lines.append(f"{text(r.policy_label or '(no label)')} [{text(naming.policy_area_name(r.policy_area))}]")
    lines.append(f"source: {text(r.source)} · {text(r.region)} · {r.period_start:%Y-%m-%d} to "
                 f"{r.period_end:%Y-%m-%d}")
    return "<br>".join(lines)


# -- geometry ------------------------------------------------------------------------------------------------

def iso(values: pd.Series) -> list[str]:
    """Dates as plotly reads them ('2023-04-01', '2023-05-16 12:00')."""
    return values.dt.strftime("%Y-%m-%d %H:%M").str.removesuffix(" 00:00").tolist()


def _breaks(rows: pd.DataFrame, ends: pd.Series) -> list[bool]:
    """Before which rows the line breaks: a period that does not start the day after the previous one ended (a
    missing period, or an overlap), or one of another length (halves, years and quarters never share a line)."""
    starts, ends = rows["period_start"].to_numpy(), ends.to_numpy()
    breaks = starts[1:] != ends[:-1]
    if "granularity" in rows:
        kinds = rows["granularity"].to_numpy()
        breaks |= kinds[1:] != kinds[:-1]
    return [False, *breaks.tolist()] if len(starts) else []


def step_points(rows: pd.DataFrame) -> dict[str, list]:
    """x/y for a flat segment across each period (start, middle, end), None between non-adjacent periods; `row`
    is each point's row label in `rows` (None at a break), `size` the marker size (a marker at each middle)."""
    starts, ends = rows["period_start"], rows["period_end"] + timedelta(days=1)
    s, m, e = iso(starts), iso(starts + (ends - starts) / 2), iso(ends)
    values = [None if pd.isna(v) else float(v) for v in rows["value"]]
    out = {"x": [], "y": [], "row": [], "size": []}
    for k, (i, brk) in enumerate(zip(rows.index, _breaks(rows, ends), strict=True)):
        if brk:
            for key, blank in (("x", None), ("y", None), ("row", None), ("size", 0)):
                out[key].append(blank)
        out["x"] += [s[k], m[k], e[k]]
        out["y"] += [values[k]] * 3
        out["row"] += [i] * 3
        out["size"] += [0, 8, 0]
    return out


def dense_points(rows: pd.DataFrame) -> dict[str, list]:
    """One point per period (its middle) for long daily or weekly series; None between non-adjacent periods."""
    starts, ends = rows["period_start"], rows["period_end"] + timedelta(days=1)
    mids = iso(starts + (ends - starts) / 2)
    out = {"x": [], "y": [], "row": []}
    for k, (i, v, brk) in enumerate(zip(rows.index, rows["value"], _breaks(rows, ends), strict=True)):
        if brk:
            for key in out:
                out[key].append(None)
        out["x"].append(mids[k])
        out["y"].append(None if pd.isna(v) else float(v))
        out["row"].append(i)
    return out


def is_dense(rows: pd.DataFrame) -> bool:
    return len(rows) > DENSE or rows["granularity"].iloc[0] in ("day", "week")


def series_trace(rows: pd.DataFrame, n: int, name: str, *, hover: Callable | None = None,
                 chart: str | None = None) -> dict:
    """One series (rows of one period length, sorted by start) as a line in the house style: each value a flat
    segment across its period, a marker at its middle, breaks where periods do not touch.

    `hover(row)` gives a period's hover text (already safe); `chart` tags every point with customdata
    [chart, row label] so that a click can find its figure. Dense series show date and value on hover."""
    colour, dash, symbol = line_style(n)
    trace = {"type": "scatter", "name": text(name), "connectgaps": False, "legendgroup": rows["series"].iloc[0]}
    if is_dense(rows):
        points = dense_points(rows)
        trace.update(mode="lines", line={"color": colour, "dash": dash, "width": 1.5},
                     hovertemplate="%{x|%Y-%m-%d}: %{y:,}<br>%{fullData.name}<extra></extra>")
    else:
        points = step_points(rows)
        trace.update(mode="lines+markers", line={"color": colour, "dash": dash, "width": 2.5},
                     marker={"size": points["size"], "symbol": symbol, "color": colour})
        if hover:
            hovers = {i: hover(r) for i, r in zip(rows.index, rows.itertuples(), strict=True)}
            trace.update(hovertext=["" if i is None else hovers[i] for i in points["row"]], hoverinfo="text")
    trace.update(x=points["x"], y=points["y"])
    if chart is not None:
        trace["customdata"] = [None if i is None else [chart, int(i)] for i in points["row"]]
    return trace


# -- titles, axes, source line -------------------------------------------------------------------------------

def subtitle_lines(parts: list[str], width: int) -> list[str]:
    """The subtitle's lines: each part wrapped at `width` characters (plotly does not wrap text itself)."""
    return [line for part in parts if part for line in textwrap.wrap(part, width)]


def title(headline: str, subtitle: list[str] = (), *, size: int = 17) -> dict:
    """A left-aligned title with an optional subtitle of one or more lines (all escaped)."""
    out = {"text": text(headline), "x": 0, "xanchor": "left", "font": {"size": size, "weight": 600, "color": INK}}
    if subtitle:
        out["subtitle"] = {"text": "<br>".join(text(line) for line in subtitle),
                           "font": {"size": SUBTITLE_SIZE, "color": MUTED}}
    return out


def axis_title(unit: str, mode: str = "absolute", metric: str = "") -> str:
    """The y-axis title for a unit (and the values mode): 'Content actioned (count)', 'share (%)', 'index ...'."""
    if mode == "indexed":
        words = "index (first period = 100)"
    elif mode == "per_million":
        words = "per million recipients"
    else:
        words = {"ratio": "share, %"}.get(unit, unit)
    return f"{metric} ({words})" if metric else words


def y_axis(unit: str, mode: str = "absolute", scale: str = "linear", metric: str = "") -> dict:
    """The value axis: title per unit, shares as percentages, whole numbers with thousands separators."""
    axis = {"type": "log" if scale == "log" else "linear", "title": {"text": text(axis_title(unit, mode, metric))},
            "separatethousands": True, "exponentformat": "none", "rangemode": "normal" if scale == "log" else "tozero",
            "gridcolor": GRID, "zerolinecolor": "#bbb", "showgrid": True, "automargin": True}
    if unit == "ratio" and mode == "absolute":
        axis["tickformat"] = ".1%"
    return axis


def wrap(line: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken at '; ' first so that a source's name stays on one line."""
    lines, current = [], ""
    for part in line.split("; "):
        candidate = f"{current}; {part}" if current else part
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current + ";")
            current = part
    lines.append(current)
    return [piece for line in lines for piece in (textwrap.wrap(line, width) or [""])]


def source_annotation(lines: list[str], yshift: float, **extra) -> dict:
    """The source line(s) under a chart, left-aligned in small grey type, escaped."""
    return {"text": "<br>".join(text(line) for line in lines), "xref": "paper", "yref": "paper", "x": 0, "y": 0,
            "yshift": yshift, "xanchor": "left", "showarrow": False, "align": "left", "font": SOURCE_FONT,
            "name": "source-line", **extra}
