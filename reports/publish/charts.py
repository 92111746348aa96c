"""Publication-quality static charts (PNG and SVG through plotly's static export on the system Chromium): title,
units, period labels, a source line naming every source and its licence, and the annotations that touch it.
Drawn in the dashboard's style (reports.plotstyle): each value across its real period, gaps left as gaps."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from reports.model.errors import AtlasError
from reports.model.schema import COMBINED, DERIVED
from reports.model.selection import Selection
from reports.publish import plotstyle
from reports.query import events, naming, origin, rollup, timeseries
from reports.store.database import Store

WIDTH, HEIGHT, SCALE = 1200, 675, 2
MAX_SERIES = 15
# Above this many distinct periods the axis shows dates; below it, every tick is the period's own label.
MAX_LABELLED_PERIODS = 40
LINE_CHARS = 170
# At most this many lines name combined or derived values under a chart.
MAX_QUALIFIED_LINES = 4


@dataclass
class ChartFiles:
    """What `chart` wrote."""

    png: Path
    svg: Path
    series: int
    figures: int
    source_line: str


def chart_rows(store: Store, selection: Selection, *, per: str | None = None) -> pd.DataFrame:
    """The totals a selection holds, as the analysis module's series (one line per platform, source, region,
    policy label, metric label and period length); breakdowns are left out so nothing is double counted. `per`
    ('month' or 'year') sums daily counts per calendar month or year (rollup: derived, partial periods marked)."""
    metrics = selection.metrics or _distinct(store, "metric", selection)
    areas = selection.policy_areas or [""]
    parts = [timeseries.series(store, replace(selection, metrics=[metric], policy_areas=[area] if area else []), full=True)
             for metric in metrics for area in areas]
    parts = [p for p in parts if not p.empty]
    if not parts:
        raise AtlasError(f"no totals to chart for {selection.describe()}")
    return rollup.sums_of_daily(store, pd.concat(parts, ignore_index=True), per)


def _distinct(store: Store, column: str, selection: Selection) -> list[str]:
    where, params = selection.where()
    sql = f"SELECT DISTINCT {column} FROM latest WHERE breakdown = ''{' AND ' + where if where else ''} ORDER BY 1"
    return store.query(sql, params)[column].tolist()


def chart_title(rows: pd.DataFrame) -> str:
    """Platforms, metric and policy area in words."""
    platforms = ", ".join(dict.fromkeys(rows["platform"].map(naming.platform_name)))
    metrics = ", ".join(dict.fromkeys(rows["metric"].map(naming.metric_name)))
    areas = list(dict.fromkeys(rows["policy_area"]))
    area = "" if len(areas) != 1 or areas[0] == "ALL" else f": {naming.policy_area_name(areas[0])}"
    return f"{platforms}: {metrics}{area}"


def chart_unit(rows: pd.DataFrame) -> str:
    """The chart's one unit (a chart never mixes counts with shares or hours)."""
    units = list(dict.fromkeys(rows["unit"]))
    if len(units) > 1:
        metrics = ", ".join(dict.fromkeys(rows["metric"]))
        raise AtlasError(f"the selection mixes units ({', '.join(units)}; metrics {metrics}): chart one --metric at a time")
    return units[0]


def period_ticks(rows: pd.DataFrame) -> tuple[list, list] | None:
    """Tick positions (each period's middle) and labels (the period's own label), when few enough to read."""
    periods = rows.drop_duplicates("period").sort_values(["period_start", "period_end"])
    if len(periods) > MAX_LABELLED_PERIODS:
        return None
    return [middle(r.period_start, r.period_end) for r in periods.itertuples()], periods["period"].tolist()


def middle(start, end) -> pd.Timestamp:
    start, end = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    return start + (end - start) / 2


def chart_notes(rows: pd.DataFrame, annotate: bool) -> list[dict]:
    """The annotations (events, corrections) that touch the chart's platforms, sources and dates."""
    if not annotate:
        return []
    area = rows["policy_area"].iloc[0] if rows["policy_area"].nunique() == 1 else None
    return events.annotations_for(rows["platform"].unique(), rows["source"].unique(), rows["period_start"].min(),
                                    rows["period_end"].max(), area)


def series_traces(rows: pd.DataFrame) -> list[dict]:
    """One line per series in the house style (reports.plotstyle): each value a flat segment across its period,
    a break where a period is missing; legend names say what tells the series apart."""
    keys = list(dict.fromkeys(rows["series"]))
    if len(keys) > MAX_SERIES:
        raise AtlasError(f"{len(keys)} series are too many for one chart (at most {MAX_SERIES}): narrow the selection "
                         "with --policy-area, --metric, --platform or --region")
    names = plotstyle.trace_names(rows)
    return [plotstyle.series_trace(part.sort_values("period_start"), n, names[key], hover=plotstyle.hover_text)
            for n, (key, part) in enumerate(rows.groupby("series", sort=False))]


def x_axis(rows: pd.DataFrame) -> dict:
    """Dates, labelled with each period's own label when there are few enough periods to read."""
    axis = {"type": "date", "title": {"text": plotstyle.X_TITLE}, "showgrid": False, "ticks": "outside"}
    ticks = period_ticks(rows)
    if ticks:
        axis.update(tickmode="array", tickvals=ticks[0], ticktext=[plotstyle.text(t) for t in ticks[1]],
                    tickangle=-45 if len(ticks[1]) > 12 else 0)
    return axis


