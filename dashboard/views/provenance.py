"""Provenance: a click on any point of any chart shows where its figure comes from (document, sha256, locator,
licence, caveats, citation), as plain text and http(s) links only."""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, ctx, html, no_update

from dashboard import controls, sent
from dashboard.components import definition_list, safe_link
from dashboard.data import Atlas, chart_rows
from reports.query import naming, origin

HEADING = "Where does this come from?"


def placeholder():
    return [html.H2(HEADING), html.P("Click a point on any chart to see its source document, locator and caveats here.")]


def _recorded(value, length: int) -> str:
    return str(value)[:length] if value else "not recorded"


def facts(row: dict, derived: str = "") -> list[tuple[str, object]]:
    """One figure's provenance as (term, detail) pairs."""
    value = row.get("value_text") or "no figure printed"
    if row.get("qualifier"):
        value += f" ({row['qualifier'].replace('_', ' ')})"
    breakdown = f" [{row['breakdown']}]" if row.get("breakdown") else ""
    out = [
        ("Figure", f"{naming.platform_name(row['platform'])}: {row['metric_label']}, "
                   f"{row['policy_label'] or '(no label)'}{breakdown}"),
        ("Value as published", value),
        ("Period", f"{row['period']} ({str(row['period_start'])[:10]} to {str(row['period_end'])[:10]})"),
        ("Region", row["region"]),
        ("Policy area", f"{naming.policy_area_name(row['policy_area'])} ({row['policy_area']})"),
        ("Source", f"{row['source']}: {row.get('publisher') or ''}, {row.get('document_title') or ''}"),
        ("Source URL", safe_link(row.get("source_url"))),
        ("Document", f"{row.get('document_name') or ''} (edition {row.get('edition') or 'not stated'})"),
        ("Document sha256", html.Code(row["document_sha256"], className="sha")),
        ("Locator", row["locator"]),
        ("Published", _recorded(row.get("published"), 10)),
        ("Retrieved", _recorded(row.get("retrieved"), 19)),
        ("First seen by the atlas", _recorded(row.get("first_seen"), 19)),
        ("Licence", row.get("license") or "not stated"),
    ]
    if derived:
        out.insert(2, ("Shown as", derived))
    return out


def panel(row: dict, derived: str = ""):
    """The provenance of one figure as plain text and links (nothing rendered as HTML)."""
    if not row:
        return [html.H2(HEADING), html.P("This figure is no longer in the store.")]
    children = [html.H2(HEADING), definition_list(facts(row, derived), id="provenance-facts")]
    if row.get("caveats"):
        children += [html.H3("Caveats from the source card"), html.Ul([html.Li(c) for c in row["caveats"]])]
    if row.get("citation"):
        children.append(html.P(["Cite as: ", row["citation"]]))
    return children


def clicked_point(click) -> tuple[str, int] | None:
    """(chart, row) named by a click's first point (its customdata), or None for anything else a client sends."""
    points = sent.record(click).get("points")
    point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else {}
    custom = point.get("customdata")
    if not isinstance(custom, list) or len(custom) < 2 or not isinstance(custom[0], str):
        return None
    if isinstance(custom[1], bool) or not isinstance(custom[1], int | float) or custom[1] != int(custom[1]):
        return None
    return custom[0], int(custom[1])


def register(app: dash.Dash, atlas: Atlas) -> None:
    """A clicked point names its chart and row (customdata); the row is found again from the controls."""

    @app.callback(
        Output("provenance", "children"),
        Input({"type": "chart", "name": ALL}, "clickData"),
        controls.states(),
        prevent_initial_call=True,
    )
    def provenance(_clicks, *values):
        point = clicked_point(ctx.triggered[0]["value"] if ctx.triggered_id and ctx.triggered else None)
        if point is None:
            return no_update
        chart, index = point
        df = chart_rows(atlas, controls.state_of(values), chart)
        if df is None or index not in df.index:
            return [html.H2(HEADING), html.P("This point has no single source figure.")]
        row = df.loc[index]
        return panel(origin.provenance(atlas.store, row.to_dict()), row.get("derived", ""))
