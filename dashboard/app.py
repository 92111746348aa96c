"""The Transparency Atlas dashboard (Dash + plotly): trends, platform profiles, cross-checks, changes.

`create_app(store)` builds the app; every callback runs one or a few DuckDB queries on the store's `latest`
table (reports.analysis), so the app starts without loading the atlas into memory."""
from __future__ import annotations

import copy
import json
from urllib.parse import urlparse

import dash
import flask
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dash_table, dcc, html, no_update

from dashboard import figures
from dashboard.state import ViewState, encode, parse
from reports import analysis, plotstyle
from reports.documents import all_source_cards
from reports.errors import AtlasError
from reports.export import Selection
from reports.store import Store
from reports.vocab import UNMAPPED_AREA, UNMAPPED_METRIC

DEFAULT_METRIC = "content_actioned"
DEFAULT_POLICY_AREA = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
MAX_DEFAULT_PLATFORMS = 5
VIEW_LABELS = {"trends": "Trends", "profile": "Platform profile", "crosscheck": "Cross-check", "changes": "Changes"}
MODE_LABELS = {"absolute": "Absolute", "per_million": "Per million recipients", "indexed": "Indexed (first period = 100)"}
GRAPH_CONFIG = {"displaylogo": False,
                "toImageButtonOptions": {"format": "png", "filename": "transparency-atlas", "scale": 2}}


def safe_link(url: str | None, text: str | None = None):
    """A link only for http(s) URLs; anything else is shown as plain text (never a javascript: link)."""
    if not url:
        return "not recorded"
    if urlparse(str(url)).scheme in ("http", "https"):
        return html.A(text or url, href=url, target="_blank", rel="noopener noreferrer")
    return str(url)


def labelled(label: str, control, control_id: str, hint: str = ""):
    """A control with a visible label tied to it (and an optional hint)."""
    children = [html.Label(label, htmlFor=control_id, className="control-label"), control]
    if hint:
        children.append(html.Small(hint, className="hint"))
    return html.Div(children, className="control")


def option_list(df: pd.DataFrame, value: str, label: str, title: str | None = None) -> list[dict]:
    return [{"label": r[label], "value": r[value], **({"title": r[title]} if title else {})} for r in df.to_dict("records")]


class Atlas:
    """The queries behind the callbacks, bound to one store (options cached per metric)."""

    def __init__(self, store: Store):
        self.store = store
        self._metrics = None
        self._policy = {}
        self._platforms = {}

    def metrics(self) -> pd.DataFrame:
        if self._metrics is None:
            self._metrics = analysis.available_metrics(self.store)
        return self._metrics

    def policy_areas(self, metric: str) -> pd.DataFrame:
        if metric not in self._policy:
            self._policy[metric] = analysis.available_policy_areas(self.store, metric)
        return self._policy[metric]

    def platforms(self, metric: str, policy_area: str) -> pd.DataFrame:
        key = (metric, policy_area)
        if key not in self._platforms:
            self._platforms[key] = analysis.available_platforms(self.store, metric, policy_area)
        return self._platforms[key]

    def all_platforms(self) -> pd.DataFrame:
        if "*" not in self._platforms:
            self._platforms["*"] = analysis.available_platforms(self.store)
        return self._platforms["*"]

    def default_metric(self) -> str:
        metrics = self.metrics()["metric"].tolist()
        return DEFAULT_METRIC if DEFAULT_METRIC in metrics else (metrics[0] if metrics else "")

    def default_policy_area(self, metric: str) -> str:
        areas = self.policy_areas(metric)["policy_area"].tolist()
        for preferred in (DEFAULT_POLICY_AREA, "ALL"):
            if preferred in areas:
                return preferred
        return areas[0] if areas else ""

    def default_platforms(self, metric: str, policy_area: str) -> list[str]:
        df = self.platforms(metric, policy_area).sort_values("figures", ascending=False)
        return sorted(df["platform"].head(MAX_DEFAULT_PLATFORMS))

    def sources(self, metric: str, policy_area: str) -> list[str]:
        df = self.platforms(metric, policy_area)
        return sorted({s for group in df["sources"] for s in group.split(",") if s})

    def check_rows(self, kind: str) -> pd.DataFrame:
        """A cross-check's rows (cached: the store does not change while the app runs)."""
        key = ("check", kind)
        if key not in self._policy:
            self._policy[key] = _check_rows(self, kind)
        return self._policy[key]

    def check_platforms(self, kind: str) -> list[str]:
        return sorted(self.check_rows(kind)["platform"].unique())

    def regions(self, metric: str, policy_area: str) -> list[str]:
        key = ("regions", metric, policy_area)
        if key not in self._policy:
            self._policy[key] = analysis.available_regions(self.store, metric, policy_area)
        return self._policy[key]


