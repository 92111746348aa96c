"""Plotly figures for the dashboard: trends drawn across real periods, coverage timelines, cross-checks.

Figures are plain plotly dicts (`{"data": [...], "layout": {...}}`): building them skips plotly's per-property
validation, which costs more than the query on large series. `plotly.graph_objects.Figure(fig)` accepts them.
Data text (labels, names) goes into figures escaped, because plotly reads a subset of HTML in its text."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd

from reports.publish import plotstyle
from reports.publish.plotstyle import PALETTE
from reports.query import naming, rollup
from reports.query.crosschecks import NCMEC_COMBINED, NCMEC_NO_EDITION, NCMEC_NOT_LISTED, NCMEC_PRINTED
from reports.query.reconcile import value_text

_text = plotstyle.text


def base_layout(data: list[dict], *, title: str = "", subtitle: str = "", source_line: str = "", height: int = 480,
                wrap: int = 170, **layout) -> dict:
    """The house style (reports.plotstyle) laid out for a screen: the legend (one series a line) under the plot,
    then the source line."""
    entries = sum(1 for t in data if t.get("showlegend", True))
    legend_rows = entries if entries > 1 else 0
    # Long source lines wrap (plotly does not wrap text itself).
    source_lines = plotstyle.wrap(source_line, wrap) if source_line else []
    subtitles = plotstyle.subtitle_lines([subtitle], int(wrap * 0.85))
    bottom = 70 + 29 * legend_rows + 16 * len(source_lines) + (18 if source_lines else 0)
    top = 96 + 18 * len(subtitles)
    total = height + 29 * legend_rows + 18 * len(subtitles)
    plot_height = max(total - top - bottom, 120)
    out = {
        "height": total, "font": {"family": plotstyle.FONT, "size": 13, "color": plotstyle.INK},
        "title": plotstyle.title(title, subtitles),
        "margin": {"l": 76, "r": 24, "t": top, "b": bottom}, "showlegend": entries > 1,
        # Legend y is relative to the plot area: start it below the x-axis title.
        "legend": {"orientation": "v", "yanchor": "top", "y": -56 / plot_height, "x": 0, "font": {"size": 12}},
        "hoverlabel": {"namelength": -1}, "hovermode": "closest", "annotations": [], "shapes": [],
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "xaxis": {"gridcolor": plotstyle.GRID, "zerolinecolor": "#bbb"},
        "yaxis": {"gridcolor": plotstyle.GRID, "zerolinecolor": "#bbb"},
    }
    for key, value in layout.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    if source_lines:
        out["annotations"].append(plotstyle.source_annotation(source_lines, -(bottom - 8), yanchor="bottom"))
    return {"data": data, "layout": out}


def empty_figure(message: str, *, height: int = 360) -> dict:
    """A blank chart that says in words why there is nothing to draw."""
    fig = base_layout([], height=height, xaxis={"visible": False}, yaxis={"visible": False})
    fig["layout"]["annotations"].append({"text": _text(message), "xref": "paper", "yref": "paper", "x": 0.5,
                                         "y": 0.5, "showarrow": False, "font": {"size": 15}})
    return fig


def trend_figure(df: pd.DataFrame, *, mode: str = "absolute", scale: str = "linear", unit: str = "count",
                 title: str = "", source_line: str = "", notes: list[dict] | None = None, height: int = 520,
                 chart: str = "trends", wrap: int = 170) -> dict:
    """One line per series; each value is a flat segment across its own period; gaps stay gaps. The subtitle
    names what the series share (platform, the publisher's own label, source), the legend what tells them apart.

    Every point carries `customdata` = [chart, row number in df] so a click can find its figure."""
    names = plotstyle.trace_names(df)
    data = [plotstyle.series_trace(rows.sort_values("period_start"), n, names[key], chart=chart,
                                   hover=lambda r: plotstyle.hover_text(r, mode))
            for n, (key, rows) in enumerate(df.groupby("series", sort=False))]
    metrics = df["metric"].unique()
    metric = naming.metric_name(metrics[0]) if len(metrics) == 1 else ""
    subtitle = " · ".join(filter(None, [plotstyle.shared_description(df, title), *rollup.notes(df)]))
    fig = base_layout(data, title=title, subtitle=subtitle, source_line=source_line,
                      height=height, wrap=wrap, yaxis=plotstyle.y_axis(unit, mode, scale, metric),
                      xaxis={"type": "date", "title": {"text": plotstyle.X_TITLE}})
    add_annotations(fig, notes or [])
    return fig


def add_annotations(fig: dict, notes: list[dict]) -> None:
    """Events and corrections: a dotted line (a band for a date range) with a numbered label; full text on hover."""
    layout = fig["layout"]
    for n, note in enumerate(notes, start=1):
        start = pd.Timestamp(note["start"]).strftime("%Y-%m-%d")
        if note.get("end"):
            end = (pd.Timestamp(note["end"]) + timedelta(days=1)).strftime("%Y-%m-%d")
            layout["shapes"].append({"type": "rect", "x0": start, "x1": end, "xref": "x", "yref": "paper", "y0": 0,
                                     "y1": 1, "layer": "below", "fillcolor": "rgba(120,120,120,0.10)",
                                     "line": {"width": 0}, "name": f"annotation-{note['id']}"})
        layout["shapes"].append({"type": "line", "x0": start, "x1": start, "xref": "x", "yref": "paper", "y0": 0,
                                 "y1": 1, "line": {"color": "#555", "width": 1, "dash": "dot"},
                                 "name": f"annotation-{note['id']}"})
        layout["annotations"].append({
            "x": start, "xref": "x", "yref": "paper", "y": 1, "yshift": 4 + 17 * ((n - 1) % 3), "showarrow": False,
            "xanchor": "left", "yanchor": "bottom", "text": f"[{n}] {_text(note.get('label') or note['id'])}",
            "hovertext": _text(note["text"]), "font": {"size": 11, "color": "#333"},
            "bgcolor": "rgba(255,255,255,0.85)", "name": f"annotation-{note['id']}"})


def coverage_figure(spans: pd.DataFrame, title: str = "", source_line: str = "") -> dict:
    """Which periods each source covers: one bar per run of contiguous periods."""
    if spans.empty:
        return empty_figure("No figures with a value for this platform.")
    data = []
    for n, kind in enumerate(dict.fromkeys(spans["granularity"])):
        part = spans[spans.granularity == kind]
        ends = part["end"] + timedelta(days=1)
        data.append({
            "type": "bar", "orientation": "h", "y": part["source"].tolist(), "base": plotstyle.iso(part["start"]),
            "x": ((ends - part["start"]).dt.total_seconds() * 1000).tolist(),
            "name": _text("periods of other lengths" if kind == "span" else f"{kind}ly figures".replace("dayly", "daily")
                          .replace("halfly", "half-yearly")),
            "marker": {"color": PALETTE[n % len(PALETTE)]}, "hoverinfo": "text",
            "hovertext": [f"{_text(r.source)}: {r.start:%Y-%m-%d} to {r.end:%Y-%m-%d} ({r.periods} {kind} period(s))"
                          for r in part.itertuples()]})
    return base_layout(data, title=title, source_line=source_line,
                       height=260 + 50 * spans["source"].nunique(), barmode="overlay",
                       xaxis={"type": "date", "title": {"text": "period covered"}},
                       yaxis={"autorange": "reversed", "type": "category", "automargin": True})


def ncmec_figure(df: pd.DataFrame, platform: str, source_line: str = "") -> dict:
    """Bars per calendar year: the platform's own count and NCMEC's count for it, ratio labelled above."""
    rows = df[df.platform == platform].sort_values("year")
    if rows.empty:
        return empty_figure("No cross-check for this platform.")
    name = naming.platform_name(platform)
    data = []
    for src, part in rows.groupby("platform_source", sort=False):
        data.append({
            "type": "bar", "x": part["year"].astype(str).tolist(), "y": _numbers(part["platform_value"]),
            "name": _text(f"{name}'s own count ({src}); hatched = derived from halves"),
            "marker": {"color": PALETTE[0], "pattern": {"shape": ["/" if d else "" for d in part["platform_derived"]]}},
            "hoverinfo": "text",
            "hovertext": [f"{_text(src)} {y}: {_v(v)}{' (derived: ' + _text(p) + ')' if d else ''}"
                          for y, v, d, p in zip(part.year, part.platform_value, part.platform_derived,
                                                part.platform_periods, strict=True)]})
    ncmec = rows.drop_duplicates("year")
    data.append({"type": "bar", "x": ncmec["year"].astype(str).tolist(), "y": _numbers(ncmec["ncmec_value"]),
                 "name": "NCMEC's count for it (ncmec-esp); crossed = one row for it and other platforms",
                 "marker": {"color": PALETTE[1],
                            "pattern": {"shape": ["x" if s == NCMEC_COMBINED else "" for s in ncmec["ncmec_status"]]}},
                 "hoverinfo": "text",
                 "hovertext": [f"NCMEC {y}: {_v(v)}" + (f" ({_text(n)})" if s != NCMEC_PRINTED else "")
                               for y, v, s, n in zip(ncmec.year, ncmec.ncmec_value, ncmec.ncmec_status, ncmec.note,
                                                     strict=True)]})
    fig = base_layout(data, title=f"{name}: own count of reports to NCMEC vs NCMEC's count", source_line=source_line,
                      height=460, barmode="group",
                      xaxis={"type": "category", "title": {"text": "calendar year"},
                             "categoryorder": "array", "categoryarray": sorted(rows["year"].astype(str).unique())},
                      yaxis={"title": {"text": "reports to NCMEC"}, "separatethousands": True})
    # On a category axis a numeric-looking x ('2021') would be read as a position: place labels by position.
    position = {year: k for k, year in enumerate(sorted(rows["year"].astype(str).unique()))}
    for r in rows.itertuples():
        label = NCMEC_WORDS.get(r.ncmec_status) or ("" if r.flag is None or pd.isna(r.ratio)
                                                     else f"{'⚠ ' if r.flag else ''}ratio {r.ratio:.2f}")
        if not label:
            continue
        values = [v for v in (r.platform_value, r.ncmec_value) if not pd.isna(v)]
        fig["layout"]["annotations"].append({"x": position[str(r.year)], "y": max(values, default=0), "yshift": 12,
                                             "showarrow": False, "text": label, "font": {"size": 12}})
    return fig


# What a year's label says when NCMEC's side is not a count of its own (crosschecks.ncmec_crosscheck's status).
NCMEC_WORDS = {NCMEC_COMBINED: "NCMEC: counted with another platform", NCMEC_NOT_LISTED: "NCMEC lists none",
               NCMEC_NO_EDITION: "no NCMEC edition in the atlas"}


# How each reconciliation row is drawn: one side zero (no ratio: at the edge of the axis), compared and differing,
# compared and within the threshold, not compared (the database covers too little of the period).
RECONCILE_KINDS = (("zero", "one side is zero: no ratio (▶ the database holds none, ◀ the report gives zero)",
                    PALETTE[3], "triangle-right"),
                   ("differ", "report and database differ by more than 10%", PALETTE[3], "circle"),
                   ("agree", "within 10%", PALETTE[2], "circle"),
                   ("thin", "not compared: the database covers under half of the period", "#888888", "circle-open"))


def _reconcile_kind(r) -> str:
    if r.flag is None or pd.isna(r.flag):
        return "thin"
    if (r.report_value == 0) != (r.database_value == 0):
        return "zero"
    return "differ" if r.flag else "agree"


def _reconcile_label(r) -> str:
    area = "" if r.policy_area == "ALL" else f" · {naming.policy_area_name(r.policy_area)}"
    return _text(f"{r.rank}. {naming.platform_name(r.platform)} {r.period} · {r.measure}{area}")


def _reconcile_hover(r) -> str:
    days = f"database covers {r.database_days} of {r.period_days} days"
    return "<br>".join(_text(t) for t in (
        f"{naming.platform_name(r.platform)} {r.period}, {r.measure} ({r.policy_area})",
        f"report: {value_text(r.report_value, r.unit)}; database: {value_text(r.database_value, r.unit)}",
        f"ratio report / database: {'' if pd.isna(r.ratio) else f'{r.ratio:,.3f}'}; {days}",
        (r.note[:300] + "…") if len(r.note) > 300 else r.note) if t)


def _reconcile_x(r, low: float, high: float) -> float:
    """Where a row sits: its ratio, or an edge of the axis where one side is zero (1 where both are)."""
    if r.report_value == 0 and r.database_value == 0:
        return 1.0
    return high if r.database_value == 0 else low if r.report_value == 0 else r.ratio


def reconcile_figure(rows: pd.DataFrame, title: str, source_line: str = "") -> dict:
    """One dot per reconciliation row at its ratio report / database (log axis; 1 = they agree), in rank order
    from the top. A row where one side is zero has no ratio: it sits at the edge of the axis, marked as such."""
    both = rows.dropna(subset=["report_value", "database_value"])
    if both.empty:
        return empty_figure("No row has both a report value and a database value to compare.")
    finite = both["ratio"][both["ratio"] > 0].dropna()
    low, high = (finite.min() / 4, finite.max() * 4) if not finite.empty else (0.1, 10.0)
    both = both.assign(x=[_reconcile_x(r, low, high) for r in both.itertuples()],
                       kind=[_reconcile_kind(r) for r in both.itertuples()])
    data = []
    for kind, name, color, symbol in RECONCILE_KINDS:
        part = both[both.kind == kind]
        if part.empty:
            continue
        data.append({"type": "scatter", "mode": "markers", "x": part["x"].tolist(),
                     "y": [_reconcile_label(r) for r in part.itertuples()], "name": name,
                     "marker": {"color": color, "size": 11, "symbol": [
                         "triangle-left" if kind == "zero" and r.report_value == 0 else symbol for r in part.itertuples()]},
                     "hoverinfo": "text", "hovertext": [_reconcile_hover(r) for r in part.itertuples()]})
    order = [_reconcile_label(r) for r in both.sort_values("rank").itertuples()]
    left_out = len(rows) - len(both)
    subtitle = ("In rank order from the top; a dot left of 1: the report gives less than the database."
                + (f" {left_out} row(s) without both values are in the table only." if left_out else ""))
    fig = base_layout(data, title=title, subtitle=subtitle, source_line=source_line, height=220 + 24 * len(both),
                      xaxis={"type": "log", "title": {"text": "report / database (log scale; 1 = the same)"}},
                      yaxis={"type": "category", "categoryorder": "array", "categoryarray": order,
                             "autorange": "reversed", "automargin": True})
    fig["layout"]["shapes"].append({"type": "line", "xref": "x", "yref": "paper", "x0": 1, "x1": 1, "y0": 0, "y1": 1,
                                    "line": {"color": "#555", "width": 1, "dash": "dot"}})
    fig["layout"]["margin"]["l"] = 20
    return fig


def _numbers(values) -> list:
    return [None if pd.isna(v) else float(v) for v in values]


def _v(value) -> str:
    return "no figure" if value is None or pd.isna(value) else f"{value:,.0f}"
