"""One series per thing, and nothing that misleads: renamed headings and providers stay one line, a figure printed for
several platforms is marked combined and never counted twice, and cross-checks say why a figure is missing."""
from __future__ import annotations

import pandas as pd

from reports.model import overlaps
from reports.model.selection import Selection
from reports.publish import brief, charts
from reports.publish.export import export_frame
from reports.query import crosschecks

TWITCH_NCMEC = Selection(platforms=["twitch"], metrics=["ncmec_reports"])


def test_the_twitch_ncmec_chart_has_one_line_per_source(real_atlas):
    rows = charts.chart_rows(real_atlas, TWITCH_NCMEC)
    lines = rows.groupby("series")["source"].unique()
    assert sorted(s for sources in lines for s in sources) == ["curated-twitch", "ncmec-esp"]
    ncmec = rows[rows.source == "ncmec-esp"].sort_values("period_start")
    # NCMEC's heading changed ('Number of Reports' 2019-2021, 'Reports' from 2022): still one line, 2019 to 2023
    assert list(zip(ncmec.period, ncmec.value, ncmec.metric_label, strict=True)) == [
        ("2019", 541, "Number of Reports"), ("2020", 2_235, "Number of Reports"), ("2021", 6_629, "Number of Reports"),
        ("2022", 14_508, "Reports"), ("2023", 6_665, "Reports")]
    fig = charts.build_figure(real_atlas, rows)
    names = [t.name for t in fig.data]
    assert len(names) == 2 and any("Number of Reports / Reports" in n for n in names)
    footer = " ".join(a.text for a in fig.layout.annotations)
    assert "Twitch 2020 (ncmec-esp): one figure printed for several platforms together" in footer
    assert "Amazon / Twitch 2,235" in footer


def test_the_ncmec_cross_check_says_why_a_count_is_missing_or_shared(real_atlas):
    df = crosschecks.ncmec_crosscheck(real_atlas, ["twitch"]).set_index("year")
    y2020 = df.loc[2020]
    assert y2020.ncmec_value == 2_235 and y2020.ncmec_status == "combined"
    assert y2020.platform_value == 812 + 1_346 and pd.isna(y2020.ratio) and y2020.flag is None
    assert "together with Amazon (one printed row: Amazon / Twitch 2,235)" in y2020.note
    assert "lists no count" not in y2020.note
    # The atlas holds NCMEC's editions 2019-2023 only: 2024 is unknown here, not 'none listed'.
    y2024 = df.loc[2024]
    assert y2024.ncmec_status == "no edition" and pd.isna(y2024.ncmec_value)
    assert "the atlas holds no NCMEC edition for 2024" in y2024.note and "lists no count" not in y2024.note
    assert list(df.loc[[2021, 2022, 2023], "ncmec_status"]) == ["printed"] * 3


def test_the_twitch_brief_never_claims_ncmec_lists_no_count_for_2020(real_atlas):
    gathered = brief.gather(real_atlas, "twitch")
    html = brief.render(gathered)
    assert "NCMEC lists no count for Twitch in 2020" not in html
    assert "NCMEC lists no count for Twitch in 2024" not in html
    assert "together with Amazon (one printed row: Amazon / Twitch 2,235)" in html
    assert "the atlas holds no NCMEC edition for 2024" in html


def test_no_sum_counts_xs_combined_category_twice(real_atlas):
    """X prints 'Abuse, Harassment & Hateful Conduct' (1,105,139 suspensions, page 7) beside 'Abuse & Harassment'
    (1,102,778) and 'Hateful Conduct' (2,361) and a total of its policies without spam (5,296,870): whatever subset a
    sum is asked for, it adds each suspension once."""
    x = real_atlas.query("SELECT * FROM latest WHERE source = 'x' AND metric = 'accounts_actioned' AND breakdown = '' "
                         "AND policy_label <> 'Platform Manipulation & Spam'")
    assert only_value(x, "Abuse, Harassment & Hateful Conduct") == 1_105_139
    assert x["value"].sum() == 5_296_870 * 2 + 1_105_139  # what a naive sum would say
    for left_out in ([], ["Hateful Conduct"], ["All policy areas excluding Platform Manipulation & Spam"],
                     ["Abuse, Harassment & Hateful Conduct"], ["Abuse & Harassment", "Hateful Conduct"]):
        kept, notes = overlaps.countable(x[~x.policy_label.isin(left_out)])
        assert kept["value"].sum() == 5_296_870, left_out
        assert notes
    both = x[x.policy_label.isin(["Abuse, Harassment & Hateful Conduct", "Abuse & Harassment", "Hateful Conduct"])]
    assert overlaps.countable(both)[0]["value"].sum() == 1_105_139


def only_value(df, label):
    (value,) = df.loc[df.policy_label == label, "value"]
    return value


