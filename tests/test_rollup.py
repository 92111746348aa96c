"""Monthly and yearly sums of daily statement-of-reasons counts: Twitch's protection-of-minors statements in the EU
Transparency Database per month (April 2025: 165), each sum derived, a month the daily figures cover only in part
marked partial, in the query layer, `tatlas export --per` and `tatlas chart --per`, and the dashboard."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pyarrow.parquet as pq
from click.testing import CliRunner

from reports.model.selection import Selection
from reports.publish import charts
from reports.query import rollup, timeseries
from tatlas.cli import main
from tests.conftest import shared

MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
TWITCH_MINORS = Selection(platforms=["twitch"], sources=["dsa-tdb"], policy_areas=[MINORS], metrics=["sor_count"])


def shantay_months(platform: str, category: str) -> dict[str, int]:
    """The published daily statistics (shantay's builtin.parquet, from the Commission's daily dumps), summed per
    month here independently of the atlas: what the atlas's sums must equal."""
    (path,) = shared("dsa-tdb-stats").glob("*.parquet")
    table = pq.read_table(path, columns=["start_date", "end_date", "platform", "column", "variant", "count"],
                          filters=[("platform", "==", platform), ("column", "==", "category"), ("variant", "==", category)])
    df = table.to_pandas()
    assert (df["start_date"].astype(str) == df["end_date"].astype(str)).all()  # one count a day
    months = pd.to_datetime(df["start_date"].astype(str)).dt.strftime("%Y-%m")
    return {m: int(v) for m, v in df.groupby(months)["count"].sum().items()}


def test_twitch_protection_of_minors_per_month_equals_the_published_daily_statistics(real_atlas):
    df = timeseries.series(real_atlas, TWITCH_MINORS, full=True)
    assert set(df["granularity"]) == {"day"} and df["value"].max() < 100  # unreadable as published: a count a day
    months = rollup.sums_of_daily(real_atlas, df, "month").set_index("period")
    assert months.loc["2025-04", "value"] == 165
    assert months["value"].astype(int).to_dict() == shantay_months("Twitch", MINORS)
    assert set(months["qualifier"]) == {"derived"} and set(months["granularity"]) == {"month"}
    assert months["series"].nunique() == 1 and months["series"].iloc[0].endswith(" · month")
    # Twitch's daily figures start on 2025-03-19 and the atlas holds them to 2026-01-10: both months are partial.
    assert months[months["partial"]].index.tolist() == ["2025-03", "2026-01"]
    assert (months.loc["2025-03", "days_covered"], months.loc["2025-03", "days_in_period"]) == (13, 31)
    assert "partial: the source's daily figures cover 13 of the 31 days" in months.loc["2025-03", "locator"]
    april = months.loc["2025-04"]
    assert not april.partial and april.days_covered == 30 and (april.period_start, april.period_end) == (
        pd.Timestamp("2025-04-01"), pd.Timestamp("2025-04-30"))
    years = rollup.sums_of_daily(real_atlas, df, "year").set_index("period")
    assert years.loc["2025", "value"] == sum(v for m, v in shantay_months("Twitch", MINORS).items() if m < "2026")
    assert years["partial"].all()  # 2025 from 19 March, 2026 to 10 January


def test_a_day_without_a_figure_in_one_category_is_a_day_covered_not_a_gap(real_atlas):
    """The database lists no zero counts: in May 2025 Twitch sent statements every day, but on one day none about
    minors; May is still covered whole (31 of 31 days), though 29 daily figures were summed (187)."""
    df = timeseries.series(real_atlas, TWITCH_MINORS)
    may = df[(df.period_start >= "2025-05-01") & (df.period_end <= "2025-05-31")]
    months = rollup.sums_of_daily(real_atlas, df, "month").set_index("period")
    assert len(may) == 29 and months.loc["2025-05", "value"] == 187
    assert months.loc["2025-05", "days_covered"] == 31 and not months.loc["2025-05", "partial"]
    assert months.loc["2025-05", "derived"].startswith("derived: sum of 29 daily count(s) (2025-05-01 to 2025-05-31")
    # March: 12 figures over the 13 days from 2025-03-19 the database holds for Twitch
    assert months.loc["2025-03", "value"] == 52 and months.loc["2025-03", "days_covered"] == 13


def test_export_per_month_on_the_command_line(real_atlas):
    result = CliRunner().invoke(main, ["export", "--platform", "twitch", "--source", "dsa-tdb", "--policy-area", MINORS,
                                       "--totals", "--per", "month", "--db", str(real_atlas.path)])
    assert result.exit_code == 0, result.output
    rows = {r["period"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert float(rows["2025-04"]["value"]) == 165 and rows["2025-04"]["qualifier"] == "derived"
    assert rows["2025-04"]["coverage"] == "complete"
    assert rows["2025-03"]["coverage"] == "partial: 13 of 31 days"
    assert (rows["2025-04"]["period_start"], rows["2025-04"]["period_end"]) == ("2025-04-01", "2025-04-30")
    assert len(rows["2025-04"]["document_sha256"]) == 64
    bad = CliRunner().invoke(main, ["export", "--platform", "twitch", "--per", "week", "--db", str(real_atlas.path)])
    assert bad.exit_code != 0 and "month" in bad.output


def test_chart_per_month_names_the_sums_and_the_partial_months(real_atlas):
    rows = charts.chart_rows(real_atlas, TWITCH_MINORS, per="month")
    assert rows.loc[rows.period == "2025-04", "value"].tolist() == [165]
    fig = charts.build_figure(real_atlas, rows)
    footer = " ".join(a.text for a in fig.layout.annotations)
    assert "Twitch (dsa-tdb): each value is a sum of daily counts per month, derived by the atlas" in footer
    assert "2025-03 (13 of 31 days)" in footer


def test_the_dashboard_sums_daily_counts_per_month(real_atlas):
    from dashboard import figures
    from dashboard.app import create_app
    from dashboard.data import trend_data
    from dashboard.state import ViewState, encode, parse

    app = create_app(real_atlas)
    state = ViewState(metric="sor_count", policy_area=MINORS, region="EU", platforms=["twitch"], sources=["dsa-tdb"],
                      mode="per_month")
    assert parse(encode(state))[0].mode == "per_month"  # a link keeps it
    df, message = trend_data(app.atlas, state)
    assert message == "" and df.loc[df.period == "2025-04", "value"].tolist() == [165]
    fig = figures.trend_figure(df, mode=state.mode, title="t")
    subtitle = fig["layout"]["title"]["subtitle"]["text"].replace("<br>", " ")
    assert "each value is a sum of daily counts per month, derived by the atlas" in subtitle
    assert "2025-03 (13 of 31 days)" in subtitle
    hover = " ".join(h for t in fig["data"] for h in t.get("hovertext", []) if h)
    assert "sum of daily counts: partial, the daily figures cover 13 of its 31 days (derived)" in hover


def test_the_twitch_brief_reads_statements_per_month(real_atlas):
    from reports.publish import brief

    gathered = brief.gather(real_atlas, "twitch", [MINORS])
    (section,) = [s for s in gathered.sections if s.source == "dsa-tdb"]
    assert section.rows.loc[section.rows.period == "2025-04", "value"].tolist() == [165]
    assert set(section.rows["granularity"]) == {"month"} and set(section.rows["qualifier"]) == {"derived"}
    assert "2025-03 (13 of 31 days)" in section.note
    html = brief.render(gathered)
    assert "11 monthly sum(s) of daily counts" in html and "Daily counts are summed per calendar month" in html
