"""One series per thing, and nothing that misleads: renamed headings and providers stay one line, a figure printed for
several platforms is marked combined and never counted twice, and cross-checks say why a figure is missing."""
from __future__ import annotations

import pandas as pd

from reports.model.selection import Selection
from reports.publish import brief, charts
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