def test_exports_name_what_else_counts_a_figure_and_totals_keep_parts_without_a_total(real_atlas):
    df = export_frame(real_atlas, Selection(platforms=["x"], totals_only=True))
    x = df[(df.source == "x") & (df.metric == "accounts_actioned")].set_index("policy_label")
    assert "contained in 'Abuse, Harassment & Hateful Conduct'" in x.loc["Hateful Conduct", "counted_in"]
    assert x.loc["Abuse, Harassment & Hateful Conduct", "counted_in"].startswith("contains other figures")
    assert x.loc["Platform Manipulation & Spam", "counted_in"] == ""
    # NCMEC prints no total for X in 2023, only its two providers: --totals keeps both, each named.
    ncmec = df[(df.source == "ncmec-esp") & (df.period == "2023")]
    assert sorted(zip(ncmec.breakdown, ncmec.value, strict=True)) == [("esp=Twitter, Inc. / Vine.co", 597_087),
                                                         ("esp=X Corp", 273_416)]
    twitch = export_frame(real_atlas, Selection(platforms=["twitch"], sources=["ncmec-esp"], totals_only=True))
    row = twitch[twitch.period == "2020"].iloc[0]
    assert row.qualifier == "combined" and "count it once" in row.counted_in
    assert "contained in 'all-esps'" in row.counted_in


def test_tiktok_under_13_removals_continue_to_2024_q2_as_totals(real_atlas):
    """TikTok printed 'Ban reason' to 2023-Q1 and 'Ban reason - safety' from 2023-Q2 (policy_types.csv gives both one
    canonical label): the series goes on as totals, in charts and in --totals exports."""
    selection = Selection(platforms=["tiktok"], sources=["tiktok-cger"], metrics=["accounts_actioned"],
                          regions=["GLOBAL"], totals_only=True, since="2023-Q1")
    df = export_frame(real_atlas, selection)
    under13 = df[df.policy_label == "Accounts suspected to be under the age of 13 removed"].sort_values("period_start")
    assert list(zip(under13.period, under13.value, strict=True)) == [
        ("2023-Q1", 16_947_484), ("2023-Q2", 18_823_040), ("2023-Q3", 20_864_857), ("2023-Q4", 19_848_855),
        ("2024-Q1", 21_639_414), ("2024-Q2", 20_216_580)]
    assert set(under13.breakdown) == {""}
    rows = charts.chart_rows(real_atlas, Selection(platforms=["tiktok"], sources=["tiktok-cger"], regions=["GLOBAL"],
                                                   metrics=["accounts_actioned"],
                                                   policy_areas=["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"]))
    line = rows[rows.policy_label == "Accounts suspected to be under the age of 13 removed"]
    assert line["series"].nunique() == 1 and line["period"].iloc[-1] == "2024-Q2" and len(line) == 16
    assert "ban reason - safety" in line["locator"].iloc[-1].lower()


def test_twitch_charts_name_platform_source_and_twitchs_own_label_next_to_our_category(real_atlas):
    """The static chart and the dashboard's both: our category in the title, Twitch, its source and Twitch's own
    words for the policy and the measure beside it."""
    from dashboard.app import create_app
    from dashboard.data import trend_data
    from dashboard.state import ViewState
    from dashboard.views.trends import trend_chart

    area = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    label = "‘Hateful Conduct, Sexual Harassment, and Harassment’"
    fig = charts.build_figure(real_atlas, charts.chart_rows(real_atlas, Selection(
        platforms=["twitch"], sources=["curated-twitch"], policy_areas=[area])))
    static = f"{fig.layout.title.text} · {fig.layout.title.subtitle.text}".replace("<br>", " ")
    app = create_app(real_atlas)
    state = ViewState(metric="enforcement_actions", policy_area=area, platforms=["twitch"], sources=["curated-twitch"],
                      region="GLOBAL")
    df, message = trend_data(app.atlas, state)
    figure, _notes = trend_chart(app.atlas, state, df, message)
    live = f"{figure['layout']['title']['text']} · {figure['layout']['title']['subtitle']['text']}".replace("<br>", " ")
    for words in (static, live):
        assert "Enforcement actions: Illegal or harmful speech" in words
        assert "Twitch" in words and f"published as {label}" in words and "source: curated-twitch" in words
        assert "measure published as ‘Enforcement actions on reported behavior’" in words


def test_totals_keep_googles_products_that_no_total_stands_above(real_atlas):
    """Google's detailed file prints Germany's 2025-H1 Web Search requests per reason (Privacy and Security: 25;
    Regulated Goods and Services: 62) and no total over Google's products: --totals keeps them."""
    df = export_frame(real_atlas, Selection(platforms=["google"], sources=["google-gov-removals"], regions=["DE"],
                                            since="2025-H1", until="2025-H1", totals_only=True))
    web = df[df.breakdown == "product=Web Search"].set_index("policy_label")["value"]
    assert web["Privacy and Security"] == 25 and web["Regulated Goods and Services"] == 62
    assert set(df.breakdown.str.split("=").str[0]) == {"product"}
    # The summary file counts the same requests another way: each figure says so, on both sides.
    assert df["counted_in"].str.contains("the same things counted another way (google-two-files)", regex=False).all()


def test_counted_in_of_a_frame_in_memory_is_what_exports_compute_on_the_store(real_atlas):
    """Exports compute `counted_in` where the rows stream (overlaps.counted_in_sql); sums built in memory (--per)
    get it from a frame (overlaps.counted_in): on every figure of the real atlas the two give the same words, row for
    row, and they name X's, NCMEC's and Google's overlaps."""
    df = real_atlas.con.sql(f"SELECT *, {overlaps.counted_in_sql()} AS in_sql FROM latest").df()
    expected = overlaps.counted_in(df)
    assert (df["in_sql"] == expected).all()
    named = df.loc[df["in_sql"] != "", "source"].unique()
    assert {"x", "ncmec-esp", "google-gov-removals"} <= set(named)
