"""Trends: the chart of a selection (each value across its period), its status line, annotations, missing
periods, and the downloads (CSV with citations, PNG, SVG)."""
from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, dcc, html, no_update

from dashboard import controls, figures, sent
from dashboard.components import safe_link
from dashboard.data import Atlas, summary, trend_data
from dashboard.state import ViewState
from reports.publish import plotstyle
from reports.publish.spreadsheet import write_csv
from reports.query import events, naming, origin, timeseries

MODE_TITLES = {"indexed": ", indexed", "per_million": ", per million recipients",
               "per_month": ", daily counts summed per month", "per_year": ", daily counts summed per year"}
# Plotly draws the chart as the browser shows it; the button's title is the callback's (unused) output.
DOWNLOAD_IMAGE = """function(n) {
    if (!n) { return window.dash_clientside.no_update; }
    const graph = document.querySelector('#trends-view .js-plotly-plot');
    if (graph && window.Plotly) {
        window.Plotly.downloadImage(graph, {format: '%(format)s', filename: 'transparency-atlas', width: 1200,
                                            height: 640%(scale)s});
    }
    return 'Download %(label)s';
}"""


def trend_chart(atlas: Atlas, state: ViewState, df: pd.DataFrame, message: str, *, chart: str = "trends",
                height: int = 520, title: str | None = None, wrap: int = 170):
    """The trend figure (or an empty one saying why), and the annotations drawn on it."""
    if message and (df.empty or df["value"].notna().sum() == 0):
        return figures.empty_figure(message), []
    notes = []
    if state.annotations:
        notes = events.annotations_for(df["platform"].unique(), df["source"].unique(), df["period_start"].min(),
                                         df["period_end"].max(), state.policy_area)
    unit = df["unit"].iloc[0] if state.mode == "absolute" else "count"
    title = title or (f"{naming.metric_name(state.metric)}: {naming.policy_area_name(state.policy_area)}"
                      f" ({state.region})" + MODE_TITLES.get(state.mode, ""))
    fig = figures.trend_figure(df, mode=state.mode, scale=state.scale, unit=unit, title=title,
                               source_line=origin.source_line(atlas.store, df["document_sha256"]), notes=notes,
                               height=height, chart=chart, wrap=wrap)
    return fig, notes


def notes_list(notes: list[dict]):
    """The chart's annotations, numbered as on the chart, each with its citation."""
    if not notes:
        return []
    items = [html.Li([html.Strong(f"[{n}] {a.get('label') or a['id']}"),
                      f" ({a['start']}{' to ' + str(a['end']) if a.get('end') else ''}): {a['text']} (",
                      safe_link(a.get("citation_url"), a.get("citation")) if a.get("citation_url") else a.get("citation"),
                      ")"]) for n, a in enumerate(notes, start=1)]
    return [html.H3("Annotations on this chart"), html.Ol(items, className="annotation-list")]


def gaps_list(df: pd.DataFrame):
    """Missing periods of every plotted series, in words."""
    if df.empty:
        return html.P("Nothing plotted.")
    gaps = timeseries.missing_periods(df)
    if gaps.empty:
        return html.P("No missing periods: every series is continuous and every period has a figure.")
    names = plotstyle.trace_names(df)
    return html.Ul([html.Li(f"{names.get(g.series, g.series)}: {g.start:%Y-%m-%d} to {g.end:%Y-%m-%d}: {g.reason}")
                    for g in gaps.head(200).itertuples()])


def render_trends(atlas: Atlas, state: ViewState):
    """The trends chart, its status sentence, its annotations and its missing periods."""
    df, message = trend_data(atlas, state)
    fig, notes = trend_chart(atlas, state, df, message)
    status = message or summary(df)
    return fig, status, notes_list(notes), gaps_list(df) if not message else html.P(message)


def csv_download(atlas: Atlas, state: ViewState) -> dict:
    """The plotted rows with each one's source URL, document, locator and citation."""
    df, _message = trend_data(atlas, state, full=True)
    out = origin.with_citations(atlas.store, df.drop(columns=["series"], errors="ignore")) if not df.empty else df
    name = f"transparency-atlas-{state.metric}-{state.policy_area}-{state.mode}.csv".lower()
    return dcc.send_string(write_csv(out), name)


def register(app: dash.Dash, atlas: Atlas) -> None:
    """The chart follows the trend controls; the buttons download CSV, PNG and SVG."""

    @app.callback(
        Output({"type": "chart", "name": "trends"}, "figure"), Output("trends-status", "children"),
        Output("trends-notes", "children"), Output("trends-gaps", "children"),
        controls.inputs(controls.TREND_CONTROLS),
    )
    def trends(*values):
        return render_trends(atlas, controls.trend_state(values))

    @app.callback(
        Output("download", "data", allow_duplicate=True), Input("download-csv", "n_clicks"),
        controls.states(controls.TREND_CONTROLS), prevent_initial_call=True)
    @sent.sane(sent.clicks, sent.anything)
    def download_csv(n_clicks, *values):
        if not n_clicks:
            return no_update
        return csv_download(atlas, controls.trend_state(values))

    for fmt, scale in (("png", ", scale: 2"), ("svg", "")):
        app.clientside_callback(DOWNLOAD_IMAGE % {"format": fmt, "scale": scale, "label": fmt.upper()},
                                Output(f"download-{fmt}", "title"), Input(f"download-{fmt}", "n_clicks"))
