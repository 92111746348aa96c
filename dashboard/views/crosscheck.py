"""Cross-check: a platform's own count of reports to NCMEC against NCMEC's count for it, or every DSA transparency
report against the statements of reasons in the DSA Transparency Database (reports.query.reconcile), ranked by
disagreement for every service or shown for one; a chart, a sentence, a table with provenance on both sides and a
CSV download."""
from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, dcc, no_update

from dashboard import figures, sent
from dashboard.data import EVERY_SERVICE, Atlas
from dashboard.table import register_table, table
from reports.publish.spreadsheet import write_csv
from reports.query import crosschecks, naming, origin, reconcile

TABLE_ID = "check-data"
EMPTY = {"ncmec": "No platform has both its own count of reports to NCMEC and NCMEC's count in the atlas yet.",
         "dsa": "No DSA transparency report in the atlas yet: nothing to reconcile with the Transparency Database."}
CAPTIONS = {"ncmec": "{name}: own count of reports to NCMEC vs NCMEC's count, per calendar year",
            "dsa": "{name}: DSA report vs statements of reasons in the Transparency Database, by measure and category, "
                   "ranked by disagreement"}
# The reconciliation's columns as the table shows them: the comparison, then where both sides come from.
DSA_TABLE = ["rank", "platform", "period", "measure", "policy_area", "report_value", "database_value", "ratio",
             "database_days", "flag", "note", "derived", "database_first_day", "database_last_day",
             "report_document_sha256", "report_source_url", "report_locator", "database_document_sha256",
             "database_source_url", "database_locator"]


def _flag_words(flag) -> str:
    if flag is None or pd.isna(flag):
        return "not comparable"
    return "differs by more than 10%" if flag else "within 10%"


def table_text(rows: pd.DataFrame) -> pd.DataFrame:
    """NCMEC cross-check rows as text for the table: flags in words, ratios to three decimals, no NaN."""
    shown = rows.copy()
    shown["flag"] = shown["flag"].map(_flag_words)
    for column in ("ratio", "divergence"):
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    for column in shown.columns:
        if shown[column].dtype.kind == "f":
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    return shown.astype(str)


def chosen_rows(atlas: Atlas, kind: str, platform: str | None) -> pd.DataFrame:
    """The rows of one cross-check for a platform (every service's for the DSA reconciliation's EVERY_SERVICE)."""
    df = atlas.check_rows(kind)
    if kind == "dsa" and platform == EVERY_SERVICE:
        return df
    return df[df.platform == platform] if platform else df.iloc[0:0]


def platform_rows(atlas: Atlas, kind: str, platform: str | None) -> pd.DataFrame:
    """One platform's cross-check rows (or every service's), as the table shows them."""
    rows = chosen_rows(atlas, kind, platform)
    if kind == "dsa":
        return reconcile.as_text(rows).drop(columns=["unit"])[DSA_TABLE]
    return table_text(rows)


def status(rows: pd.DataFrame, kind: str, name: str) -> str:
    flagged = int((rows["flag"] == True).sum())  # noqa: E712 (flag is True, False or None)
    comparable = int(rows["flag"].notna().sum())
    if kind == "dsa":
        return (f"{len(rows)} row(s) for {name}: {comparable} compared, {flagged} differ by more than "
                f"{crosschecks.DIVERGENCE_THRESHOLD:.0%}; ranked by disagreement, totals first, then categories. "
                "Ratio = report / database; sums, shares and ratios are derived and the table's `derived` column "
                "names what was summed; `note` says what is missing on either side.")
    return (f"{len(rows)} row(s) for {name}: {comparable} comparable, {flagged} differ by more than "
            f"{crosschecks.DIVERGENCE_THRESHOLD:.0%}. Ratio = the platform's own figure / the reference; derived figures "
            "(sums of halves, of several entries, of categories) are marked.")


def chart(atlas: Atlas, kind: str, rows: pd.DataFrame, platform: str, name: str) -> dict:
    if kind == "ncmec":
        sources = ["ncmec-esp", *sorted(rows["platform_source"].unique())]
        line = origin.source_line(atlas.store, sources=sources, platforms=[platform])
        return figures.ncmec_figure(rows, platform, source_line=line)
    line = origin.source_line(atlas.store, sources=["dsa-report", "dsa-tdb"], platforms=sorted(rows["platform"].unique()))
    if platform == EVERY_SERVICE:
        return figures.reconcile_figure(rows[rows.policy_area == "ALL"], "Every service: DSA reports vs Transparency "
                                        "Database, totals (categories in the table)", source_line=line)
    return figures.reconcile_figure(rows, f"{name}: DSA report vs Transparency Database", source_line=line)


def render(atlas: Atlas, kind: str, platform: str | None):
    """The chart, the sentence and the table of one cross-check for one platform (or every service)."""
    kind = "ncmec" if kind == "ncmec" else "dsa"
    df = atlas.check_rows(kind)
    if df.empty or not platform:
        return figures.empty_figure(EMPTY[kind]), EMPTY[kind], []
    name = "every service" if kind == "dsa" and platform == EVERY_SERVICE else naming.platform_name(platform)
    rows = chosen_rows(atlas, kind, platform)
    if rows.empty:
        return figures.empty_figure(f"No comparison for {name}."), f"No comparison for {name}.", []
    caption = CAPTIONS[kind].format(name=name[0].upper() + name[1:])
    return chart(atlas, kind, rows, platform, name), status(rows, kind, name), \
        table(platform_rows(atlas, kind, platform), TABLE_ID, caption)


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
        if kind == "dsa":
            return dcc.send_string(write_csv(reconcile.exported(df, text=True)), "transparency-atlas-reconcile.csv")
        return dcc.send_string(write_csv(df), f"transparency-atlas-crosscheck-{kind}.csv")
