"""reports.analysis: series over real periods, indices, cross-checks, coverage, annotations, with known numbers."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from collectors import REGISTRY
from reports.model.documents import Document
from reports.model.periods import half, quarter, year
from reports.model.schema import frame, observation
from reports.model.selection import Selection
from reports.query import crosschecks, events, origin, platform_profile, timeseries
from reports.store.database import Store

SOURCE_URL = "https://example.org/report"


def make_store(tmp_path: Path, rows_by_source: dict[str, list[dict]]) -> Store:
    """A store holding one document per source with the given observations (built through the Store API)."""
    store = Store(tmp_path / "synthetic.duckdb")
    for n, (source, rows) in enumerate(rows_by_source.items()):
        sha = f"{n + 1:064x}"
        doc = Document(path=tmp_path / f"{source}.csv", source=source, sha256=sha, size=1, media_type="text/csv",
                       source_url=SOURCE_URL, publisher="Publisher", license="none stated", title=f"{source} file")
        store.add_document(doc, relative_path=f"{source}.csv", fingerprint="f", meta={"edition": "E1"})
        if source in REGISTRY:  # the card travels with the figures, as a build stores it
            store.put_card(REGISTRY[source].card)
        df = frame(rows)
        df["source"] = source
        df["document_sha256"] = sha
        df["source_url"] = df["source_url"].where(df["source_url"] != "", SOURCE_URL)
        store.add_observations(df)
    store.refresh_latest()
    return store


def obs(platform, period, value, *, metric="content_actioned", area="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        label="Child safety", region="GLOBAL", breakdown="", value_text=""):
    return observation(platform=platform, period=period, metric=metric, metric_label=metric.replace("_", " "),
                       value=value, locator=f"row {platform} {period.label} {breakdown}", region=region,
                       policy_area=area, policy_label=label, breakdown=breakdown, value_text=value_text)


def test_granularity_names_each_kind_of_period():
    assert timeseries.granularity("2023-11-05", "2023-11-05") == "day"
    assert timeseries.granularity("2023-11-06", "2023-11-12") == "week"
    assert timeseries.granularity("2024-02-01", "2024-02-29") == "month"
    assert timeseries.granularity("2023-10-01", "2023-12-31") == "quarter"
    assert timeseries.granularity("2023-07-01", "2023-12-31") == "half"
    assert timeseries.granularity("2023-01-01", "2023-12-31") == "year"
    assert timeseries.granularity("2023-02-01", "2023-04-30") == "span"  # three months, not a calendar quarter
    assert timeseries.granularity("2023-03-14", "2023-03-20") == "week"


def test_series_keeps_period_lengths_and_labels_apart_and_leaves_breakdowns_out(tmp_path):
    store = make_store(tmp_path, {"src": [
        obs("twitch", quarter(2023, 1), 10), obs("twitch", quarter(2023, 2), 20),
        obs("twitch", year(2023), 100),
        obs("twitch", quarter(2023, 1), 4, breakdown="task=automation"),
        obs("twitch", quarter(2023, 1), 7, label="Other words"),
        obs("facebook", quarter(2023, 1), 1000),
    ]})
    df = timeseries.series(store, Selection(metrics=["content_actioned"],
                                                  policy_areas=["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"],
                                                  platforms=["twitch"]))
    assert sorted(df["value"]) == [7, 10, 20, 100]  # no breakdown row, no facebook
    by_series = df.groupby("series")["value"].apply(list).to_dict()
    assert by_series == {
        "Twitch · src · GLOBAL · Child safety · content actioned · quarter": [10, 20],
        "Twitch · src · GLOBAL · Child safety · content actioned · year": [100],
        "Twitch · src · GLOBAL · Other words · content actioned · quarter": [7],
    }
    # The SQL granularity equals the Python one for every row.
    assert all(timeseries.granularity(s, e) == g for s, e, g in zip(df.period_start, df.period_end, df.granularity,
                                                                    strict=True))


def test_series_includes_ncmec_per_provider_rows_as_their_own_lines(tmp_path):
    store = make_store(tmp_path, {"ncmec-esp": [
        obs("x", year(2023), 597_087, metric="ncmec_reports", breakdown="esp=Twitter, Inc. / Vine.co"),
        obs("x", year(2023), 273_416, metric="ncmec_reports", breakdown="esp=X Corp"),
        obs("x", year(2023), 5, metric="ncmec_reports", breakdown="kind=other"),
    ]})
    df = timeseries.series(store, Selection(metrics=["ncmec_reports"],
                                                  policy_areas=["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"]))
    assert sorted(df["value"]) == [273_416, 597_087]
    assert df["series"].nunique() == 2


def test_indexed_sets_the_first_non_zero_period_to_100(tmp_path):
    store = make_store(tmp_path, {"src": [
        obs("twitch", quarter(2023, 1), 0), obs("twitch", quarter(2023, 2), 40), obs("twitch", quarter(2023, 3), 60),
        obs("twitch", quarter(2023, 4), 20),
    ]})
    df = timeseries.indexed(timeseries.series(store, Selection(
        metrics=["content_actioned"], policy_areas=["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"])))
    assert list(df.sort_values("period_start")["value"]) == [0, 100, 150, 50]
    assert set(df["base_period"]) == {"2023-Q2"}
    assert df["derived"].iloc[0].startswith("index")


def test_step_points_draw_each_value_across_its_period_with_breaks_for_gaps():
    from reports.publish.plotstyle import step_points

    rows = pd.DataFrame({"period_start": pd.to_datetime(["2023-01-01", "2023-04-01", "2023-10-01"]),
                         "period_end": pd.to_datetime(["2023-03-31", "2023-06-30", "2023-12-31"]),
                         "value": [1.0, 2.0, float("nan")], "granularity": "quarter"})
    points = step_points(rows)
    xs, ys, idx = points["x"], points["y"], points["row"]
    assert xs[0].startswith("2023-01-01") and xs[2].startswith("2023-04-01")
    assert xs[3].startswith("2023-04-01") and xs[5].startswith("2023-07-01")
    assert xs[6] is None and ys[6] is None  # Q3 missing: the line breaks
    assert ys[:6] == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0] and ys[7:] == [None, None, None]
    assert idx == [0, 0, 0, 1, 1, 1, None, 2, 2, 2]


def test_missing_periods_name_holes_and_unpublished_values(tmp_path):
    store = make_store(tmp_path, {"src": [
        obs("twitch", quarter(2023, 1), 1), obs("twitch", quarter(2023, 3), 3),
        obs("twitch", quarter(2023, 4), None, value_text="N/A"),
    ]})
    df = timeseries.series(store, Selection(metrics=["content_actioned"],
                                                  policy_areas=["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"]))
    gaps = timeseries.missing_periods(df)
    assert [(g.start.date(), g.end.date(), g.reason) for g in gaps.itertuples()] == [
        (date(2023, 4, 1), date(2023, 6, 30), "no figure published for this period"),
        (date(2023, 10, 1), date(2023, 12, 31), "published without a figure (N/A)"),
    ]


def ncmec_store(tmp_path):
    reports = dict(metric="ncmec_reports")
    return make_store(tmp_path, {
        "curated-twitch": [obs("twitch", half(2021, 1), 2615, **reports), obs("twitch", half(2021, 2), 4006, **reports),
                           obs("twitch", half(2022, 1), 6711, **reports), obs("twitch", half(2022, 2), 7585, **reports),
                           obs("twitch", half(2023, 1), 3285, **reports), obs("twitch", half(2025, 1), 959, **reports),
                           obs("twitch", year(2024), 5000, **reports)],
        "ncmec-esp": [obs("twitch", year(2021), 6629, breakdown="esp=Twitch", **reports),
                      obs("twitch", year(2022), 14508, breakdown="esp=Twitch Interactive, Inc.", **reports),
                      obs("twitch", year(2024), 4000, breakdown="esp=Twitch", **reports),
                      obs("twitch", year(2024), 400, breakdown="esp=Twitch Clips", **reports),
                      obs("x", year(2023), 273_416, breakdown="esp=X Corp", **reports)],
    })


def test_ncmec_crosscheck_aligns_to_calendar_years_and_flags_divergence(tmp_path):
    df = crosschecks.ncmec_crosscheck(ncmec_store(tmp_path)).set_index("year")
    assert list(df.index) == [2021, 2022, 2023, 2024, 2025]
    assert set(df["platform"]) == {"twitch"}  # x has no count of its own
    y2021 = df.loc[2021]
    assert y2021.platform_value == 6621 and y2021.platform_derived and y2021.platform_periods == "2021-H1 + 2021-H2"
    assert y2021.ncmec_value == 6629 and y2021.ratio == pytest.approx(6621 / 6629) and y2021.flag is False
    assert df.loc[2022, "platform_value"] == 14296 and df.loc[2022, "ratio"] == pytest.approx(14296 / 14508)
    # Only one half of 2023: never summed, and not comparable.
    assert pd.isna(df.loc[2023, "platform_value"]) and df.loc[2023, "flag"] is None
    assert "only 2023-H1" in df.loc[2023, "note"] and "NCMEC lists no count for Twitch in 2023" in df.loc[2023, "note"]
    # A whole-year figure is used as published; NCMEC's two entries are summed and marked derived.
    y2024 = df.loc[2024]
    assert y2024.platform_value == 5000 and not y2024.platform_derived
    assert y2024.ncmec_value == 4400 and y2024.ncmec_derived and "Twitch + Twitch Clips" in y2024.note
    assert y2024.ratio == pytest.approx(5000 / 4400) and y2024.divergence == pytest.approx(600 / 4400)
    assert y2024.flag is True
    assert df.loc[2025, "flag"] is None


def test_coverage_merges_contiguous_periods_per_source_and_length(tmp_path):
    store = make_store(tmp_path, {"a": [obs("twitch", quarter(2023, q), q) for q in (1, 2, 4)],
                                  "b": [obs("twitch", half(2022, 1), 1), obs("twitch", half(2022, 2), 2)]})
    spans = platform_profile.coverage(store, "twitch")
    assert [(s.source, s.granularity, s.start.date(), s.end.date(), s.periods) for s in spans.itertuples()] == [
        ("a", "quarter", date(2023, 1, 1), date(2023, 6, 30), 2),
        ("a", "quarter", date(2023, 10, 1), date(2023, 12, 31), 1),
        ("b", "half", date(2022, 1, 1), date(2022, 12, 31), 2),
    ]


def test_per_million_recipients_divides_by_the_dsa_report_recipients(tmp_path):
    h2 = half(2025, 2)
    store = make_store(tmp_path, {
        "dsa-report": [obs("tiktok", h2, 178_300_000, metric="active_recipients", region="EU", area="ALL")],
        "dsa-tdb": [obs("tiktok", h2, 356_600, metric="sor_count", region="EU", area="ALL"),
                    obs("tiktok", half(2024, 2), 1000, metric="sor_count", region="EU", area="ALL")]})
    df = timeseries.series(store, Selection(metrics=["sor_count"], policy_areas=["ALL"]))
    out = timeseries.per_million_recipients(store, df).set_index("period")
    assert out.loc["2025-H2", "value"] == pytest.approx(2000.0)
    assert pd.isna(out.loc["2024-H2", "value"]) and out.loc["2024-H2", "derived"].startswith("no recipients")


def test_provenance_gives_the_document_and_the_source_cards_caveats(tmp_path):
    store = make_store(tmp_path, {"meta-cser": [obs("facebook", quarter(2021, 1), 5)]})
    row = timeseries.series(store, Selection(metrics=["content_actioned"],
                                                   policy_areas=["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"])).iloc[0]
    facts = origin.provenance(store, row.to_dict())
    assert facts["document_name"] == "meta-cser.csv" and facts["edition"] == "E1"
    assert facts["document_sha256"] == f"{1:064x}" and facts["locator"] == "row facebook 2021-Q1 "
    assert any("restates history" in c for c in facts["caveats"])


def test_annotations_file_is_complete_and_filters_by_platform_source_and_dates():
    notes = {a["id"]: a for a in events.annotations()}
    assert set(notes) == {"dsa-tdb-schema-v2", "google-play-automated-detection-inverted",
                          "meta-trusted-flaggers-unlabelled", "meta-child-safety-split", "bloomberg-twitch-clips"}
    assert notes["dsa-tdb-schema-v2"]["start"] == date(2025, 7, 1)
    assert notes["bloomberg-twitch-clips"]["start"] == date(2024, 1, 5) and notes["bloomberg-twitch-clips"]["citation"]
    for note in notes.values():
        assert note["citation"] and (not note["citation_url"] or note["citation_url"].startswith("https://"))
    touching = {a["id"] for a in events.annotations_for(["twitch"], ["dsa-tdb"], "2023-01-01", "2026-01-01")}
    assert touching == {"dsa-tdb-schema-v2", "bloomberg-twitch-clips"}
    assert {a["id"] for a in events.annotations_for(["facebook"], ["meta-cser"], "2020-01-01", "2024-06-30",
                                                      "STATEMENT_CATEGORY_PROTECTION_OF_MINORS")} == \
        {"meta-child-safety-split"}
    assert events.annotations_for(["facebook"], ["meta-cser"], "2022-01-01", "2024-06-30") == []


def test_ncmec_crosscheck_on_the_real_atlas(real_atlas):
    df = crosschecks.ncmec_crosscheck(real_atlas, ["twitch", "microsoft"]).set_index(["platform", "year"])
    # Twitch's own halves (transcribed from its reports) against NCMEC's 2022 PDF: 6,711 + 7,585 vs 14,508.
    assert df.loc[("twitch", 2022), "platform_value"] == 6711 + 7585
    assert df.loc[("twitch", 2022), "ncmec_value"] == 14_508
    assert df.loc[("twitch", 2022), "flag"] is False
    # Microsoft's Digital Safety Content Report halves vs NCMEC's company-wide `Microsoft*` row for 2020.
    assert df.loc[("microsoft", 2020), "ncmec_value"] == 96_776
    assert df.loc[("microsoft", 2020), "platform_value"] == 32_622 + 63_813
