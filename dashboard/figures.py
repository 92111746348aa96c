"""Plotly figures for the dashboard: trends drawn across real periods, coverage timelines, cross-checks.

Figures are plain plotly dicts (`{"data": [...], "layout": {...}}`): building them skips plotly's per-property
validation, which costs more than the query on large series. `plotly.graph_objects.Figure(fig)` accepts them.
Data text (labels, names) goes into figures escaped, because plotly reads a subset of HTML in its text."""
from __future__ import annotations

import textwrap
from datetime import timedelta
from html import escape

import pandas as pd

from reports import analysis

# Okabe-Ito: distinguishable with the common colour-vision deficiencies (yellow last: weak on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
DASHES = ["solid", "dash", "dot", "dashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Series with more periods than this are drawn one point per period (each segment is narrower than a pixel).
DENSE = 400


def _text(value) -> str:
    """Data text made safe for plotly's pseudo-HTML."""
    return escape("" if value is None else str(value), quote=False)


def base_layout(data: list[dict], *, title: str = "", source_line: str = "", height: int = 480, wrap: int = 170,
                **layout) -> dict:
    """Common look: readable fonts, white background, the legend (one series a line) under the plot, then a source line."""
    entries = sum(1 for t in data if t.get("showlegend", True))
    legend_rows = entries if entries > 1 else 0
    # Long source lines wrap (plotly does not wrap text itself).
    source_lines = textwrap.wrap(source_line, wrap) if source_line else []
    bottom = 70 + 29 * legend_rows + 16 * len(source_lines) + (18 if source_lines else 0)
    total = height + 29 * legend_rows
    plot_height = max(total - 96 - bottom, 120)
    out = {
        "template": "plotly_white", "height": total, "font": {"family": FONT, "size": 13},
        "title": {"text": _text(title), "x": 0, "xanchor": "left", "font": {"size": 17}},
        "margin": {"l": 76, "r": 24, "t": 96, "b": bottom}, "showlegend": entries > 1,
        # Legend y is relative to the plot area: start it below the x-axis title.
        "legend": {"orientation": "v", "yanchor": "top", "y": -56 / plot_height, "x": 0, "font": {"size": 12}},
        "hoverlabel": {"namelength": -1}, "hovermode": "closest", "annotations": [], "shapes": [],
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "xaxis": {"gridcolor": "#e5e5e5", "zerolinecolor": "#bbb"},
        "yaxis": {"gridcolor": "#e5e5e5", "zerolinecolor": "#bbb"},
    }
    for key, value in layout.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    if source_line:
        out["annotations"].append({
            "text": "<br>".join(_text(line) for line in source_lines), "xref": "paper", "yref": "paper", "x": 0,
            "y": 0, "yshift": -(bottom - 8), "xanchor": "left", "yanchor": "bottom", "showarrow": False, "align": "left",
            "font": {"size": 11, "color": "#444"}, "name": "source-line"})
    out.pop("template")
    return {"data": data, "layout": out}


def empty_figure(message: str, *, height: int = 360) -> dict:
    """A blank chart that says in words why there is nothing to draw."""
    fig = base_layout([], height=height, xaxis={"visible": False}, yaxis={"visible": False})
    fig["layout"]["annotations"].append({"text": _text(message), "xref": "paper", "yref": "paper", "x": 0.5,
                                         "y": 0.5, "showarrow": False, "font": {"size": 15}})
    return fig


def trace_names(df: pd.DataFrame) -> dict[str, str]:
    """Short legend names: only the parts (platform, source, region, label, metric label, period kind) that
    differ between the plotted series."""
    parts = df.drop_duplicates("series")[["series", "platform", "source", "region", "policy_label", "metric_label",
                                          "granularity", "breakdown"]].copy()
    parts["platform"] = parts["platform"].map(analysis.platform_name)
    columns = [c for c in ("platform", "policy_label", "source", "region", "metric_label", "granularity", "breakdown")
               if parts[c].nunique() > 1] or ["platform"]
    return {r["series"]: " · ".join(str(r[c]) for c in columns if r[c]) for r in parts.to_dict("records")}


def _hover(r, mode: str) -> str:
    value = r.value_text or "no figure"
    if r.qualifier:
        value += f" ({r.qualifier.replace('_', ' ')})"
    lines = [f"<b>{_text(analysis.platform_name(r.platform))}</b> · {_text(r.period)}",
             f"{_text(r.metric_label)}: {_text(value)}"]
    if mode != "absolute":
        shown = "no figure" if pd.isna(r.value) else f"{r.value:,.2f}"
        lines.append(f"{'index' if mode == 'indexed' else 'per million recipients'}: {shown}")
    lines.append(f"{_text(r.policy_label or '(no label)')} [{_text(analysis.policy_area_name(r.policy_area))}]")
    lines.append(f"source: {_text(r.source)} · {_text(r.region)} · {r.period_start:%Y-%m-%d} to "
                 f"{r.period_end:%Y-%m-%d}")
    return "<br>".join(lines)


def _iso(values: pd.Series) -> list[str]:
    return values.dt.strftime("%Y-%m-%d %H:%M").str.removesuffix(" 00:00").tolist()


def _step_trace(rows: pd.DataFrame, mode: str, chart: str) -> dict:
    """x/y for horizontal segments across each period (start, middle, end), breaks where periods do not touch."""
    starts, ends = rows["period_start"], rows["period_end"] + timedelta(days=1)
    mids = starts + (ends - starts) / 2
    gap = (starts > ends.shift()).tolist()
    s, m, e = _iso(starts), _iso(mids), _iso(ends)
    values = [None if pd.isna(v) else float(v) for v in rows["value"]]
    hovers = [_hover(r, mode) for r in rows.itertuples()]
    xs, ys, custom, text, sizes = [], [], [], [], []
    for k, i in enumerate(rows.index):
        if gap[k]:
            xs.append(None)
            ys.append(None)
            custom.append(None)
            text.append("")
            sizes.append(0)
        xs += [s[k], m[k], e[k]]
        ys += [values[k]] * 3
        custom += [[chart, int(i)]] * 3
        text += [hovers[k]] * 3
        sizes += [0, 8, 0]
    return {"x": xs, "y": ys, "customdata": custom, "hovertext": text, "hoverinfo": "text", "sizes": sizes}


def _dense_points(rows: pd.DataFrame, chart: str) -> dict:
    """One point per period (its middle) for long daily or weekly series; a break where periods do not touch."""
    ends = rows["period_end"] + timedelta(days=1)
    mids = _iso(rows["period_start"] + (ends - rows["period_start"]) / 2)
    gap = (rows["period_start"] > ends.shift()).tolist()
    xs, ys, custom = [], [], []
    for k, (i, v) in enumerate(zip(rows.index, rows["value"], strict=True)):
        if gap[k]:
            xs.append(None)
            ys.append(None)
            custom.append(None)
        xs.append(mids[k])
        ys.append(None if pd.isna(v) else float(v))
        custom.append([chart, int(i)])
    return {"x": xs, "y": ys, "customdata": custom}


def trend_figure(df: pd.DataFrame, *, mode: str = "absolute", scale: str = "linear", unit: str = "count",
                 title: str = "", source_line: str = "", notes: list[dict] | None = None, height: int = 520,
                 chart: str = "trends", wrap: int = 170) -> dict:
    """One line per series; each value is a flat segment across its own period; gaps stay gaps.

    Every point carries `customdata` = [chart, row number in df] so a click can find its figure."""
    data = []
    names = trace_names(df)
    for n, (key, rows) in enumerate(df.groupby("series", sort=False)):
        rows = rows.sort_values("period_start")
        colour, dash = PALETTE[n % len(PALETTE)], DASHES[(n // len(PALETTE)) % len(DASHES)]
        trace = {"type": "scatter", "name": _text(names[key]), "connectgaps": False, "legendgroup": key}
        if len(rows) > DENSE or rows["granularity"].iloc[0] in ("day", "week"):
            trace.update(_dense_points(rows, chart), mode="lines", line={"color": colour, "dash": dash, "width": 1.5},
                         hovertemplate="%{x|%Y-%m-%d}: %{y:,}<br>%{fullData.name}<extra></extra>")
        else:
            step = _step_trace(rows, mode, chart)
            trace.update(x=step["x"], y=step["y"], customdata=step["customdata"], hovertext=step["hovertext"],
                         hoverinfo="text", mode="lines+markers", line={"color": colour, "dash": dash, "width": 2.5},
                         marker={"size": step["sizes"], "symbol": SYMBOLS[n % len(SYMBOLS)], "color": colour})
        data.append(trace)
    yaxis = {"type": "log" if scale == "log" else "linear", "title": {"text": _text(_axis_title(unit, mode))},
             "separatethousands": True, "rangemode": "normal" if scale == "log" else "tozero"}
    if unit == "ratio" and mode == "absolute":
        yaxis["tickformat"] = ".1%"
    fig = base_layout(data, title=title, source_line=source_line, height=height, yaxis=yaxis, wrap=wrap,
                      xaxis={"type": "date", "title": {"text": "period (each value drawn across the period it covers)"}})
    add_annotations(fig, notes or [])
    return fig


def _axis_title(unit: str, mode: str) -> str:
    if mode == "indexed":
        return "index (first period = 100)"
    if mode == "per_million":
        return f"{unit} per million recipients"
    return {"ratio": "share (%)", "count": "count"}.get(unit, unit)


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
            "type": "bar", "orientation": "h", "y": part["source"].tolist(), "base": _iso(part["start"]),
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
    name = analysis.platform_name(platform)
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
                 "name": "NCMEC's count for it (ncmec-esp)", "marker": {"color": PALETTE[1]}, "hoverinfo": "text",
                 "hovertext": [f"NCMEC {y}: {_v(v)}" for y, v in zip(ncmec.year, ncmec.ncmec_value, strict=True)]})
    fig = base_layout(data, title=f"{name}: own count of reports to NCMEC vs NCMEC's count", source_line=source_line,
                      height=460, barmode="group",
                      xaxis={"type": "category", "title": {"text": "calendar year"},
                             "categoryorder": "array", "categoryarray": sorted(rows["year"].astype(str).unique())},
                      yaxis={"title": {"text": "reports to NCMEC"}, "separatethousands": True})
    # On a category axis a numeric-looking x ('2021') would be read as a position: place labels by position.
    position = {year: k for k, year in enumerate(sorted(rows["year"].astype(str).unique()))}
    for r in rows.itertuples():
        if r.flag is None or pd.isna(r.ratio):
            continue
        top = max(v for v in (r.platform_value, r.ncmec_value) if not pd.isna(v))
        fig["layout"]["annotations"].append({"x": position[str(r.year)], "y": top, "yshift": 12, "showarrow": False,
                                             "text": f"{'⚠ ' if r.flag else ''}ratio {r.ratio:.2f}", "font": {"size": 12}})
    return fig


def tdb_figure(df: pd.DataFrame, platform: str, source_line: str = "") -> dict:
    """Horizontal bars per period and policy area: the DSA report's own-initiative + notices vs statements of
    reasons in the Transparency Database (labels stay readable however long the category names are)."""
    rows = df[df.platform == platform]
    if rows.empty:
        return empty_figure("No cross-check for this platform.")
    labels = [_text(f"{analysis.policy_area_name(a)} ({p})") for p, a in zip(rows.period, rows.policy_area, strict=True)]
    data = [
        {"type": "bar", "orientation": "h", "y": labels, "x": _numbers(rows["report_value"]),
         "name": "DSA report: own-initiative measures + actions on notices (derived sum)",
         "marker": {"color": PALETTE[0], "pattern": {"shape": "/"}}},
        {"type": "bar", "orientation": "h", "y": labels, "x": _numbers(rows["sor_count"]),
         "name": "Statements of reasons in the DSA Transparency Database", "marker": {"color": PALETTE[1]}},
    ]
    fig = base_layout(data, title=f"{analysis.platform_name(platform)}: DSA report vs Transparency Database",
                      source_line=source_line, height=200 + 34 * len(rows), barmode="group",
                      xaxis={"title": {"text": "count"}, "separatethousands": True},
                      yaxis={"autorange": "reversed", "type": "category", "automargin": True})
    fig["layout"]["margin"]["l"] = 20
    return fig


def _numbers(values) -> list:
    return [None if pd.isna(v) else float(v) for v in values]


def _v(value) -> str:
    return "no figure" if value is None or pd.isna(value) else f"{value:,.0f}"