def resolve(atlas: Atlas, state: ViewState, given: set[str]) -> ViewState:
    """Fill what the URL did not give with defaults that exist in the store."""
    state = copy.deepcopy(state)
    metrics = atlas.metrics()["metric"].tolist()
    if state.metric not in metrics:
        state.metric = atlas.default_metric()
    areas = atlas.policy_areas(state.metric)["policy_area"].tolist() if state.metric else []
    if state.policy_area not in areas:
        state.policy_area = atlas.default_policy_area(state.metric)
    regions = atlas.regions(state.metric, state.policy_area) if state.metric else []
    if state.region not in regions:
        state.region = regions[0] if regions else ""
    if "platforms" not in given:
        state.platforms = atlas.default_platforms(state.metric, state.policy_area)
    if "sources" not in given:
        state.sources = atlas.sources(state.metric, state.policy_area)
    return state


def layout(atlas: Atlas, label: str):
    """The page: a header, the view switch, one section per view, and the shared provenance panel."""
    metric_options = option_list(atlas.metrics(), "metric", "label")
    # The default view is drawn into the page itself, so the first chart needs no callback round trip.
    initial = resolve(atlas, ViewState(), set())
    all_platforms = atlas.all_platforms()
    profile_options = [{"label": f"{r['name']} ({r['figures']:,} published totals)", "value": r["platform"]}
                       for r in all_platforms.to_dict("records")]
    return html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Download(id="download"),
        html.A("Skip to the chart", href="#trends-graph", className="skip-link"),
        html.Header([
            html.H1("Transparency Atlas"),
            html.P(["Platforms' content-moderation figures, each with its source. Data: ", html.Code(label), "."],
                   className="tagline"),
        ]),
        html.Nav([
            dcc.RadioItems(id="view", options=[{"label": v, "value": k} for k, v in VIEW_LABELS.items()],
                           value="trends", inline=True, className="view-switch", inputClassName="view-input",
                           labelClassName="view-label"),
            dcc.Checklist(id="show-annotations", options=[{"label": "Show annotations (events, data corrections)",
                                                           "value": "on"}], value=["on"], className="toggle"),
        ], **{"aria-label": "Views"}),
        html.Main([
            trends_section(atlas, metric_options, initial),
            profile_section(profile_options),
            crosscheck_section(),
            changes_section(profile_options),
            html.Aside(id="provenance", className="provenance", children=provenance_placeholder(),
                       **{"aria-live": "polite", "aria-label": "Where this figure comes from"}),
        ]),
        html.Footer(html.P("Figures are what each publisher printed; derived figures (sums, ratios, indices, "
                           "per-million rates) are marked as derived. Click any point to see its source.")),
    ], className="page")


def trends_section(atlas: Atlas, metric_options, state: ViewState):
    area_options, region_options, platform_options, source_options = control_options(atlas, state)
    fig, status, notes, gaps = render_trends(atlas, state)
    return html.Section(id="trends-view", className="view", children=[
        html.H2("Trends"),
        html.Div(className="controls", children=[
            labelled("Metric", dcc.Dropdown(id="metric", options=metric_options, value=state.metric, clearable=False),
                     "metric"),
            labelled("Policy area", dcc.Dropdown(id="policy-area", options=area_options, value=state.policy_area,
                                                 clearable=False), "policy-area",
                     "Our vocabulary (EU DSA categories); hover an option for each platform's own words."),
            labelled("Region", dcc.Dropdown(id="region", options=region_options, value=state.region, clearable=False),
                     "region"),
            labelled("From", dcc.Input(id="since", type="text", placeholder="YYYY or YYYY-MM-DD", debounce=True),
                     "since"),
            labelled("To", dcc.Input(id="until", type="text", placeholder="YYYY or YYYY-MM-DD", debounce=True),
                     "until"),
        ]),
        html.Div(className="controls", children=[
            labelled("Platforms", dcc.Dropdown(id="platforms", multi=True, placeholder="Pick platforms…",
                                               options=platform_options, value=state.platforms, closeOnSelect=False),
                     "platforms",
                     "Type to search; each platform's own series are drawn separately."),
            html.Fieldset([html.Legend("Sources"), dcc.Checklist(id="sources", options=source_options,
                                                                   value=state.sources, className="checks", inline=True)]),
            html.Fieldset([html.Legend("Values"), dcc.RadioItems(
                id="mode", options=[{"label": v, "value": k} for k, v in MODE_LABELS.items()], value="absolute",
                inline=True)]),
            html.Fieldset([html.Legend("Scale"), dcc.RadioItems(
                id="scale", options=[{"label": "Linear", "value": "linear"}, {"label": "Log", "value": "log"}],
                value="linear", inline=True)]),
        ]),
        html.P(status, id="trends-status", className="status", **{"aria-live": "polite"}),
        dcc.Graph(id={"type": "chart", "name": "trends"}, config=GRAPH_CONFIG, figure=fig),
        html.Div(className="actions", children=[
            html.Button("Download CSV (with citations)", id="download-csv", className="button"),
            html.Button("Download PNG", id="download-png", className="button"),
            html.Button("Download SVG", id="download-svg", className="button"),
            dcc.Clipboard(target_id="permalink", title="Copy the link to this view", className="clipboard"),
            html.Span("Link to this view: ", className="hint"),
            html.Code(id="permalink", className="permalink"),
        ]),
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
                {"label": "A DSA report vs statements of reasons in the Transparency Database", "value": "dsa"},
            ], value="ncmec")]),
            labelled("Platform", dcc.Dropdown(id="check-platform", clearable=False, placeholder="No platform to compare"),
                     "check-platform"),
        ]),
        html.P(id="check-status", className="status", **{"aria-live": "polite"}),
        dcc.Graph(id={"type": "chart", "name": "check"}, config=GRAPH_CONFIG,
                  figure=figures.empty_figure("Loading…")),
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


