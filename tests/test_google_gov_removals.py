"""Google government removal requests: exact published values from both CSVs, mappings, and bad input."""
from __future__ import annotations

import pytest

from collectors import REGISTRY
from reports.documents import register
from reports.errors import ParseError, UnmappedLabel
from reports.schema import FIGURE_KEY, validate
from tests.conftest import shared

SUMMARY = "google-government-removal-requests.csv"
DETAILED = "google-government-detailed-removal-requests.csv"


def parse_path(path):
    doc = register(path, "google-gov-removals")
    return doc, REGISTRY["google-gov-removals"].parse([doc])


@pytest.fixture(scope="module")
def summary():
    return parse_path(shared("google-gov-removals", SUMMARY))


@pytest.fixture(scope="module")
def detailed():
    return parse_path(shared("google-gov-removals", DETAILED))


def at(result, line: int, column: str):
    rows = result.observations[result.observations["locator"] == f"line {line}, column {column}"]
    assert len(rows) == 1, f"{len(rows)} rows at line {line}, column {column}"
    return rows.iloc[0]


@pytest.mark.parametrize("line, column, metric, expected", [
    (14614, "number_of_requests", "removal_requests", 70),  # 2020-H1, Germany, court order (3rd party), Web Search
    (14614, "items_requested_removal", "items_requested_removal", 455),
    (14614, "items_removed_legal", "items_removed", 358),
    (14614, "items_content_already_removed", "items_not_removed", 7),
    (2, "items_not_enough_info", "items_not_removed", 14),  # 2025-H1, UAE
    (3153, "number_of_requests", "removal_requests", 56),  # 2024-H2, Turkey, YouTube, defamation
])
def test_summary_figures_equal_the_published_lines(summary, line, column, metric, expected):
    _, result = summary
    row = at(result, line, column)
    assert (row["metric"], row["value"], row["value_text"]) == (metric, expected, str(expected))


def test_summary_line_maps_period_country_product_reason_and_requestor(summary):
    _, result = summary
    row = at(result, 14614, "items_removed_legal")
    assert (row["period"], str(row["period_start"].date()), str(row["period_end"].date())) == (
        "2020-H1", "2020-01-01", "2020-06-30")
    assert (row["platform"], row["region"], row["policy_label"]) == ("google", "DE", "Defamation")
    assert row["policy_area"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert row["breakdown"] == ("requestor=Court Order directed at 3rd party;product=Web Search;"
                                "outcome=removed for legal reasons")
    youtube = at(result, 5, "items_removed_legal")  # 2025-H1, UAE, YouTube, religious offense: 1 item removed
    assert (youtube["platform"], youtube["region"], youtube["value"]) == ("youtube", "AE", 1)
    assert youtube["breakdown"] == "requestor=Government Officials;outcome=removed for legal reasons"


def test_non_countries_and_odd_names(summary):
    _, result = summary
    europol = at(result, 14697, "number_of_requests")  # UNKNOWN / EUROPOL, Docs, national security
    assert (europol["region"], europol["value"]) == ("EU", 14)
    assert europol["breakdown"] == "requestor=Police;product=Docs;authority=Europol"
    curacao = at(result, 6715, "items_no_action_taken")  # printed 'Cura\ufffd\ufffdao'
    assert (curacao["region"], curacao["value"]) == ("CW", 1)
    assert [s.locator for s in result.skipped] == ["line 9425"]  # UNKNOWN with territory null
    assert not result.observations["locator"].str.startswith("line 9425,").any()


@pytest.mark.parametrize("line, period, region, platform, breakdown, expected", [
    (2, "2011-H1", "AR", "google", "product=Blogger", 4),
    (10275, "2020-H1", "DE", "google", "product=Web Search", 67),
    (10290, "2020-H1", "DE", "youtube", "", 7),
    (170, "2011-H1", "TR", "google", "product=Blogger", 2),  # printed 'Türkiye'
    (1084, "2012-H2", "XK", "youtube", "", 1),  # Kosovo
    (1533, "2013-H1", "GLOBAL", "google", "product=Gmail;authority=Interpol", 2),
])
def test_detailed_figures_equal_the_published_lines(detailed, line, period, region, platform, breakdown, expected):
    _, result = detailed
    row = at(result, line, "Total")
    assert (row["period"], row["region"], row["platform"], row["breakdown"], row["value"]) == (
        period, region, platform, breakdown, expected)
    assert (row["metric"], row["metric_label"]) == ("removal_requests", "Total")


def test_both_files_validate_with_unique_figure_keys_and_never_share_one(summary, detailed):
    keys = []
    for doc, result in (summary, detailed):
        df = validate(result.observations)
        assert not df.duplicated(FIGURE_KEY).any()
        assert result.document_meta[doc.sha256]["edition"] == "2025-H1"
        keys.append(set(map(tuple, df[FIGURE_KEY].astype(str).to_numpy())))
    assert not keys[0] & keys[1]
    assert len(summary[1].observations) == 8 * (17483 - 1)
    assert len(detailed[1].observations) == 21065


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


DETAILED_HEAD = "Period Ending,Country/Region,CLDR Territory Code,Product,Reason,Total\n"


def test_an_unmapped_country_fails_naming_the_line(tmp_path):
    path = write(tmp_path, "d.csv", DETAILED_HEAD + "2020-06-30,Germany,DE,YouTube,Violence,7\n"
                 "2020-06-30,Atlantis,AQ,YouTube,Violence,1\n")
    with pytest.raises(UnmappedLabel, match="line 3"):
        parse_path(path)


def test_an_unmapped_reason_fails_naming_the_line(tmp_path):
    path = write(tmp_path, "d.csv", DETAILED_HEAD + "2020-06-30,Germany,DE,YouTube,Sorcery,7\n")
    with pytest.raises(UnmappedLabel, match="line 2"):
        parse_path(path)


def test_a_bad_count_or_period_fails_naming_line_and_column(tmp_path):
    path = write(tmp_path, "d.csv", DETAILED_HEAD + "2020-06-30,Germany,DE,YouTube,Violence,7\n"
                 "2020-06-30,Germany,DE,Gmail,Violence,seven\n")
    with pytest.raises(ParseError, match="line 3, column Total"):
        parse_path(path)
    path = write(tmp_path, "e.csv", DETAILED_HEAD + "2020-05-31,Germany,DE,YouTube,Violence,7\n")
    with pytest.raises(ParseError, match="line 2"):
        parse_path(path)


def test_an_unknown_header_fails(tmp_path):
    with pytest.raises(ParseError, match="line 1"):
        parse_path(write(tmp_path, "x.csv", "a,b\n1,2\n"))
