"""TikTok CGER: exact published values from XLSX and CSV editions, placeholders skipped, restatements kept."""
from __future__ import annotations

import functools

import pytest

from collectors.tiktok_cger import TikTokCGER
from reports.documents import register
from reports.errors import UnmappedLabel
from tests.conftest import shared

EDITIONS = {"2021-q3": "xlsx", "2022-q1": "xlsx", "2022-q4": "csv", "2023-q1": "csv", "2023-q4": "csv", "2024-q2": "csv"}


@functools.cache
def parse(edition: str):
    doc = register(shared("tiktok-cger", f"tiktok-{edition}.{EDITIONS[edition]}"), "tiktok-cger")
    return doc, TikTokCGER().parse([doc])


def value(df, **where):
    rows = df
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows.iloc[0]


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_every_label_of_every_edition_is_mapped_and_figures_are_unique(edition):
    doc, result = parse(edition)  # an unmapped label raises UnmappedLabel here
    df = result.observations
    key = ["platform", "period_start", "period_end", "region", "policy_area", "policy_label", "metric",
           "metric_label", "breakdown"]
    clashes = df.drop_duplicates(subset=key + ["value"]).duplicated(subset=key)
    assert not clashes.any(), df[clashes].locator.head().tolist()
    assert result.document_meta[doc.sha256]["edition"] == edition.upper()


def test_first_row_of_the_2024q2_csv():
    _, result = parse("2024-q2")
    row = value(result.observations, metric_label="Accounts removed", period="2020-Q3",
                policy_label="Accounts suspected to be under the age of 13 removed", breakdown="")
    assert row["value"] == 920_793 and row["value_text"] == "920793.0" and row["unit"] == "count"
    assert row["metric"] == "accounts_actioned" and row["policy_area"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert row["locator"].startswith("line 2 ")


def test_xlsx_cells_keep_their_sheet_and_cell():
    _, result = parse("2022-q1")
    likes = value(result.observations, metric_label="Fake likes prevented", period="2021-Q2")
    assert likes["value"] == 9_612_942_242 and likes["locator"].startswith("sheet 'Fake Engagement' cell B2 ")
    _, old = parse("2021-q3")
    automated = value(old.observations, metric_label="Total videos removed", period="2021-Q3", breakdown="task=automation")
    assert automated["value"] == 31_009_160
    assert automated["locator"].startswith("sheet 'Historical video removals' cell C6 ")


def test_rates_are_ratios():
    _, result = parse("2022-q4")
    rate = value(result.observations, metric_label="Removal rate before any views", period="2022-Q3",
                 policy_label="Adult nudity and sexual activities", region="GLOBAL", breakdown="")
    assert rate["value"] == pytest.approx(0.821) and rate["unit"] == "ratio"
    assert rate["metric"] == "removal_rate_before_views" and rate["locator"].startswith("line 2 ")
    _, q1 = parse("2023-q1")
    fast = value(q1.observations, metric_label="Percentage of user reports actioned", period="2023-Q1",
                 breakdown="turnaround=less than 2 hours")
    # printed as 0.9159999999999999: float noise is rounded away in value, the printed text is kept
    assert fast["value"] == 0.916 and fast["value_text"] == "0.9159999999999999"


def test_markets_become_regions_and_languages_language_codes():
    _, result = parse("2023-q4")
    df = result.observations
    germany = value(df, metric_label="Total videos removed", period="2022-Q3", region="DE", breakdown="")
    assert germany["value"] == 948_467 and germany["locator"].startswith("line 600 ")
    english = value(df, metric_label="Percentage of moderators assigned", period="2023-Q4", region="en")
    assert english["value"] == pytest.approx(0.256) and english["breakdown"] == "region_kind=language"
    _, workbook = parse("2022-q1")
    us = value(workbook.observations, metric_label="Total videos removed", region="US")
    assert us["value"] == 14_044_224 and us["period"] == "2022-Q1"
    assert us["locator"].startswith("sheet 'Top 30 Countries' cell B2 ")
    _, latest = parse("2024-q2")
    other = value(latest.observations, metric_label="Percentage of moderators assigned", period="2023-Q1",
                  breakdown="language=other languages")
    assert other["value"] == pytest.approx(0.137) and other["region"] == "GLOBAL"


def test_both_policy_taxonomies_map():
    _, result = parse("2024-q2")
    df = result.observations
    new = value(df, metric_label="Category share", period="2023-Q2", breakdown="policy_level=sub-policy",
                policy_label="Safety & Civility - Youth Exploitation & Abuse")
    assert new["value"] == pytest.approx(0.308) and new["policy_area"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    old = value(df, metric_label="Total videos removed", period="2020-Q4", policy_label="", region="GLOBAL",
                breakdown="task=automation")
    assert old["value"] == 4_923_971


def test_placeholder_rows_are_skipped_and_reported():
    doc, result = parse("2024-q2")
    assert [s.locator.split(" (")[0] for s in result.skipped] == ["line 24595", "line 24623", "line 24658"]
    assert all("{{comment_cg_policy_grouping}}" in s.reason and s.document_sha256 == doc.sha256 for s in result.skipped)
    assert not result.observations["locator"].str.startswith("line 24595 ").any()


def test_unmapped_label_names_file_and_line(tmp_path):
    folder = tmp_path / "tiktok-cger"
    folder.mkdir()
    path = folder / "tiktok-test.csv"
    path.write_text("\ufeffMetric,Period type,Period,Policy type,Issue,Task type,Task,Location,Market,Result\n"
                    "Accounts removed,Quarterly,Jul-Sep 2020,All,All,All,All,All,All,1.0\n"
                    "Accounts teleported,Quarterly,Jul-Sep 2020,All,All,All,All,All,All,2.0\n", encoding="utf-8")
    with pytest.raises(UnmappedLabel, match=r"line 3.*Accounts teleported"):
        TikTokCGER().parse([register(path, "tiktok-cger")])


def test_restatements_between_editions_show_in_changes(tmp_path):
    from reports.build import build
    from reports.store import Store

    db = tmp_path / "atlas.duckdb"
    build(shared(), db, {"tiktok-cger": TikTokCGER()}, only=["tiktok-cger"])
    with Store(db, read_only=True) as store:
        changes = store.changes(source="tiktok-cger")
        restated = changes[(changes.metric_label == "Video: Removal rate of published") & (changes.period == "2020-Q3")]
        assert list(zip(restated.old_value, restated.new_value, strict=True)) == [(0.01, 0.006)]
        assert list(restated.old_document_name) == ["tiktok-2022-q1.xlsx"]
        assert restated.old_locator.iloc[0].startswith("sheet 'Published removal pct' cell B2 ")
        assert list(restated.new_document_name) == ["tiktok-2022-q4.csv"]