def provenance_placeholder():
    return [html.H2("Where does this come from?"),
            html.P("Click a point on any chart to see its source document, locator and caveats here.")]


def provenance_panel(row: dict, derived: str = ""):
    """The provenance of one figure as plain text and links (nothing rendered as HTML)."""
    if not row:
        return [html.H2("Where does this come from?"), html.P("This figure is no longer in the store.")]
    period = f"{row['period']} ({str(row['period_start'])[:10]} to {str(row['period_end'])[:10]})"
    value = row.get("value_text") or "no figure printed"
    if row.get("qualifier"):
        value += f" ({row['qualifier'].replace('_', ' ')})"
    facts = [
        ("Figure", f"{analysis.platform_name(row['platform'])}: {row['metric_label']}, {row['policy_label'] or '(no label)'}"
                   f"{' [' + row['breakdown'] + ']' if row.get('breakdown') else ''}"),
        ("Value as published", value), ("Period", period), ("Region", row["region"]),
        ("Policy area", f"{analysis.policy_area_name(row['policy_area'])} ({row['policy_area']})"),
        ("Source", f"{row['source']}: {row.get('publisher') or ''}, {row.get('document_title') or ''}"),
        ("Source URL", safe_link(row.get("source_url"))),
        ("Document", f"{row.get('document_name') or ''} (edition {row.get('edition') or 'not stated'})"),
        ("Document sha256", html.Code(row["document_sha256"], className="sha")),
        ("Locator", row["locator"]),
        ("Published", str(row["published"])[:10] if row.get("published") else "not recorded"),
        ("Retrieved", str(row["retrieved"])[:19] if row.get("retrieved") else "not recorded"),
        ("First seen by the atlas", str(row["first_seen"])[:19] if row.get("first_seen") else "not recorded"),
        ("Licence", row.get("license") or "not stated"),
    ]
    if derived:
        facts.insert(2, ("Shown as", derived))
    items = []
    for term, detail in facts:
        items += [html.Dt(term), html.Dd(detail)]
    children = [html.H2("Where does this come from?"), html.Dl(items, id="provenance-facts")]
    if row.get("caveats"):
        children += [html.H3("Caveats from the source card"), html.Ul([html.Li(c) for c in row["caveats"]])]
    if row.get("citation"):
        children.append(html.P(["Cite as: ", row["citation"]]))
    return children


def source_cards(atlas: Atlas, platform: str):
    """One card per source holding this platform: format, cadence, licence, caveats, definition changes."""
    held = analysis.platform_sources(atlas.store, platform)
    cards = all_source_cards()
    out = []
    for r in held.to_dict("records"):
        card = cards.get(r["source"])
        body = [html.H4(f"{r['source']}: {r['title']}"),
                html.P(f"{r['figures']:,} figures from {r['documents']} document(s), "
                       f"{str(r['first_period_start'])[:10]} to {str(r['last_period_end'])[:10]}.")]
        if card:
            body += [html.Dl([html.Dt("Publisher"), html.Dd(card.publisher), html.Dt("Where"), html.Dd(safe_link(card.url)),
                              html.Dt("Format"), html.Dd(card.format), html.Dt("Cadence"), html.Dd(card.cadence),
                              html.Dt("Licence"), html.Dd(card.license), html.Dt("Metrics"), html.Dd(r["metrics"])])]
            if card.caveats:
                body += [html.H5("Caveats"), html.Ul([html.Li(c) for c in card.caveats])]
            if card.definition_changes:
                body += [html.H5("Definition changes"),
                         html.Ul([html.Li(f"{c.get('date', '')}: {c.get('text', '')}") for c in card.definition_changes])]
        else:
            body.append(html.P("No source card for this source."))
        out.append(html.Article(body, className="card"))
    return out or [html.P("No source holds figures for this platform.")]


