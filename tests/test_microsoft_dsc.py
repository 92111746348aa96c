"""Microsoft Digital Safety Content Report: exact published values across editions, notes, and bad layouts."""
from __future__ import annotations

import openpyxl
import pytest

from collectors import REGISTRY
from reports.ingest.register import register
from reports.model.errors import ParseError
from tests.conftest import only_row as value
from tests.conftest import parse_real, shared

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
    return REGISTRY["microsoft-dsc"].parse([register(path, REGISTRY["microsoft-dsc"].card)])


def test_own_fixture_parses_in_the_published_layout(tmp_path):
    result = parse_file(write_book(tmp_path / "ok.xlsx", "CSEAI - Bing Search Engine"))
    assert list(result.observations["value"]) == [120, 0.5]
    assert list(result.observations["value_text"]) == ["120", "50.0%"]


def test_an_unmapped_table_title_is_kept_verbatim_and_flagged(tmp_path):
    path = write_book(tmp_path / "new.xlsx", "Grooming - Xbox Live")
    result = REGISTRY["microsoft-dsc"].read([register(path, REGISTRY["microsoft-dsc"].card)])
    assert [(u.field, u.label, u.place) for u in result.unmapped] == [("tables", "Grooming - Xbox Live", f"{SHEET}!C3")]
    assert "new.xlsx" in result.unmapped[0].file
    df = result.observations
    assert list(zip(df.platform, df.policy_area, df.policy_label, df.metric, df.value, strict=True)) == [
        ("microsoft", "UNMAPPED", "Grooming - Xbox Live", "content_actioned", 120),
        ("microsoft", "UNMAPPED", "Grooming - Xbox Live", "proactive_rate", 0.5)]


def test_tables_naming_different_periods_fail(tmp_path):
    path = write_book(tmp_path / "mixed.xlsx", "CSEAI - Bing Search Engine", second_period="July - December 2024")
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert "mixed.xlsx" in str(caught.value) and "B9" in str(caught.value)


# -- the next edition nobody has seen: a real workbook changed the way Microsoft changes it ------------------------

def mutated(tmp_path, edition: str, change) -> object:
    """A real edition opened (values as Excel showed them), changed by `change(sheet)`, saved and parsed."""
    book = openpyxl.load_workbook(shared("microsoft-dsc", f"microsoft-{edition}.xlsx"), data_only=True)
    change(book[SHEET])
    path = tmp_path / f"microsoft-{edition}.xlsx"
    book.save(path)
    return REGISTRY["microsoft-dsc"].read([register(path, REGISTRY["microsoft-dsc"].card)])


def by_cell(df):
    return {loc: (p, a, lab, m, ml, b, t, q, None if v != v else v) for loc, p, a, lab, m, ml, b, t, q, v in zip(
        df.locator, df.platform, df.policy_area, df.policy_label, df.metric, df.metric_label, df.breakdown,
        df.value_text, df.qualifier, df.value, strict=True)}


def assert_others_exact(result, edition: str, changed: set[str]):
    """Every figure outside the changed cells is exactly what the real edition gives."""
    _, real = parse(edition)
    ours, theirs = by_cell(result.observations), by_cell(real.observations)
    kept = {loc: row for loc, row in theirs.items() if loc.split("!")[-1] not in changed}
    assert {loc: row for loc, row in ours.items() if loc in kept} == kept and len(kept) >= 10


def test_a_renamed_table_title_keeps_its_figures_flagged(tmp_path):
    def rename(sheet):
        assert sheet["G3"].value == "CSEAI - Bing Search Engine"
        sheet["G3"] = "CSEAI - Bing Search and Copilot"

    result = mutated(tmp_path, "2023-h2", rename)
    assert [(u.field, u.label) for u in result.unmapped] == [("tables", "CSEAI - Bing Search and Copilot")]
    bing = value(result.observations, locator=f"{SHEET}!G5")
    assert (bing["platform"], bing["policy_area"], bing["policy_label"]) == (
        "microsoft", "UNMAPPED", "CSEAI - Bing Search and Copilot")
    assert (bing["metric"], bing["value"], bing["value_text"]) == ("content_actioned", 66_603, "66,603")
    assert_others_exact(result, "2023-h2", {"G5", "H5"})


def test_a_renamed_header_and_an_added_column_are_read(tmp_path):
    def change(sheet):
        assert (sheet["E17"].value, sheet["F17"].value) == ("Percentage of Requests Actioned", None)
        sheet["E17"] = "Share of Requests Actioned"
        sheet["F17"], sheet["F18"] = "Median Days to Action", 3
        sheet["F18"].number_format = "#,##0"

    result = mutated(tmp_path, "2023-h2", change)
    assert sorted((u.field, u.label) for u in result.unmapped) == [
        ("metrics", "Median Days to Action"), ("metrics", "Share of Requests Actioned")]
    share = value(result.observations, locator=f"{SHEET}!E18")
    assert (share["metric"], share["metric_label"], share["unit"]) == ("unmapped", "Share of Requests Actioned", "ratio")
    assert share["value"] == pytest.approx(0.4126315789473684) and share["value_text"] == "41%"
    days = value(result.observations, locator=f"{SHEET}!F18")
    assert (days["metric"], days["value"], days["unit"], days["policy_label"]) == (
        "unmapped", 3, "count", "Non-Consensual Intimate Imagery (NCII)")
    assert_others_exact(result, "2023-h2", {"E18", "F18"})


