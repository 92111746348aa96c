"""Cross-check: a platform's own count of reports to NCMEC against NCMEC's count for it, or a DSA report against
statements of reasons in the DSA Transparency Database; a chart, a sentence, a table and a CSV download."""
from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, dcc, no_update

from dashboard import figures, sent
from dashboard.data import Atlas
from dashboard.table import register_table, table
from reports.publish.spreadsheet import write_csv
from reports.query import crosschecks, naming, origin

TABLE_ID = "check-data"
EMPTY = {"ncmec": "No platform has both its own count of reports to NCMEC and NCMEC's count in the atlas yet.",
         "dsa": "No DSA report in the atlas has statements of reasons to compare with yet."}
CAPTIONS = {"ncmec": "{name}: own count of reports to NCMEC vs NCMEC's count, per calendar year",
            "dsa": "{name}: DSA report vs statements of reasons in the Transparency Database, per period and category"}


def _flag_words(flag) -> str:
    if flag is None or pd.isna(flag):
        return "not comparable"
    return "differs by more than 10%" if flag else "within 10%"


def table_text(rows: pd.DataFrame) -> pd.DataFrame:
    """Cross-check rows as text for the table: flags in words, ratios to three decimals, no NaN."""
    shown = rows.copy()
    shown["flag"] = shown["flag"].map(_flag_words)
    for column in ("ratio", "divergence"):
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    for column in shown.columns:
        if shown[column].dtype.kind == "f":
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    for column in ("period_start", "period_end"):
        if column in shown:
            shown[column] = pd.to_datetime(shown[column]).dt.strftime("%Y-%m-%d")
    return shown.astype(str)


def platform_rows(atlas: Atlas, kind: str, platform: str | None) -> pd.DataFrame:
    """One platform's cross-check rows, as the table shows them."""
    df = atlas.check_rows(kind)
    return table_text(df[df.platform == platform]) if platform else pd.DataFrame()


def status(rows: pd.DataFrame, platform: str) -> str:
    name = naming.platform_name(platform)
    flagged = int((rows["flag"] == True).sum())  # noqa: E712 (flag is True, False or None)
    comparable = int(rows["flag"].notna().sum())
    return (f"{len(rows)} row(s) for {name}: {comparable} comparable, {flagged} differ by more than "
            f"{crosschecks.DIVERGENCE_THRESHOLD:.0%}. Ratio = the platform's own figure / the reference; derived figures "
            "(sums of halves, of several entries, of categories) are marked.")


def chart(atlas: Atlas, kind: str, df: pd.DataFrame, platform: str) -> dict:
    sources = ["ncmec-esp", *sorted(df["platform_source"].unique())] if kind == "ncmec" else ["dsa-report", "dsa-tdb"]
    line = origin.source_line(atlas.store, sources=sources, platforms=[platform])
    return (figures.ncmec_figure if kind == "ncmec" else figures.tdb_figure)(df, platform, source_line=line)


def render(atlas: Atlas, kind: str, platform: str | None):
    """The chart, the sentence and the table of one cross-check for one platform."""
    df = atlas.check_rows(kind)
    kind = "ncmec" if kind == "ncmec" else "dsa"
    if df.empty or not platform:
        return figures.empty_figure(EMPTY[kind]), EMPTY[kind], []
    fig = chart(atlas, kind, df, platform)
    rows = df[df.platform == platform]
    if rows.empty:
        return fig, f"No comparison for {naming.platform_name(platform)}.", []
    caption = CAPTIONS[kind].format(name=naming.platform_name(platform))
    return fig, status(rows, platform), table(table_text(rows), TABLE_ID, caption)


def register(app: dash.Dash, atlas: Atlas) -> None:
    """Drawn when the view is open; the table pages and sorts on its own; CSV of every platform's rows."""

    @app.callback(
        Output({"type": "chart", "name": "check"}, "figure"), Output("check-status", "children"),
        Output("check-table", "children"),
        Input("check", "value"), Input("check-platform", "value"), Input("view", "value"),
    )
    @sent.sane(sent.text, sent.text, sent.text)
    def crosscheck(kind, platform, view):
        if view != "crosscheck":
            return no_update, no_update, no_update
        return render(atlas, kind, platform)

    register_table(app, TABLE_ID, lambda kind, platform: platform_rows(atlas, kind, platform),
                   [State("check", "value"), State("check-platform", "value")])

    @app.callback(
        Output("download", "data", allow_duplicate=True), Input("download-check", "n_clicks"),
        State("check", "value"), prevent_initial_call=True)
    @sent.sane(sent.clicks, sent.text)
    def download_check(n_clicks, kind):
        if not n_clicks or kind not in ("ncmec", "dsa"):
            return no_update
        df = atlas.check_rows(kind)
        return dcc.send_string(write_csv(df), f"transparency-atlas-crosscheck-{kind}.csv")
