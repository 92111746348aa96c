"""Microsoft Digital Safety Content Report: exact published values across editions, notes, and bad layouts."""
from __future__ import annotations

import openpyxl
import pytest

from collectors import REGISTRY
from reports.documents import register
from reports.errors import ParseError, UnmappedLabel
from tests.conftest import only_row as value
from tests.conftest import parse_real

SHEET = "Digital Safety Content"


def parse(edition: str):
    return parse_real("microsoft-dsc", "microsoft-dsc", f"microsoft-{edition}.xlsx")


@pytest.mark.parametrize("edition, cell, platform, metric, expected, printed", [
    ("2020-h1", "C5", "microsoft", "content_actioned", 84_581, "84,581"),  # CSEAI, hosted consumer services
    ("2020-h1", "G5", "bing", "content_actioned", 718_908, "718,908"),  # CSEAI, Bing
    ("2020-h1", "E5", "microsoft", "accounts_actioned", 15_935, "15,935*"),  # restated, footnoted
    ("2020-h1", "F5", "microsoft", "accounts_reinstated_rate", 0.0001, "0.01%"),
    ("2020-h2", "C11", "microsoft", "content_actioned", 2_458, "2,458"),  # TVEC
    ("2021-h2", "E17", "microsoft", "removal_requests_actioned_rate", 0.46, "46%"),  # NCII
    ("2022-h1", "D18", "microsoft", "removal_requests_actioned", 208, "208"),  # NCII, rows moved down
    ("2022-h2", "G5", "bing", "content_actioned", 200_000, "200,000"),
    ("2023-h1", "D5", "microsoft", "proactive_rate", 0.9920180980023903, "99.2%"),
    ("2023-h2", "C18", "microsoft", "removal_requests", 1_425, "1,425"),
])
def test_table_figures_equal_the_published_cells(edition, cell, platform, metric, expected, printed):
    _, result = parse(edition)
    row = value(result.observations, locator=f"{SHEET}!{cell}")
    assert (row["platform"], row["metric"], row["value"], row["value_text"]) == (platform, metric, expected, printed)
    assert row["period"] == edition.upper()


def test_products_become_platforms_or_breakdowns_as_the_tables_say():
    _, result = parse("2021-h1")
    hosted = value(result.observations, locator=f"{SHEET}!C5")
    assert (hosted["platform"], hosted["breakdown"]) == ("microsoft", "service=hosted consumer services")
    assert hosted["policy_area"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    bing = value(result.observations, locator=f"{SHEET}!G5")
    assert (bing["platform"], bing["breakdown"], bing["unit"]) == ("bing", "", "count")
    tvec = value(result.observations, locator=f"{SHEET}!D11")
    assert tvec["policy_area"] == "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY" and tvec["unit"] == "ratio"
    assert tvec["value"] == pytest.approx(0.981)


@pytest.mark.parametrize("edition, cell, expected", [
    ("2020-h1", "B6", 32_622),
    ("2021-h2", "B6", 36_445),
    ("2022-h1", "B7", 53_957),  # the note moved a row down in 2022
    ("2023-h1", "B7", 79_971),
])
def test_the_ncmec_total_in_the_note_is_extracted(edition, cell, expected):
    _, result = parse(edition)
    row = value(result.observations, metric="ncmec_reports")
    assert (row["platform"], row["locator"], row["value"], row["period"]) == (
        "microsoft", f"{SHEET}!{cell}", expected, edition.upper())


def test_a_note_naming_the_wrong_period_is_recorded_for_the_edition_and_reported():
    doc, result = parse("2023-h2")
    row = value(result.observations, metric="ncmec_reports")
    assert (row["value"], row["period"], row["locator"]) == (60_749, "2023-H2", f"{SHEET}!B7")
    assert result.document_meta[doc.sha256]["edition"] == "2023-H2"
    (note,) = [n for n in result.notes if "B7" in n]
    assert "microsoft-2023-h2.xlsx" in note and "January to June 2023" in note and "2023-H2" in note


def test_the_restated_figure_reports_its_footnote():
    _, result = parse("2020-h1")
    (note,) = result.notes
    assert f"{SHEET}!E5" in note and "restated" in note and f"{SHEET}!B7" in note


def write_book(path, title: str, period_cell: str = "January - June 2024", second_period: str | None = None):
    """A small workbook in the published layout: period label, title, headers, figures."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet["B3"], sheet["C3"] = period_cell, title
    sheet["C4"], sheet["D4"] = "Content Actioned", "Content Detected Proactively"
    sheet["C5"], sheet["D5"] = 120, 0.5
    sheet["C5"].number_format, sheet["D5"].number_format = "#,##0", "0.0%"
    if second_period:
        sheet["B9"], sheet["C9"] = second_period, "Terrorist & Violent Extremist Content (TVEC)"
        sheet["C10"], sheet["C11"] = "Content Actioned", 7
    book.save(path)
    return path


def parse_file(path):
    return REGISTRY["microsoft-dsc"].parse([register(path, "microsoft-dsc")])


def test_own_fixture_parses_in_the_published_layout(tmp_path):
    result = parse_file(write_book(tmp_path / "ok.xlsx", "CSEAI - Bing Search Engine"))
    assert list(result.observations["value"]) == [120, 0.5]
    assert list(result.observations["value_text"]) == ["120", "50.0%"]


def test_an_unmapped_table_title_fails_naming_file_and_cell(tmp_path):
    path = write_book(tmp_path / "new.xlsx", "Grooming - Xbox Live")
    with pytest.raises(UnmappedLabel) as caught:
        parse_file(path)
    assert "new.xlsx" in str(caught.value) and f"{SHEET}!C3" in str(caught.value)


def test_tables_naming_different_periods_fail(tmp_path):
    path = write_book(tmp_path / "mixed.xlsx", "CSEAI - Bing Search Engine", second_period="July - December 2024")
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert "mixed.xlsx" in str(caught.value) and "B9" in str(caught.value)