def table(df: pd.DataFrame, table_id: str, page_size: int = 15):
    """A sortable, paged table of plain text cells (no markdown, no HTML)."""
    return dash_table.DataTable(
        id=table_id, data=df.to_dict("records"), columns=[{"name": c.replace("_", " "), "id": c} for c in df.columns],
        page_size=page_size, sort_action="native", filter_action="native", style_table={"overflowX": "auto"},
        style_cell={"fontFamily": plotstyle.FONT, "fontSize": 13, "textAlign": "left", "whiteSpace": "nowrap",
                    "overflow": "hidden", "textOverflow": "ellipsis", "maxWidth": 260},
        tooltip_duration=None, tooltip_data=[{c: {"value": str(v), "type": "text"} for c, v in row.items() if len(str(v)) > 30}
                                             for row in df.head(page_size * 20).to_dict("records")],
        style_header={"fontWeight": "bold", "backgroundColor": "#eef"})


def create_app(store: Store) -> dash.Dash:
    """The dashboard on a store (a built DuckDB file or the bundled atlas)."""
    atlas = Atlas(store)
    app = dash.Dash(__name__, title="Transparency Atlas", suppress_callback_exceptions=True,
                    update_title=None)
    app.layout = layout(atlas, getattr(store, "label", "store"))
    register_callbacks(app, atlas)
    app.atlas = atlas
    return app


def _selection(state: ViewState) -> Selection:
    """The trend view's choices as a selection (a year or month typed as the end means its last day)."""
    return Selection(metrics=[state.metric], policy_areas=[state.policy_area], platforms=state.platforms,
                     sources=state.sources, regions=[state.region], since=state.since or None, until=state.until or None)


def trend_data(atlas: Atlas, state: ViewState, *, full: bool = False) -> tuple[pd.DataFrame, str]:
    """The rows plotted for a state, transformed by the mode, and a sentence when there is nothing to plot
    (`full` adds each row's source URL, document sha256 and locator, for downloads)."""
    if not state.metric:
        return pd.DataFrame(), "The atlas holds no figures yet: run `tatlas build`."
    if not state.platforms:
        return pd.DataFrame(), "No platform selected: tick at least one platform."
    if not state.sources:
        return pd.DataFrame(), "No source selected: tick at least one source."
    try:
        selection = _selection(state)
    except AtlasError as exc:  # a From/To that is no period
        return pd.DataFrame(), f"Not a period: {exc}"
    df = analysis.series(atlas.store, selection, full=full)
    if df.empty:
        names = ", ".join(analysis.platform_name(p) for p in state.platforms)
        return df, (f"No figures for {analysis.metric_name(state.metric)} in "
                    f"{analysis.policy_area_name(state.policy_area)} ({state.region or 'any region'}) for {names} "
                    f"from the selected sources{' in this date range' if state.since or state.until else ''}.")
    if state.mode == "indexed":
        df = analysis.indexed(df)
    elif state.mode == "per_million":
        df = analysis.per_million_recipients(atlas.store, df)
        if df["value"].notna().sum() == 0:
            return df, ("Per million recipients needs the average monthly active recipients of the same service, "
                        "region and period (EU DSA reports give them); the atlas holds none for this selection.")
    if df["value"].notna().sum() == 0:
        return df, "Every period in this selection was published without a figure (e.g. N/A)."
    return df, ""


def trend_chart(atlas: Atlas, state: ViewState, df: pd.DataFrame, message: str, *, chart: str = "trends",
                height: int = 520, title: str | None = None, wrap: int = 170):
    """The trend figure (or an empty one saying why), and the annotations drawn on it."""
    if message and (df.empty or df["value"].notna().sum() == 0):
        return figures.empty_figure(message), []
    notes = []
    if state.annotations:
        notes = analysis.annotations_for(df["platform"].unique(), df["source"].unique(), df["period_start"].min(),
                                         df["period_end"].max(), state.policy_area)
    unit = df["unit"].iloc[0] if state.mode == "absolute" else "count"
    title = title or (f"{analysis.metric_name(state.metric)}: {analysis.policy_area_name(state.policy_area)}"
                      f" ({state.region})" + {"indexed": ", indexed", "per_million": ", per million recipients"}
                      .get(state.mode, ""))
    fig = figures.trend_figure(df, mode=state.mode, scale=state.scale, unit=unit, title=title,
                               source_line=analysis.source_line(atlas.store, df["document_sha256"]), notes=notes, height=height,
                               chart=chart, wrap=wrap)
    return fig, notes