def test_a_new_table_and_a_sentence_for_a_figure_are_kept(tmp_path):
    def change(sheet):
        assert sheet["C18"].value == 1425
        sheet["C18"] = "Not reported for this period"
        sheet["B23"], sheet["C23"] = "July - December 2023", "Grooming - Xbox Live"
        sheet["C24"], sheet["D24"] = "Content Actioned", "Accounts Actioned"
        sheet["C25"], sheet["D25"] = 512, 64

    result = mutated(tmp_path, "2023-h2", change)
    assert [(u.field, u.label) for u in result.unmapped] == [("tables", "Grooming - Xbox Live")]
    words = value(result.observations, locator=f"{SHEET}!C18")
    assert (words["qualifier"], words["value_text"], words["metric"]) == (
        "text", "Not reported for this period", "removal_requests")
    assert words["value"] != words["value"]  # no value
    grooming = result.observations[result.observations.policy_label == "Grooming - Xbox Live"]
    assert list(zip(grooming.metric, grooming.value, grooming.platform, strict=True)) == [
        ("content_actioned", 512, "microsoft"), ("accounts_actioned", 64, "microsoft")]
    assert value(result.observations, metric="ncmec_reports")["value"] == 60_749
    assert_others_exact(result, "2023-h2", {"C18"})


def test_a_header_printed_in_another_unit_is_kept_as_printed_and_flagged(tmp_path):
    def change(sheet):
        sheet["F11"], sheet["F11"].number_format = 12, "#,##0"  # TVEC Accounts Reinstated: a count, not a share

    result = mutated(tmp_path, "2023-h2", change)
    assert [(u.field, u.label) for u in result.unmapped] == [("metrics", "Accounts Reinstated (printed as a count)")]
    row = value(result.observations, locator=f"{SHEET}!F11")
    assert (row["metric"], row["unit"], row["value"]) == ("unmapped", "count", 12)
    assert_others_exact(result, "2023-h2", {"F11"})


def test_a_table_without_a_period_label_takes_the_period_the_file_name_states(tmp_path):
    result = parse_file(write_book(tmp_path / "microsoft-2024-h2.xlsx", "CSEAI - Bing Search Engine", period_cell=None))
    assert set(result.observations.period) == {"2024-H2"} and list(result.observations.value) == [120, 0.5]
    assert result.notes == [f"microsoft-2024-h2.xlsx {SHEET}!C3: no period label beside table 'CSEAI - Bing Search "
                            "Engine'; recorded for 2024-H2, the period the file name states"]
    with pytest.raises(ParseError, match=r"book\.xlsx: Digital Safety Content!C3: no period label"):
        parse_file(write_book(tmp_path / "book.xlsx", "CSEAI - Bing Search Engine", period_cell=None))


def _rewritten(tmp_path, cell: str, stored: str, *, compute_on_open: bool = False):
    """Microsoft's real 2023-H1 edition with one cell of its sheet stored as `stored` (the XML a spreadsheet program
    writes), and, with `compute_on_open`, the workbook asking to compute its formulas when it is opened, as programs
    that write workbooks without computing them do."""
    import re
    import zipfile

    source = shared("microsoft-dsc", "microsoft-2023-h1.xlsx")
    out = tmp_path / source.name
    with zipfile.ZipFile(source) as book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in book.infolist():
            data = book.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, found = re.subn(rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)'.encode(), stored.encode(), data,
                                      count=1, flags=re.S)
                assert found == 1
            if compute_on_open and info.filename == "xl/workbook.xml":
                data = data.replace(b"<calcPr ", b'<calcPr fullCalcOnLoad="1" ')
            copy.writestr(info, data)
    return out


def test_a_formula_is_read_by_the_value_saved_with_it_and_one_without_a_value_fails_naming_its_cell(tmp_path):
    """A publisher's next workbook may compute a figure with a formula. Saved by a spreadsheet program, the cell holds
    the value it showed, which is read. Written by a program that does not compute formulas, it holds none (or a
    placeholder, the workbook asking to be computed when opened): reading it would give an empty cell or a false
    zero where the figure is, so the workbook fails, naming the sheet and the cell."""
    saved = parse_file(_rewritten(tmp_path, "D5", '<c r="D5" s="8"><f>C5/B5</f><v>0.99201809800239027</v></c>'))
    row = value(saved.observations, locator=f"{SHEET}!D5")
    assert (row["metric"], row["value"], row["value_text"]) == ("proactive_rate", 0.9920180980023903, "99.2%")

    (tmp_path / "unsaved").mkdir()
    unsaved = _rewritten(tmp_path / "unsaved", "D5", '<c r="D5" s="8"><f>C5/B5</f></c>')
    (tmp_path / "placeholder").mkdir()
    placeholder = _rewritten(tmp_path / "placeholder", "D5", '<c r="D5" s="8"><f>C5/B5</f><v>0</v></c>',
                             compute_on_open=True)
    for path in (unsaved, placeholder):
        with pytest.raises(ParseError) as caught:
            parse_file(path)
        assert caught.value.place == f"sheet {SHEET!r} cell D5" and str(path) in str(caught.value)
        assert "formula whose value the workbook does not store" in caught.value.message
