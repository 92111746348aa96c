"""Publication-quality static charts (PNG and SVG through plotly's static export on the system Chromium): title,
units, period labels, a source line naming every source and its licence, and the annotations that touch it."""
from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from reports import analysis
from reports.errors import AtlasError
from reports.export import Selection
from reports.store import Store

WIDTH, HEIGHT, SCALE = 1200, 675, 2
MAX_SERIES = 15
# Above this many distinct periods the axis shows dates; below it, every tick is the period's own label.
MAX_LABELLED_PERIODS = 40
LINE_CHARS = 170
COLOURS = ["#1f4e79", "#c0504d", "#4f8a3c", "#8064a2", "#e07b00", "#2c9fa3", "#7f6000", "#b4457f", "#5a5a5a",
           "#3d85c6", "#a64d79", "#6aa84f", "#cc4125", "#134f5c", "#8e7cc3"]
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


@dataclass
class ChartFiles:
    """What `chart` wrote."""

    png: Path
    svg: Path
    series: int
    figures: int
    source_line: str


def chart_rows(store: Store, selection: Selection) -> pd.DataFrame:
    """The totals a selection holds, as the analysis module's series (one line per platform, source, region,
    policy label, metric label and period length); breakdowns are left out so nothing is double counted."""
    metrics = selection.metrics or _distinct(store, "metric", selection)
    areas = selection.policy_areas or [""]
    parts = [analysis.series(store, replace(selection, metrics=[metric], policy_areas=[area] if area else []), full=True)
             for metric in metrics for area in areas]
    parts = [p for p in parts if not p.empty]
    if not parts:
        raise AtlasError(f"no totals to chart for {selection.describe()}")
    return pd.concat(parts, ignore_index=True)


def _distinct(store: Store, column: str, selection: Selection) -> list[str]:
    where, params = selection.where()
    sql = f"SELECT DISTINCT {column} FROM latest WHERE breakdown = ''{' AND ' + where if where else ''} ORDER BY 1"
    return store.query(sql, params)[column].tolist()


def legend_names(keys: list[str]) -> dict[str, str]:
    """Short legend entries: only the parts of the series keys that differ between the lines."""
    split = {k: k.split(" · ") for k in keys}
    width = max(len(p) for p in split.values())
    varying = [i for i in range(width) if len({tuple(p)[i] if i < len(p) else "" for p in split.values()}) > 1]
    return {k: " · ".join(p[i] for i in varying if i < len(p)) or p[0] for k, p in split.items()}


def wrap(text: str, width: int = LINE_CHARS) -> list[str]:
    """Lines of at most `width` characters, broken at '; ' first so that a source's name stays on one line."""
    lines, current = [], ""
    for part in text.split("; "):
        candidate = f"{current}; {part}" if current else part
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current + ";")
            current = part
    lines.append(current)
    return [piece for line in lines for piece in (textwrap.wrap(line, width) or [""])]


def chart_title(rows: pd.DataFrame) -> str:
    """Platforms, metric and policy area in words."""
    platforms = ", ".join(dict.fromkeys(rows["platform"].map(analysis.platform_name)))
    metrics = ", ".join(dict.fromkeys(rows["metric"].map(analysis.metric_name)))
    areas = list(dict.fromkeys(rows["policy_area"]))
    area = "" if len(areas) != 1 or areas[0] == "ALL" else f": {analysis.policy_area_name(areas[0])}"
    return f"{platforms}: {metrics}{area}"


def unit_title(rows: pd.DataFrame) -> tuple[str, str]:
    """The y-axis title and tick format for the chart's one unit."""
    units = list(dict.fromkeys(rows["unit"]))
    if len(units) > 1:
        metrics = ", ".join(dict.fromkeys(rows["metric"]))
        raise AtlasError(f"the selection mixes units ({', '.join(units)}; metrics {metrics}): chart one --metric at a time")
    unit = units[0]
    metrics = ", ".join(dict.fromkeys(rows["metric"].map(analysis.metric_name)))
    if unit == "ratio":
        return f"{metrics} (share, %)", ".1%"
    return f"{metrics} ({unit})", ",.0f" if unit == "count" else ",.4~g"


def period_ticks(rows: pd.DataFrame) -> tuple[list, list] | None:
    """Tick positions (each period's middle) and labels (the period's own label), when few enough to read."""
    periods = rows.drop_duplicates("period").sort_values(["period_start", "period_end"])
    if len(periods) > MAX_LABELLED_PERIODS:
        return None
    return [middle(r.period_start, r.period_end) for r in periods.itertuples()], periods["period"].tolist()


def middle(start, end) -> pd.Timestamp:
    start, end = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    return start + (end - start) / 2


