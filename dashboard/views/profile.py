"""Platform profile: which periods each source covers, the platform's key series as small multiples, and the
card of every source that holds it (format, cadence, licence, caveats, definition changes)."""
from __future__ import annotations

import dash
from dash import Input, Output, dcc, html, no_update

from dashboard import figures, sent
from dashboard.components import GRAPH_CONFIG, definition_list, safe_link
from dashboard.data import Atlas, key_series_state, trend_data
from dashboard.views.trends import trend_chart
from reports.query import naming, origin, platform_profile


def coverage(atlas: Atlas, platform: str):
    """A sentence on what the atlas holds for the platform, and the chart of periods each source covers."""
    name = naming.platform_name(platform)
    held = platform_profile.platform_sources(atlas.store, platform)
    summary = html.P(f"{name}: {int(held['figures'].sum()) if not held.empty else 0:,} figures from "
                     f"{len(held)} source(s).")
    fig = figures.coverage_figure(platform_profile.coverage(atlas.store, platform),
                                  title=f"{name}: which periods each source covers",
                                  source_line=origin.source_line(atlas.store, sources=held["source"],
                                                                   platforms=[platform]))
    return summary, fig


def key_series_graphs(atlas: Atlas, platform: str, annotations: bool) -> list:
    """The platform's key series, one chart each (a click on a point shows its provenance)."""
    graphs = []
    for n, r in enumerate(platform_profile.key_series(atlas.store, platform).to_dict("records")):
        state = key_series_state(r, platform, annotations)
        df, message = trend_data(atlas, state)
        fig, _notes = trend_chart(atlas, state, df, message, chart=f"key-{n}", height=380, wrap=95,
                                  title=f"{naming.metric_name(r['metric'])}: "
                                        f"{naming.policy_area_name(r['policy_area'])} ({r['source']})")
        graphs.append(dcc.Graph(id={"type": "chart", "name": f"key-{n}"}, figure=fig, config=GRAPH_CONFIG))
    return graphs or [html.P("No series with values.")]


def _card_body(card, metrics: str) -> list:
    body = [definition_list([("Publisher", card.publisher), ("Where", safe_link(card.url)), ("Format", card.format),
                             ("Cadence", card.cadence), ("Licence", card.license), ("Metrics", metrics)])]
    if card.caveats:
        body += [html.H5("Caveats"), html.Ul([html.Li(c) for c in card.caveats])]
    if card.definition_changes:
        body += [html.H5("Definition changes"),
                 html.Ul([html.Li(f"{c.get('date', '')}: {c.get('text', '')}") for c in card.definition_changes])]
    return body


def source_cards(atlas: Atlas, platform: str):
    """One card per source holding this platform: format, cadence, licence, caveats, definition changes."""
    cards = atlas.store.source_cards()
    out = []
    for r in platform_profile.platform_sources(atlas.store, platform).to_dict("records"):
        card = cards.get(r["source"])
        body = [html.H4(f"{r['source']}: {r['title']}"),
                html.P(f"{r['figures']:,} figures from {r['documents']} document(s), "
                       f"{str(r['first_period_start'])[:10]} to {str(r['last_period_end'])[:10]}.")]
        body += _card_body(card, r["metrics"]) if card else [html.P("No source card for this source.")]
        out.append(html.Article(body, className="card"))
    return out or [html.P("No source holds figures for this platform.")]


def register(app: dash.Dash, atlas: Atlas) -> None:
    """The profile is drawn when its view is open and a platform is picked."""

    @app.callback(
        Output("profile-summary", "children"), Output({"type": "chart", "name": "coverage"}, "figure"),
        Output("profile-series", "children"), Output("profile-cards", "children"),
        Input("profile-platform", "value"), Input("view", "value"), Input("show-annotations", "value"),
    )
    @sent.sane(sent.text, sent.text, sent.texts)
    def profile(platform, view, annotations):
        if view != "profile":
            return no_update, no_update, no_update, no_update
        if not platform:
            return html.P("Pick a platform."), figures.empty_figure("Pick a platform."), [], []
        summary, fig = coverage(atlas, platform)
        return summary, fig, key_series_graphs(atlas, platform, bool(annotations)), source_cards(atlas, platform)
