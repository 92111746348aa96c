"""Changes between editions: figures a publisher revised, old and new value and both documents; a table and a
CSV download."""
from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, dcc, no_update

from dashboard import sent
from dashboard.data import Atlas
from dashboard.table import register_table, table
from reports.publish.spreadsheet import write_csv
from reports.query import naming

TABLE_ID = "changes-data"


def render(atlas: Atlas, platform: str | None):
    """A sentence and the table of one platform's revised figures."""
    if not platform:
        return "Pick a platform.", []
    df = atlas.changes(platform)
    name = naming.platform_name(platform)
    if df.empty:
        return f"No figure for {name} was revised between the editions we hold.", []
    return (f"{len(df):,} figure(s) for {name} were revised between editions.",
            table(df, TABLE_ID, f"{name}: figures revised between editions, old and new value and both documents"))


def register(app: dash.Dash, atlas: Atlas) -> None:
    """Drawn when the view is open; the table pages and sorts on its own; CSV of the platform's revisions."""

    @app.callback(
        Output("changes-status", "children"), Output("changes-table", "children"),
        Input("changes-platform", "value"), Input("view", "value"))
    @sent.sane(sent.text, sent.text)
    def changes(platform, view):
        if view != "changes":
            return no_update, no_update
        return render(atlas, platform)

    register_table(app, TABLE_ID, lambda platform: atlas.changes(platform) if platform else pd.DataFrame(),
                   [State("changes-platform", "value")])

    @app.callback(
        Output("download", "data", allow_duplicate=True), Input("download-changes", "n_clicks"),
        State("changes-platform", "value"), prevent_initial_call=True)
    @sent.sane(sent.clicks, sent.text)
    def download_changes(n_clicks, platform):
        if not n_clicks:
            return no_update
        df = atlas.changes(platform) if platform else pd.DataFrame()
        return dcc.send_string(write_csv(df), f"transparency-atlas-changes-{platform}.csv")