def notes_list(notes: list[dict]):
    if not notes:
        return []
    items = [html.Li([html.Strong(f"[{n}] {a.get('label') or a['id']}"),
                      f" ({a['start']}{' to ' + str(a['end']) if a.get('end') else ''}): {a['text']} (",
                      safe_link(a.get("citation_url"), a.get("citation")) if a.get("citation_url") else a.get("citation"),
                      ")"]) for n, a in enumerate(notes, start=1)]
    return [html.H3("Annotations on this chart"), html.Ol(items, className="annotation-list")]


def gaps_list(df: pd.DataFrame):
    if df.empty:
        return html.P("Nothing plotted.")
    gaps = analysis.missing_periods(df)
    if gaps.empty:
        return html.P("No missing periods: every series is continuous and every period has a figure.")
    names = plotstyle.trace_names(df)
    return html.Ul([html.Li(f"{names.get(g.series, g.series)}: {g.start:%Y-%m-%d} to {g.end:%Y-%m-%d}: {g.reason}")
                    for g in gaps.head(200).itertuples()])


def state_from(values: dict) -> ViewState:
    return ViewState(view=values["view"] or "trends", metric=values["metric"] or "", policy_area=values["policy_area"] or "",
                     region=values["region"] or "", platforms=list(values["platforms"] or []),
                     sources=list(values["sources"] or []), since=(values["since"] or "").strip(),
                     until=(values["until"] or "").strip(), mode=values["mode"] or "absolute",
                     scale=values["scale"] or "linear", annotations=bool(values["annotations"]),
                     profile=values["profile"] or "", check=values["check"] or "ncmec",
                     check_platform=values["check_platform"] or "", changes=values["changes"] or "")


CONTROLS = [("view", "value"), ("metric", "value"), ("policy-area", "value"), ("region", "value"),
            ("platforms", "value"), ("sources", "value"), ("since", "value"), ("until", "value"), ("mode", "value"),
            ("scale", "value"), ("show-annotations", "value"), ("profile-platform", "value"), ("check", "value"),
            ("check-platform", "value"), ("changes-platform", "value")]
KEYS = ["view", "metric", "policy_area", "region", "platforms", "sources", "since", "until", "mode", "scale",
        "annotations", "profile", "check", "check_platform", "changes"]
STATE_INPUTS = [Input(i, p) for i, p in CONTROLS]


def control_options(atlas: Atlas, state: ViewState) -> tuple[list, list, list, list]:
    """Options of the trend controls for a state: policy areas (each platform's own words on hover), regions,
    platforms and sources that hold the metric."""
    if not state.metric:
        return [], [], [], []
    areas = atlas.policy_areas(state.metric)
    area_options = [{"label": r["label"], "value": r["policy_area"], "title": r["labels"]} for r in areas.to_dict("records")]
    region_options = [{"label": r, "value": r} for r in atlas.regions(state.metric, state.policy_area)]
    platforms = atlas.platforms(state.metric, state.policy_area)
    platform_options = [{"label": r["name"], "value": r["platform"]} for r in platforms.to_dict("records")]
    source_options = [{"label": s, "value": s} for s in atlas.sources(state.metric, state.policy_area)]
    return area_options, region_options, platform_options, source_options


def render_trends(atlas: Atlas, state: ViewState):
    """The trends chart, its status sentence, its annotations and its missing periods."""
    df, message = trend_data(atlas, state)
    fig, notes = trend_chart(atlas, state, df, message)
    status = message or _summary(df)
    return fig, status, notes_list(notes), gaps_list(df) if not message else html.P(message)


