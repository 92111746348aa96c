"""The page: a header, the view switch, one section per view, and the shared provenance panel.

The default trends chart is drawn into the page itself, so the first chart needs no callback round trip; the
other views are filled by their callbacks (dashboard/views) when opened."""
from __future__ import annotations

from dash import dcc, html

from dashboard import figures
from dashboard.components import GRAPH_CONFIG, labelled
from dashboard.controls import MODE_LABELS, VIEW_LABELS
from dashboard.data import Atlas, control_options, resolve
from dashboard.state import ViewState
from dashboard.views import provenance
from dashboard.views.trends import render_trends


def page(atlas: Atlas, label: str):
    """The whole page for a store named `label`."""
    initial = resolve(atlas, ViewState(), set())
    platform_options = [{"label": f"{r['name']} ({r['figures']:,} published totals)", "value": r["platform"]}
                        for r in atlas.all_platforms().to_dict("records")]
    return html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Download(id="download"),
        html.A("Skip to the chart", href="#trends-graph", className="skip-link"),
        html.Header([
            html.H1("Transparency Atlas"),
            html.P(["Platforms' content-moderation figures, each with its source. Data: ", html.Code(label), "."],
                   className="tagline"),
        ]),
        navigation(),
        html.P(id="link-notice", className="status notice", role="status", **{"aria-live": "polite"}),
        html.Main([
            trends_section(atlas, initial),
            profile_section(platform_options),
            crosscheck_section(),
            changes_section(platform_options),
            html.Aside(id="provenance", className="provenance", children=provenance.placeholder(),
                       **{"aria-live": "polite", "aria-label": "Where this figure comes from"}),
        ]),
        html.Footer(html.P("Figures are what each publisher printed; derived figures (sums, ratios, indices, "
                           "per-million rates) are marked as derived. Click any point to see its source.")),
    ], className="page")


def navigation():
    """The view switch (radio buttons, arrow keys move between views) and the annotations toggle."""
    return html.Nav([
        dcc.RadioItems(id="view", options=[{"label": v, "value": k} for k, v in VIEW_LABELS.items()],
                       value="trends", inline=True, className="view-switch", inputClassName="view-input",
                       labelClassName="view-label"),
        dcc.Checklist(id="show-annotations", options=[{"label": "Show annotations (events, data corrections)",
                                                       "value": "on"}], value=["on"], className="toggle"),
    ], **{"aria-label": "Views"})


def trend_selection(atlas: Atlas, state: ViewState):
    """What to chart: metric, policy area, region and dates."""
    area_options, region_options, _platforms, _sources = control_options(atlas, state)
    metric_options = [{"label": r["label"], "value": r["metric"]} for r in atlas.metrics().to_dict("records")]
    return html.Div(className="controls", children=[
        labelled("Metric", dcc.Dropdown(id="metric", options=metric_options, value=state.metric, clearable=False),
                 "metric"),
        labelled("Policy area", dcc.Dropdown(id="policy-area", options=area_options, value=state.policy_area,
                                             clearable=False), "policy-area",
                 "Our vocabulary (EU DSA categories); hover an option for each platform's own words."),
        labelled("Region", dcc.Dropdown(id="region", options=region_options, value=state.region, clearable=False),
                 "region"),
        labelled("From", dcc.Input(id="since", type="text", placeholder="YYYY or YYYY-MM-DD", debounce=True), "since"),
        labelled("To", dcc.Input(id="until", type="text", placeholder="YYYY or YYYY-MM-DD", debounce=True), "until"),
    ])