def build_figure(store: Store, rows: pd.DataFrame, *, title: str | None = None, subtitle: str | None = None,
                 annotate: bool = True, width: int = WIDTH) -> go.Figure:
    """A line per series at each period's middle (gaps where nothing was published), titled, sourced and annotated."""
    keys = list(dict.fromkeys(rows["series"]))
    if len(keys) > MAX_SERIES:
        raise AtlasError(f"{len(keys)} series are too many for one chart (at most {MAX_SERIES}): narrow the selection "
                         "with --policy-area, --metric, --platform or --region")
    y_title, tick_format = unit_title(rows)
    names = legend_names(keys)
    fig = go.Figure()
    for n, key in enumerate(keys):
        part = rows[rows["series"] == key].sort_values("period_start")
        fig.add_trace(go.Scatter(
            x=[middle(s, e) for s, e in zip(part["period_start"], part["period_end"], strict=True)],
            y=part["value"].astype(float), name=names[key], connectgaps=False,
            mode="lines+markers" if len(part) <= MAX_LABELLED_PERIODS else "lines",
            line={"color": COLOURS[n % len(COLOURS)], "width": 2.5}, marker={"size": 7},
            customdata=list(zip(part["period"], part["value_text"], strict=True)),
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + names[key] + "</extra>"))
    notes = analysis.annotations_for(rows["platform"].unique(), rows["source"].unique(), rows["period_start"].min(),
                                     rows["period_end"].max(),
                                     rows["policy_area"].iloc[0] if rows["policy_area"].nunique() == 1 else None) \
        if annotate else []
    for n, note in enumerate(notes, start=1):
        fig.add_vline(x=pd.Timestamp(note["start"]), line={"dash": "dot", "color": "#777777", "width": 1})
        fig.add_annotation(x=pd.Timestamp(note["start"]), y=1, yref="paper", text=f"[{n}]", showarrow=False,
                           yanchor="top", xanchor="left", bgcolor="white", font={"size": 12, "color": "#555555"})
    footer = wrap(analysis.source_line(store, rows["document_sha256"]))
    for n, note in enumerate(notes, start=1):
        footer += wrap(f"[{n}] {note['start']}: {note['text']}" + (f" ({note['citation']})" if note["citation"] else ""))
    ticks = period_ticks(rows)
    xaxis = {"title": {"text": "Period"}, "showgrid": False, "ticks": "outside"}
    if ticks:
        xaxis.update(tickmode="array", tickvals=ticks[0], ticktext=ticks[1], tickangle=-45 if len(ticks[1]) > 12 else 0)
    footer_height = 18 * len(footer) + 20
    # Horizontal legend between the title and the plot; entries a row estimated from the longest name (~7 px a
    # character at 12 px, plus the line sample), so that the title never overlaps it.
    per_row = max(1, (width - 150) // (7 * max(len(v) for v in names.values()) + 60))
    legend_height = 22 * -(-len(keys) // per_row)
    fig.update_layout(
        title={"text": f"<b>{title or chart_title(rows)}</b>" + (f"<br><sup>{subtitle}</sup>" if subtitle else ""),
               "x": 0.01, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 18},
               "font": {"size": 22}},
        font={"family": FONT, "size": 14, "color": "#222222"}, template="simple_white", width=width,
        height=HEIGHT + footer_height + legend_height,
        margin={"l": 90, "r": 30, "t": 80 + legend_height + (20 if subtitle else 0), "b": 110 + footer_height},
        xaxis=xaxis, yaxis={"title": {"text": y_title}, "tickformat": tick_format, "rangemode": "tozero",
                            "gridcolor": "#e5e5e5", "showgrid": True},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "font": {"size": 12}},
        hovermode="x unified",
    )
    # The footer sits below the axis, in pixels, so that it never overlaps the tick labels.
    for n, line in enumerate(footer):
        fig.add_annotation(text=line, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                           yshift=-(95 + 18 * n), showarrow=False, align="left",
                           font={"size": 11, "color": "#444444"})
    return fig


def write_chart(fig: go.Figure, out: Path) -> tuple[Path, Path]:
    """Write PNG and SVG beside each other (`out` with .png and .svg), through kaleido and the system Chromium."""
    out.parent.mkdir(parents=True, exist_ok=True)
    png, svg = out.with_suffix(".png"), out.with_suffix(".svg")
    # choreographer logs a traceback for a browser message split across reads, which it then ignores; real
    # failures still raise, so its log is quietened while we export.
    quiet = logging.getLogger("choreographer")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        pio.write_images([fig, fig], [png, svg], scale=SCALE, width=fig.layout.width, height=fig.layout.height)
    except Exception as exc:  # kaleido raises its own types (no Chrome, a browser crash): say what to do
        raise AtlasError(f"static export failed ({type(exc).__name__}: {exc}); it needs Chromium or Chrome "
                         "(e.g. `apt-get install chromium`, or set BROWSER_PATH)", file=out) from None
    finally:
        quiet.setLevel(level)
    return png, svg


def chart(store: Store, selection: Selection, out: Path, *, title: str | None = None) -> ChartFiles:
    """Chart a selection's totals and write PNG and SVG."""
    rows = chart_rows(store, selection)
    fig = build_figure(store, rows, title=title)
    png, svg = write_chart(fig, out)
    return ChartFiles(png=png, svg=svg, series=rows["series"].nunique(), figures=len(rows),
                      source_line=analysis.source_line(store, rows["document_sha256"]))