def register_callbacks(app: dash.Dash, atlas: Atlas) -> None:
    """Wire the controls: URL <-> controls, then one callback per view, downloads and provenance."""

    @app.callback(
        [Output(i, p) for i, p in CONTROLS]
        + [Output("policy-area", "options"), Output("region", "options"), Output("platforms", "options"),
           Output("sources", "options"), Output("check-platform", "options"), Output("url", "search"),
           Output("permalink", "children")],
        [Input("url", "search")] + STATE_INPUTS,
    )
    def sync(search, *values):
        """The URL sets the controls on load (or back/forward); a control change rewrites the URL."""
        trigger = ctx.triggered_id
        if trigger in (None, "url"):
            state, given = parse(search)
        else:
            state = state_from(dict(zip(KEYS, values, strict=True)))
            given = {"platforms", "sources"}
            if trigger in ("metric", "policy-area"):
                if trigger == "metric":
                    state.policy_area = ""
                    state.region = ""
                available = set(atlas.platforms(state.metric, atlas.default_policy_area(state.metric)
                                                if trigger == "metric" else state.policy_area)["platform"])
                state.platforms = [p for p in state.platforms if p in available]
                given = {"platforms"} if state.platforms else set()
        state = resolve(atlas, state, given)
        if not state.profile:
            state.profile = _default_profile(atlas)
        if not state.changes:
            state.changes = state.profile
        # Cross-checks are computed only once someone opens that view (then cached).
        check_platforms = atlas.check_platforms(state.check) if state.view == "crosscheck" else \
            ([state.check_platform] if state.check_platform else [])
        if state.check_platform not in check_platforms:
            state.check_platform = next((p for p in ("twitch", state.profile) if p in check_platforms),
                                        check_platforms[0] if check_platforms else "")
        check_options = [{"label": analysis.platform_name(p), "value": p} for p in check_platforms]
        area_options, region_options, platform_options, source_options = control_options(atlas, state)
        query = encode(state)
        values_out = [state.view, state.metric, state.policy_area, state.region, state.platforms, state.sources,
                      state.since, state.until, state.mode, state.scale, ["on"] if state.annotations else [],
                      state.profile, state.check, state.check_platform, state.changes]
        url_out = no_update if (search or "") == query else query
        return values_out + [area_options, region_options, platform_options, source_options, check_options, url_out,
                             _permalink(query)]

    @app.callback([Output(f"{v}-view", "hidden") for v in VIEW_LABELS], Input("view", "value"))
    def show_view(view):
        return [view != v for v in VIEW_LABELS]

    @app.callback(
        Output({"type": "chart", "name": "trends"}, "figure"), Output("trends-status", "children"),
        Output("trends-notes", "children"), Output("trends-gaps", "children"),
        STATE_INPUTS[1:11],
    )
    def trends(metric, policy_area, region, platforms, sources, since, until, mode, scale, annotations):
        state = state_from(dict(zip(KEYS, ["trends", metric, policy_area, region, platforms, sources, since, until,
                                           mode, scale, annotations, "", "", "", ""], strict=True)))
        return render_trends(atlas, state)

    @app.callback(
        Output("provenance", "children"),
        Input({"type": "chart", "name": ALL}, "clickData"),
        [State(i, p) for i, p in CONTROLS],
        prevent_initial_call=True,
    )
    def provenance(_clicks, *values):
        trigger = ctx.triggered_id
        if not trigger or not ctx.triggered[0]["value"]:
            return no_update
        point = ctx.triggered[0]["value"]["points"][0]
        custom = point.get("customdata")
        if not custom or custom[1] is None:
            return no_update
        chart, index = custom[0], int(custom[1])
        state = state_from(dict(zip(KEYS, values, strict=True)))
        df = _chart_rows(atlas, state, chart)
        if df is None or index not in df.index:
            return [html.H2("Where does this come from?"), html.P("This point has no single source figure.")]
        row = df.loc[index]
        return provenance_panel(analysis.provenance(atlas.store, row.to_dict()), row.get("derived", ""))

    @app.callback(
        Output("download", "data", allow_duplicate=True), Input("download-csv", "n_clicks"),
        [State(i, p) for i, p in CONTROLS[1:11]], prevent_initial_call=True)
    def download_csv(n_clicks, metric, policy_area, region, platforms, sources, since, until, mode, scale, annotations):
        if not n_clicks:
            return no_update
        state = state_from(dict(zip(KEYS, ["trends", metric, policy_area, region, platforms, sources, since, until,
                                           mode, scale, annotations, "", "", "", ""], strict=True)))
        df, _message = trend_data(atlas, state, full=True)
        out = analysis.with_citations(df.drop(columns=["series"], errors="ignore")) if not df.empty else df
        name = f"transparency-atlas-{state.metric}-{state.policy_area}-{state.mode}.csv".lower()
        return dcc.send_data_frame(out.to_csv, name, index=False)

    app.clientside_callback(
        """function(n) {
            if (!n) { return window.dash_clientside.no_update; }
            const graph = document.querySelector('#trends-view .js-plotly-plot');
            if (graph && window.Plotly) {
                window.Plotly.downloadImage(graph, {format: 'png', filename: 'transparency-atlas', width: 1200,
                                                    height: 640, scale: 2});
            }
            return 'Download PNG';
        }""",
        Output("download-png", "title"), Input("download-png", "n_clicks"),
    )

    app.clientside_callback(
        """function(n) {
            if (!n) { return window.dash_clientside.no_update; }
            const graph = document.querySelector('#trends-view .js-plotly-plot');
            if (graph && window.Plotly) {
                window.Plotly.downloadImage(graph, {format: 'svg', filename: 'transparency-atlas', width: 1200,
                                                    height: 640});
            }
            return 'Download SVG';
        }""",
        Output("download-svg", "title"), Input("download-svg", "n_clicks"),
    )

    @app.callback(
        Output("profile-summary", "children"), Output({"type": "chart", "name": "coverage"}, "figure"),
        Output("profile-series", "children"), Output("profile-cards", "children"),
        Input("profile-platform", "value"), Input("view", "value"), Input("show-annotations", "value"),
    )
    def profile(platform, view, annotations):
        if view != "profile":
            return no_update, no_update, no_update, no_update
        if not platform:
            return html.P("Pick a platform."), figures.empty_figure("Pick a platform."), [], []
        name = analysis.platform_name(platform)
        held = analysis.platform_sources(atlas.store, platform)
        spans = analysis.coverage(atlas.store, platform)
        summary = html.P(f"{name}: {int(held['figures'].sum()) if not held.empty else 0:,} figures from "
                         f"{len(held)} source(s).")
        coverage_fig = figures.coverage_figure(spans, title=f"{name}: which periods each source covers",
                                               source_line=analysis.source_line(atlas.store, sources=held["source"],
                                                                                platforms=[platform]))
        multiples = []
        for n, r in enumerate(analysis.key_series(atlas.store, platform).to_dict("records")):
            state = ViewState(metric=r["metric"], policy_area=r["policy_area"], platforms=[platform],
                              sources=[r["source"]], region="", annotations=bool(annotations))
            df, message = trend_data(atlas, state)
            fig, _notes = trend_chart(atlas, state, df, message, chart=f"key-{n}", height=380, wrap=95,
                                      title=f"{analysis.metric_name(r['metric'])}: "
                                            f"{analysis.policy_area_name(r['policy_area'])} ({r['source']})")
            multiples.append(dcc.Graph(id={"type": "chart", "name": f"key-{n}"}, figure=fig, config=GRAPH_CONFIG))
        return summary, coverage_fig, multiples or [html.P("No series with values.")], source_cards(atlas, platform)

    @app.callback(
        Output({"type": "chart", "name": "check"}, "figure"), Output("check-status", "children"),
        Output("check-table", "children"),
        Input("check", "value"), Input("check-platform", "value"), Input("view", "value"),
    )
    def crosscheck(kind, platform, view):
        if view != "crosscheck":
            return no_update, no_update, no_update
        df = atlas.check_rows(kind)
        if df.empty or not platform:
            message = ("No platform has both its own count of reports to NCMEC and NCMEC's count in the atlas yet."
                       if kind == "ncmec" else "No DSA report in the atlas has statements of reasons to compare with yet.")
            return figures.empty_figure(message), message, []
        line = analysis.source_line(atlas.store, sources=["ncmec-esp", *sorted(df["platform_source"].unique())]
                                    if kind == "ncmec" else ["dsa-report", "dsa-tdb"], platforms=[platform])
        fig = (figures.ncmec_figure if kind == "ncmec" else figures.tdb_figure)(df, platform, source_line=line)
        rows = df[df.platform == platform]
        if rows.empty:
            return fig, f"No comparison for {analysis.platform_name(platform)}.", []
        flagged = int((rows["flag"] == True).sum())  # noqa: E712 (flag is True, False or None)
        comparable = int(rows["flag"].notna().sum())
        status = (f"{len(rows)} row(s) for {analysis.platform_name(platform)}: {comparable} comparable, {flagged} differ by "
                  f"more than {analysis.DIVERGENCE_THRESHOLD:.0%}. Ratio = the platform's own figure / the reference; "
                  "derived figures (sums of halves, of several entries, of categories) are marked.")
        return fig, status, table(_check_table(rows), "check-data")

    @app.callback(
        Output("download", "data", allow_duplicate=True), Input("download-check", "n_clicks"),
        State("check", "value"), prevent_initial_call=True)
    def download_check(n_clicks, kind):
        if not n_clicks:
            return no_update
        df = atlas.check_rows(kind)
        return dcc.send_data_frame(df.to_csv, f"transparency-atlas-crosscheck-{kind}.csv", index=False)

    @app.callback(
        Output("changes-status", "children"), Output("changes-table", "children"),
        Input("changes-platform", "value"), Input("view", "value"))
    def changes(platform, view):
        if view != "changes":
            return no_update, no_update
        if not platform:
            return "Pick a platform.", []
        df = _changes(atlas, platform)
        if df.empty:
            return f"No figure for {analysis.platform_name(platform)} was revised between the editions we hold.", []
        return (f"{len(df):,} figure(s) for {analysis.platform_name(platform)} were revised between editions.",
                table(df, "changes-data"))

    @app.callback(
        Output("download", "data", allow_duplicate=True), Input("download-changes", "n_clicks"),
        State("changes-platform", "value"), prevent_initial_call=True)
    def download_changes(n_clicks, platform):
        if not n_clicks:
            return no_update
        df = _changes(atlas, platform) if platform else pd.DataFrame()
        return dcc.send_data_frame(df.to_csv, f"transparency-atlas-changes-{platform}.csv", index=False)


