"""Meta CSER: exact published values from several editions, and the revisions between them."""
from __future__ import annotations

import pytest

from collectors import REGISTRY
from tests.conftest import only_row as value
from tests.conftest import parse_real, shared


def parse(edition: str):
    return parse_real("meta-cser", "meta-cser", f"meta-{edition}.csv")


@pytest.mark.parametrize("edition, app, area, metric, period, expected", [
    ("2024-q2", "facebook", "Adult Nudity & Sexual Activity", "Content Actioned", "2017-Q4", 20_800_000),
    ("2021-q3", "facebook", "Fake Accounts", "Accounts Actioned", "2017-Q4", 694_000_000),
    ("2021-q2", "facebook", "Child Nudity & Sexual Exploitation", "Content Actioned", "2020-Q1", 8_600_000),
    ("2021-q3", "facebook", "Child Nudity & Sexual Exploitation", "Content Actioned", "2020-Q1", 8_500_000),
    ("2022-q4", "facebook", "Child Endangerment: Sexual Exploitation", "Content Actioned", "2021-Q3", 21_200_000),
    ("2021-q3", "facebook", "Child Endangerment: Sexual Exploitation", "Content Actioned", "2021-Q3", 20_900_000),
])
def test_counts_equal_the_published_values(edition, app, area, metric, period, expected):
    _, result = parse(edition)
    row = value(result.observations, platform=app, policy_label=area, metric_label=metric, period=period)
    assert row["value"] == expected
    assert row["unit"] == "count"


def test_percentages_become_ratios_and_ranges_become_bounds():
    _, result = parse("2023-q1")
    df = result.observations
    rate = value(df, platform="facebook", policy_label="Child Nudity & Sexual Exploitation",
                 metric_label="Proactive rate", period="2020-Q2")
    assert rate["value"] == pytest.approx(0.978) and rate["unit"] == "ratio" and rate["value_text"] == "97.80%"
    low = value(df, platform="facebook", policy_label="Fake Accounts", metric="prevalence_lower", period="2023-Q1")
    high = value(df, platform="facebook", policy_label="Fake Accounts", metric="prevalence_upper", period="2023-Q1")
    assert (low["value"], high["value"]) == (pytest.approx(0.04), pytest.approx(0.05))
    assert (low["qualifier"], high["qualifier"]) == ("range_lower", "range_upper")
    assert low["value_text"] == "4%-5%"


def test_not_available_is_kept_as_a_gap_not_a_zero():
    doc, result = parse("2024-q2")
    gap = value(result.observations, platform="facebook", policy_label="Violence And Incitement",
                metric_label="Content Actioned", period="2017-Q4")
    assert gap["value_text"] == "N/A" and gap["value"] != gap["value"]  # NaN
    assert result.document_meta[doc.sha256]["edition"] == "2024-Q2"


def test_store_keeps_every_edition_and_changes_lists_revisions(tmp_path):
    from reports.build import build
    from reports.store import Store

    db = tmp_path / "atlas.duckdb"
    build(shared("meta-cser"), db, {"meta-cser": REGISTRY["meta-cser"]})
    with Store(db, read_only=True) as store:
        changes = store.changes(platform="facebook")
        revised = changes[(changes.policy_label == "Child Nudity & Sexual Exploitation")
                          & (changes.metric_label == "Content Actioned") & (changes.period == "2020-Q1")]
        assert list(zip(revised.old_value, revised.new_value, strict=True)) == [(8_600_000, 8_500_000)]
        assert list(revised.old_document_name) == ["meta-2021-q2.csv"]
        assert list(revised.new_document_name) == ["meta-2021-q3.csv"]
        latest = store.latest("platform = 'facebook' AND policy_label = 'Child Nudity & Sexual Exploitation' "
                              "AND metric_label = 'Content Actioned' AND period = '2020-Q1'")
        assert list(latest.value) == [8_500_000]


def test_fake_accounts_are_one_series_of_accounts_across_reworded_editions(tmp_path):
    from reports.build import build
    from reports.store import Store

    db = tmp_path / "atlas.duckdb"
    build(shared("meta-cser"), db, {"meta-cser": REGISTRY["meta-cser"]})
    with Store(db, read_only=True) as store:
        rows = store.latest("platform = 'facebook' AND policy_label = 'Fake Accounts' AND period = '2017-Q4' "
                            "AND metric IN ('accounts_actioned', 'content_actioned')")
        assert list(zip(rows.metric, rows.value, strict=True)) == [("accounts_actioned", 694_000_000)]
        versions = store.query("SELECT DISTINCT metric_label FROM observations WHERE platform = 'facebook' "
                               "AND policy_label = 'Fake Accounts' AND metric = 'accounts_actioned'")
        assert sorted(versions.metric_label) == ["Accounts Actioned", "Content Actioned"]