def qualified_values(rows: pd.DataFrame) -> list[str]:
    """A line for each value that is not a plain published figure of its own: one printed for several platforms
    together (combined), or computed by the atlas (derived); sums of daily counts, one line per series naming the
    partial periods."""
    lines = rollup.notes(rows)
    summed = rows["days_covered"].notna() if "days_covered" in rows else pd.Series(False, index=rows.index)
    for r in rows[rows["qualifier"].isin([COMBINED, DERIVED]) & ~summed].itertuples():
        where = getattr(r, "locator", "") or r.period
        what = ("one figure printed for several platforms together, shown for each and never added twice"
                if r.qualifier == COMBINED else "derived by the atlas from published figures")
        lines.append(f"{naming.platform_name(r.platform)} {r.period} ({r.source}): {what} ({where})")
    if len(lines) > MAX_QUALIFIED_LINES:
        lines = lines[:MAX_QUALIFIED_LINES - 1] + [f"... and {len(lines) - MAX_QUALIFIED_LINES + 1} more such values "
                                                   "(the export's qualifier column names each)"]
    return lines


def footer_lines(store: Store, rows: pd.DataFrame, notes: list[dict]) -> list[str]:
    """The source line, then each combined or derived value, then each annotation's text and citation, wrapped."""
    lines = plotstyle.wrap(origin.source_line(store, rows["document_sha256"]), LINE_CHARS)
    for line in qualified_values(rows):
        lines += plotstyle.wrap(line, LINE_CHARS)
    for n, note in enumerate(notes, start=1):
        lines += plotstyle.wrap(f"[{n}] {note['start']}: {note['text']}" + (f" ({note['citation']})" if note["citation"]
                                                                            else ""), LINE_CHARS)
    return lines


def legend_height(traces: list[dict], width: int) -> int:
    """Pixels the horizontal legend takes (none for one line): entries a row estimated from the longest name
    (~7 px a character at 12 px, plus the line sample), about 30 px a row."""
    if len(traces) < 2:
        return 0
    longest = max(len(t["name"]) for t in traces)
    per_row = max(1, (width - 150) // (7 * longest + 60))
    return 30 * -(-len(traces) // per_row)


def chart_layout(rows: pd.DataFrame, traces: list[dict], headline: str, subtitles: list[str], footer: list[str],
                 width: int) -> dict:
    """Title and subtitle, then the legend above the plot, the axes, and room under it for the footer."""
    top = 80 + legend_height(traces, width) + 18 * len(subtitles)
    xaxis = x_axis(rows)
    # Under the axis (and its tick labels, taller when turned) in pixels, so that it never overlaps them.
    footer_at = 95 + (35 if xaxis.get("tickangle") else 0)
    bottom = footer_at + 18 * len(footer) + 35
    metric = ", ".join(dict.fromkeys(rows["metric"].map(naming.metric_name)))
    return {
        "title": {**plotstyle.title(headline, subtitles, size=22), "x": 0.01, "y": 1, "yref": "container",
                  "yanchor": "top", "pad": {"t": 18}},
        "font": {"family": plotstyle.FONT, "size": 14, "color": plotstyle.INK}, "template": "simple_white",
        "width": width, "height": HEIGHT + top + bottom - 190, "margin": {"l": 90, "r": 30, "t": top, "b": bottom},
        "xaxis": xaxis, "yaxis": plotstyle.y_axis(chart_unit(rows), metric=metric),
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "font": {"size": 12}},
        "showlegend": len(traces) > 1, "hovermode": "closest", "hoverlabel": {"namelength": -1},
        "annotations": [plotstyle.source_annotation([line], -(footer_at + 18 * n), yanchor="top",
                                                    name="source-line" if n == 0 else f"footer-{n}")
                        for n, line in enumerate(footer)],
    }


def build_figure(store: Store, rows: pd.DataFrame, *, title: str | None = None, subtitle: str | None = None,
                 annotate: bool = True, width: int = WIDTH) -> go.Figure:
    """The chart: a title naming metric and category, a subtitle naming what every line shares (platform, the
    publisher's own label, source), the legend what tells them apart; each value drawn across its period;
    sourced and annotated. Every text is escaped: nothing a publisher wrote becomes markup."""
    chart_unit(rows)  # refuses mixed units before anything is drawn
    traces = series_traces(rows)
    headline = title or chart_title(rows)
    subtitles = plotstyle.subtitle_lines([subtitle, plotstyle.shared_description(rows, headline)], width // 8)
    notes = chart_notes(rows, annotate)
    fig = go.Figure({"data": traces, "layout": chart_layout(rows, traces, headline, subtitles,
                                                            footer_lines(store, rows, notes), width)})
    for n, note in enumerate(notes, start=1):
        fig.add_vline(x=pd.Timestamp(note["start"]), line={"dash": "dot", "color": "#777777", "width": 1})
        fig.add_annotation(x=pd.Timestamp(note["start"]), y=1, yref="paper", text=f"[{n}]", showarrow=False,
                           yanchor="top", xanchor="left", bgcolor="white", font={"size": 12, "color": "#555555"})
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
    except Exception as exc:  # noqa: BLE001 -- kaleido raises its own types (no Chrome, a browser crash): say what to do
        raise AtlasError(f"static export failed ({type(exc).__name__}: {exc}); it needs Chromium or Chrome "
                         "(e.g. `apt-get install chromium`, or set BROWSER_PATH)", file=out) from None
    finally:
        quiet.setLevel(level)
    return png, svg


def chart(store: Store, selection: Selection, out: Path, *, title: str | None = None,
          per: str | None = None) -> ChartFiles:
    """Chart a selection's totals (daily counts summed `per` month or year, when given) and write PNG and SVG."""
    rows = chart_rows(store, selection, per=per)
    fig = build_figure(store, rows, title=title)
    png, svg = write_chart(fig, out)
    return ChartFiles(png=png, svg=svg, series=rows["series"].nunique(), figures=len(rows),
                      source_line=origin.source_line(store, rows["document_sha256"]))