def _default_profile(atlas: Atlas) -> str:
    platforms = atlas.all_platforms()["platform"].tolist()
    for preferred in ("twitch", "facebook"):
        if preferred in platforms:
            return preferred
    return platforms[0] if platforms else ""


def _summary(df: pd.DataFrame) -> str:
    series = df["series"].nunique()
    values = int(df["value"].notna().sum())
    kinds = ", ".join(sorted(df["granularity"].unique()))
    text = (f"{values:,} value(s) in {series} series ({kinds} periods), {df['period_start'].min():%Y-%m-%d} to "
            f"{df['period_end'].max():%Y-%m-%d}. Each value is drawn across the period it covers; "
            "series of different period lengths are separate lines and are never summed.")
    unmapped = df[(df["policy_area"] == UNMAPPED_AREA) | (df["metric"] == UNMAPPED_METRIC)]
    if not unmapped.empty:
        text += (f" {unmapped['series'].nunique()} series are not yet harmonised: the publisher's own words, shown "
                 "verbatim; each is comparable only with itself.")
    return text


def _permalink(query: str) -> str:
    """The full link to this view (host as the browser reached it)."""
    try:
        host = flask.request.host_url.rstrip("/")
    except RuntimeError:  # outside a request
        host = ""
    return f"{host}/{query}"