def trend_display(atlas: Atlas, state: ViewState):
    """Whose figures and how: platforms, sources, values (absolute, per million, indexed) and scale."""
    _areas, _regions, platform_options, source_options = control_options(atlas, state)
    return html.Div(className="controls", children=[
        labelled("Platforms", dcc.Dropdown(id="platforms", multi=True, placeholder="Pick platforms…",
                                           options=platform_options, value=state.platforms, closeOnSelect=False),
                 "platforms", "Type to search; each platform's own series are drawn separately."),
        html.Fieldset([html.Legend("Sources"), dcc.Checklist(id="sources", options=source_options, value=state.sources,
                                                               className="checks", inline=True)]),
        html.Fieldset([html.Legend("Values"), dcc.RadioItems(
            id="mode", options=[{"label": v, "value": k} for k, v in MODE_LABELS.items()], value="absolute",
            inline=True)]),
        html.Fieldset([html.Legend("Scale"), dcc.RadioItems(
            id="scale", options=[{"label": "Linear", "value": "linear"}, {"label": "Log", "value": "log"}],
            value="linear", inline=True)]),
    ])


def trend_actions():
    """Downloads and the link to this view."""
    return html.Div(className="actions", children=[
        html.Button("Download CSV (with citations)", id="download-csv", className="button"),
        html.Button("Download PNG", id="download-png", className="button"),
        html.Button("Download SVG", id="download-svg", className="button"),
        dcc.Clipboard(target_id="permalink", title="Copy the link to this view", className="clipboard"),
        html.Span("Link to this view: ", className="hint"),
        html.Code(id="permalink", className="permalink"),
    ])


def trends_section(atlas: Atlas, state: ViewState):
    fig, status, notes, gaps = render_trends(atlas, state)
    return html.Section(id="trends-view", className="view", children=[
        html.H2("Trends"),
        trend_selection(atlas, state),
        trend_display(atlas, state),
        html.P(status, id="trends-status", className="status", **{"aria-live": "polite"}),
        dcc.Graph(id={"type": "chart", "name": "trends"}, config=GRAPH_CONFIG, figure=fig),
        trend_actions(),
        html.Div(notes, id="trends-notes", className="notes"),
        html.Details([html.Summary("Missing periods in this selection"), html.Div(gaps, id="trends-gaps")],
                     className="gaps"),
    ])


def profile_section(options):
    return html.Section(id="profile-view", className="view", hidden=True, children=[
        html.H2("Platform profile"),
        html.Div(className="controls", children=[
            labelled("Platform", dcc.Dropdown(id="profile-platform", options=options, clearable=False),
                     "profile-platform")]),
        html.Div(id="profile-summary"),
        dcc.Graph(id={"type": "chart", "name": "coverage"}, config=GRAPH_CONFIG,
                  figure=figures.empty_figure("Pick a platform.")),
        html.H3("Key series"),
        html.Div(id="profile-series", className="small-multiples"),
        html.H3("Sources and their cards"),
        html.Div(id="profile-cards", className="cards"),
    ])


def crosscheck_section():
    return html.Section(id="crosscheck-view", className="view", hidden=True, children=[
        html.H2("Cross-check"),
        html.Div(className="controls", children=[
            html.Fieldset([html.Legend("Compare"), dcc.RadioItems(id="check", options=[
                {"label": "A platform's own count of reports to NCMEC vs NCMEC's count", "value": "ncmec"},
                {"label": "DSA reports vs statements of reasons in the Transparency Database", "value": "dsa"},
            ], value="ncmec")]),
            labelled("Platform", dcc.Dropdown(id="check-platform", clearable=False, placeholder="No platform to compare"),
                     "check-platform"),
        ]),
        html.P(id="check-status", className="status", **{"aria-live": "polite"}),
        dcc.Graph(id={"type": "chart", "name": "check"}, config=GRAPH_CONFIG, figure=figures.empty_figure("Loading…")),
        html.Button("Download CSV (with citations)", id="download-check", className="button"),
        html.Div(id="check-table"),
    ])


def changes_section(options):
    return html.Section(id="changes-view", className="view", hidden=True, children=[
        html.H2("Changes between editions"),
        html.P("Figures a publisher revised between editions of the same report: old and new value, both documents."),
        html.Div(className="controls", children=[
            labelled("Platform", dcc.Dropdown(id="changes-platform", options=options, clearable=False),
                     "changes-platform")]),
        html.P(id="changes-status", className="status", **{"aria-live": "polite"}),
        html.Button("Download CSV", id="download-changes", className="button"),
        html.Div(id="changes-table"),
    ])
