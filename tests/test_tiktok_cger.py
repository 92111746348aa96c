"""TikTok CGER: exact published values from XLSX and CSV editions, placeholders skipped, restatements kept."""
from __future__ import annotations

import pytest

from collectors.tiktok_cger import TikTokCGER
from reports.documents import register
from reports.errors import UnmappedLabel
from reports.schema import FIGURE_KEY
from tests.conftest import only_row as value
from tests.conftest import parse_real, shared

EDITIONS = {"2021-q3": "xlsx", "2022-q1": "xlsx", "2022-q4": "csv", "2023-q1": "csv", "2023-q4": "csv", "2024-q2": "csv"}


def parse(edition: str):
    return parse_real("tiktok-cger", "tiktok-cger", f"tiktok-{edition}.{EDITIONS[edition]}")


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_every_label_of_every_edition_is_mapped_and_figures_are_unique(edition):
    doc, result = parse(edition)  # an unmapped label raises UnmappedLabel here
    df = result.observations
    key = [c for c in FIGURE_KEY if c != "source"]  # the source is filled in by the build
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


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    """A store built from the real TikTok and X files only (both collectors' figures across documents)."""
    from collectors import REGISTRY
    from reports.build import build
    from reports.store import Store

    db = tmp_path_factory.mktemp("tiktok-x") / "atlas.duckdb"
    build(shared(), db, REGISTRY, only=["tiktok-cger", "x"])
    with Store(db, read_only=True) as store:
        yield store


def test_restatements_between_editions_show_in_changes(atlas):
    changes = atlas.changes(source="tiktok-cger")
    restated = changes[(changes.metric_label == "Video: Removal rate of published") & (changes.period == "2020-Q3")]
    assert list(zip(restated.old_value, restated.new_value, strict=True)) == [(0.01, 0.006)]
    assert list(restated.old_document_name) == ["tiktok-2022-q1.xlsx"]
    assert restated.old_locator.iloc[0].startswith("sheet 'Published removal pct' cell B2 ")
    assert list(restated.new_document_name) == ["tiktok-2022-q4.csv"]


def test_fake_engagement_series_are_told_apart_by_breakdown():
    _, result = parse("2022-q1")
    df = result.observations
    fake = df[df.metric.str.startswith("fake_engagement") & (df.period == "2021-Q2")]
    assert sorted(zip(fake.metric, fake.breakdown, fake.value, strict=True)) == [
        ("fake_engagement_prevented", "engagement=follow requests", 632_416_873),
        ("fake_engagement_prevented", "engagement=likes", 9_612_942_242),
        ("fake_engagement_removed", "engagement=followers", 71_935_583),
        ("fake_engagement_removed", "engagement=likes", 91_812_066)]


def test_a_reworded_label_stays_one_figure_across_editions():
    _, q4 = parse("2023-q4")
    _, q2 = parse("2024-q2")
    where = dict(metric="removal_rate_within_24h", period="2023-Q3", region="GLOBAL", breakdown="policy_level=sub-policy",
                 policy_label="Safety & Civility - Harassment & Bullying")
    bare, prefixed = value(q4.observations, **where), value(q2.observations, **where)
    assert bare["value"] == prefixed["value"] == pytest.approx(0.875)
    # the printed wording stays in the locator
    assert bare["locator"].startswith("line 5216 ") and "Community guidelines policy: Harassment & Bullying;" in bare["locator"]
    assert "Sub-policy: Safety & Civility - Harassment & Bullying;" in prefixed["locator"]
    renamed = value(q2.observations, metric="accounts_prevented", period="2021-Q2")
    assert renamed["value"] == 148_759_987 and renamed["metric_label"] == "Fake accounts prevented"
    _, q1 = parse("2022-q1")
    old = value(q1.observations, metric="accounts_prevented", period="2021-Q2")
    assert old["metric_label"] == "Fake accounts prevented" and old["locator"].startswith("sheet 'Spam' cell B3 (Blocked spam")


def test_gambling_of_each_taxonomy_keeps_its_own_label():
    _, q4 = parse("2023-q4")
    new = value(q4.observations, metric="removal_rate_within_24h", period="2023-Q3", region="GLOBAL",
                breakdown="policy_level=sub-policy", policy_label="Regulated Goods & Commercial Activities - Gambling")
    assert new["value"] == pytest.approx(0.852) and new["locator"].startswith("line 4744 ")
    _, q2 = parse("2024-q2")
    old = value(q2.observations, metric="category_share", period="2023-Q1", region="GLOBAL", policy_label="Gambling",
                breakdown="policy_level=sub-policy;task=human moderation")
    assert old["value"] == pytest.approx(0.046) and old["locator"].startswith("line 1261 ")


@pytest.mark.parametrize("source", ["tiktok-cger", "x"])
def test_latest_never_holds_one_figure_twice_under_two_wordings(atlas, source):
    twice = atlas.query("""
        SELECT source, platform, period, region, policy_area, metric, breakdown, value, list(policy_label) AS policy_labels,
               list(metric_label) AS metric_labels
        FROM latest WHERE value > 10 AND source = ? GROUP BY ALL HAVING count(*) > 1""", [source])
    assert twice.empty, twice.head().to_dict("records")
    assert atlas.query("SELECT count(*) AS n FROM latest WHERE source = ?", [source]).n.iloc[0] > 100