def _chart_rows(atlas: Atlas, state: ViewState, chart: str) -> pd.DataFrame | None:
    """The rows behind a chart, recomputed from the state (the same query gives the same row numbers)."""
    if chart == "trends":
        return trend_data(atlas, state)[0]
    if chart.startswith("key-"):
        n = int(chart.split("-")[1])
        keys = analysis.key_series(atlas.store, state.profile).to_dict("records")
        if n >= len(keys):
            return None
        r = keys[n]
        return trend_data(atlas, ViewState(metric=r["metric"], policy_area=r["policy_area"], platforms=[state.profile],
                                           sources=[r["source"]], region=""))[0]
    return None


def _check_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Cross-check rows as text for the table: flags in words, ratios to three decimals, no NaN."""
    shown = rows.copy()
    shown["flag"] = shown["flag"].map(lambda f: "not comparable" if f is None or pd.isna(f)
                                      else ("differs by more than 10%" if f else "within 10%"))
    for column in ("ratio", "divergence"):
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    for column in shown.columns:
        if shown[column].dtype.kind == "f":
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    for column in ("period_start", "period_end"):
        if column in shown:
            shown[column] = pd.to_datetime(shown[column]).dt.strftime("%Y-%m-%d")
    return shown.astype(str)


def _check_rows(atlas: Atlas, kind: str) -> pd.DataFrame:
    if kind == "dsa":
        return analysis.dsa_tdb_crosscheck(atlas.store)
    return analysis.ncmec_crosscheck(atlas.store)


def _changes(atlas: Atlas, platform: str) -> pd.DataFrame:
    df = analysis.changes(atlas.store, platform)
    df["change"] = [f"{(n - o) / o:+.1%}" if o and not pd.isna(o) and not pd.isna(n) else ""
                    for o, n in zip(df["old_value"], df["new_value"], strict=True)]
    keep = ["platform", "source", "period", "metric_label", "policy_label", "region", "breakdown", "old_value_text",
            "new_value_text", "change", "old_edition", "new_edition", "old_document_name", "new_document_name",
            "old_document_sha256", "new_document_sha256", "old_locator", "new_locator", "new_first_seen"]
    df = df[[c for c in keep if c in df.columns]].copy()
    df["new_first_seen"] = df["new_first_seen"].astype(str).str[:19]
    return df.astype(str)


def _json(value) -> str:
    return json.dumps(value, default=str)
