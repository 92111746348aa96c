"""Google government removal requests: exact published values from both CSVs, mappings, and bad input."""
from __future__ import annotations

import csv

import pytest

from collectors import REGISTRY
from reports.ingest.register import register
from reports.model.errors import ParseError
from reports.model.schema import FIGURE_KEY, validate
from tests.conftest import shared

SUMMARY = "google-government-removal-requests.csv"
DETAILED = "google-government-detailed-removal-requests.csv"


def parse_path(path):
    doc = register(path, REGISTRY["google-gov-removals"].card)
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


def read_path(path):
    doc = register(path, REGISTRY["google-gov-removals"].card)
    return doc, REGISTRY["google-gov-removals"].read([doc])


def test_an_unmapped_country_is_flagged_and_filed_under_googles_code(tmp_path):
    path = write(tmp_path, "d.csv", DETAILED_HEAD + "2020-06-30,Germany,DE,YouTube,Violence,7\n"
                 "2020-06-30,Atlantis,AQ,YouTube,Violence,1\n2020-06-30,Lemuria,,YouTube,Violence,2\n")
    _, result = read_path(path)
    assert [(u.field, u.label, u.place) for u in result.unmapped] == [("regions", "Atlantis", "line 3"),
                                                                        ("regions", "Lemuria", "line 4")]
    df = result.observations
    assert list(zip(df.region, df.breakdown, df.value, strict=True)) == [("DE", "", 7), ("AQ", "", 1),
                                                                         ("GLOBAL", "country=Lemuria", 2)]


def test_an_unmapped_reason_is_kept_verbatim_and_flagged(tmp_path):
    _, result = read_path(write(tmp_path, "d.csv", DETAILED_HEAD + "2020-06-30,Germany,DE,YouTube,Sorcery,7\n"))
    assert [(u.field, u.label, u.place) for u in result.unmapped] == [("policy_areas", "Sorcery", "line 2")]
    row = result.observations.iloc[0]
    assert (row["policy_area"], row["policy_label"], row["value"]) == ("UNMAPPED", "Sorcery", 7)


def test_words_for_a_count_are_kept_and_a_bad_period_fails_naming_the_line(tmp_path):
    path = write(tmp_path, "d.csv", DETAILED_HEAD + "2020-06-30,Germany,DE,YouTube,Violence,7\n"
                 "2020-06-30,Germany,DE,Gmail,Violence,seven\n")
    _, result = read_path(path)
    words = at(result, 3, "Total")
    assert (words["value_text"], words["qualifier"]) == ("seven", "text") and words["value"] != words["value"]
    assert at(result, 2, "Total")["value"] == 7
    path = write(tmp_path, "e.csv", DETAILED_HEAD + "2020-05-31,Germany,DE,YouTube,Violence,7\n")
    with pytest.raises(ParseError, match="line 2"):
        parse_path(path)


def test_an_unknown_header_fails(tmp_path):
    with pytest.raises(ParseError, match="line 1"):
        parse_path(write(tmp_path, "x.csv", "a,b\n1,2\n"))


def test_a_missing_label_column_fails_naming_it(tmp_path):
    with pytest.raises(ParseError, match="line 1: missing column.s. Reason"):
        parse_path(write(tmp_path, "m.csv", "Period Ending,Country/Region,CLDR Territory Code,Product,Total\n"
                                            "2020-06-30,Germany,DE,YouTube,7\n"))


# -- the next file nobody has seen: Google's real files, changed the way Google changes them -----------------------

def real_rows(name: str) -> list[list[str]]:
    with shared("google-gov-removals", name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(tmp_path, name: str, rows: list[list[str]]):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def by_place(df):
    return {loc: (p, r, a, lab, m, b, t, q, None if v != v else v) for loc, p, r, a, lab, m, b, t, q, v in zip(
        df.locator, df.platform, df.region, df.policy_area, df.policy_label, df.metric, df.breakdown, df.value_text,
        df.qualifier, df.value, strict=True)}


def assert_others_exact(result, baseline, changed_lines: set[int], changed_column: str = ""):
    """Every figure on a line and column the mutation did not touch is exactly what the real file gives."""
    ours = by_place(result.observations)
    kept = {loc: row for loc, row in by_place(baseline.observations).items()
            if int(loc.split(",")[0].removeprefix("line ")) not in changed_lines
            and not (changed_column and loc.endswith(f"column {changed_column}"))}
    assert {loc: row for loc, row in ours.items() if loc in kept} == kept and len(kept) > 20_000


def test_new_labels_in_the_summary_file_are_kept_and_flagged(tmp_path, summary):
    rows = real_rows(SUMMARY)
    assert rows[1][:6] == ["January - June 2025", "UAE", "AE", "Court Order directed at 3rd party", "Web Search",
                           "Defamation"]
    rows[1][1] = "United Arab Emirates (the)"  # a reworded country: Google's code still says AE
    assert rows[40][4] == "Gmail"
    rows[40][4] = "Gemini"  # line 41: a product nobody mapped
    rows[41][5] = "Deepfakes"  # line 42: a reason nobody mapped
    rows[42][7] = "not disclosed"  # line 43: words where a count belongs
    _, result = read_path(write_rows(tmp_path, SUMMARY, rows))
    assert sorted((u.field, u.label) for u in result.unmapped) == [
        ("policy_areas", "Deepfakes"), ("products", "Gemini"), ("regions", "United Arab Emirates (the)")]
    uae = at(result, 2, "items_not_enough_info")
    assert (uae["region"], uae["value"]) == ("AE", 14)
    gemini = at(result, 41, "number_of_requests")
    assert (gemini["platform"], gemini["value"]) == ("google", 2)
    assert gemini["breakdown"] == "requestor=Consumer Protection Authority;product=Gemini"
    deepfakes = at(result, 42, "number_of_requests")
    assert (deepfakes["policy_area"], deepfakes["policy_label"], deepfakes["value"]) == ("UNMAPPED", "Deepfakes", 154)
    words = at(result, 43, "items_requested_removal")
    assert (words["qualifier"], words["value_text"]) == ("text", "not disclosed") and words["value"] != words["value"]
    assert at(result, 43, "number_of_requests")["value"] == 16
    assert_others_exact(result, summary[1], {2, 41, 42, 43})


def test_a_renamed_and_an_added_figure_column_in_any_order(tmp_path, summary):
    rows = real_rows(SUMMARY)
    header = rows[0]
    at_requests = header.index("number_of_requests")
    header[at_requests] = "requests_received"
    order = list(reversed(range(len(header))))  # every column moved
    out = [[row[i] for i in order] + [added] for row, added in
           zip(rows, ["items_age_restricted"] + [str(n % 3) for n in range(1, len(rows))], strict=True)]
    _, result = read_path(write_rows(tmp_path, SUMMARY, out))
    assert sorted((u.field, u.label) for u in result.unmapped) == [("metrics", "items_age_restricted"),
                                                                  ("metrics", "requests_received")]
    renamed = at(result, 14614, "requests_received")
    assert (renamed["metric"], renamed["value"], renamed["unit"]) == ("unmapped", 70, "count")
    added = at(result, 14614, "items_age_restricted")
    assert (added["metric"], added["value"]) == ("unmapped", 14613 % 3)
    assert_others_exact(result, summary[1], set(), changed_column="number_of_requests")
    df, real = result.observations, summary[1].observations
    ours, theirs = df[df.metric_label == "requests_received"], real[real.metric_label == "number_of_requests"]
    ours = ours.set_index(ours.locator.str.extract(r"^(line \d+)")[0])
    theirs = theirs.set_index(theirs.locator.str.extract(r"^(line \d+)")[0])
    assert len(ours) == len(theirs) == 17482
    assert ours.value.sort_index().equals(theirs.value.sort_index())


def test_a_new_label_column_in_the_detailed_file_goes_into_the_breakdown(tmp_path, detailed):
    rows = real_rows(DETAILED)
    out = [rows[0][:4] + ["Language"] + rows[0][4:]] + [row[:4] + ["" if n % 2 else "en"] + row[4:]
                                                         for n, row in enumerate(rows[1:])]
    _, result = read_path(write_rows(tmp_path, DETAILED, out))
    assert [(u.field, u.label) for u in result.unmapped] == [("columns", "Language")]
    assert any("'Language' read as labels into the breakdown" in n for n in result.notes)
    argentina = at(result, 2, "Total")
    assert (argentina["value"], argentina["breakdown"]) == (4, "product=Blogger;language=en")
    assert at(result, 3, "Total")["breakdown"] == "product=Blogger"
    ours = by_place(result.observations)
    real = by_place(detailed[1].observations)
    assert {loc: row[:5] + row[6:] for loc, row in ours.items()} == {loc: row[:5] + row[6:] for loc, row in real.items()}


def test_counts_with_thousands_commas_and_a_note_line_under_the_table_read_as_published(tmp_path, summary):
    """Google's summary re-exported from a spreadsheet: counts of a thousand or more printed "1,234", and a source
    line under the rows. Every figure is the one the real file gives, the commas kept only in value_text, and the
    source line is listed as not imported instead of failing the file on the period it does not hold."""
    rows = real_rows(SUMMARY)
    grouped = 0
    for row in rows[1:]:
        for n in range(6, len(row)):
            if row[n].isdigit() and int(row[n]) >= 1000:
                row[n], grouped = f"{int(row[n]):,}", grouped + 1
    assert grouped > 100  # the real file has enough large counts for this to test anything
    note = "Source: Google Transparency Report, government requests to remove content"
    _, result = read_path(write_rows(tmp_path, SUMMARY, rows + [[note]]))
    ours, real = by_place(result.observations), by_place(summary[1].observations)
    assert ours.keys() == real.keys()
    assert {loc: row[:6] + row[7:] for loc, row in ours.items()} == {loc: row[:6] + row[7:] for loc, row in real.items()}
    big = at(result, 14614, "items_requested_removal")  # Germany 2020-H1, untouched (455); a grouped one:
    assert big["value"] == 455
    grouped_cells = {loc: row for loc, row in ours.items() if "," in row[6]}
    assert len(grouped_cells) == grouped
    assert all(row[8] == float(row[6].replace(",", "")) and row[7] == "" for row in grouped_cells.values())
    [listed] = [s for s in result.skipped if note in s.reason]
    assert listed.locator == f"line {len(rows) + 1}" and "a note" in listed.reason


@pytest.mark.parametrize("month_first", [True, False])
def test_period_endings_as_a_spreadsheet_resaves_them_read_as_the_same_half_years(tmp_path, detailed, month_first):
    """The detailed file opened and saved again in a spreadsheet: '2011-06-30' becomes '6/30/2011' (US) or
    '30/06/2011' (elsewhere). A half year ends on the 30th or 31st, so neither can be misread: the same figures."""
    rows = real_rows(DETAILED)
    for row in rows[1:]:
        y, m, d = row[0].split("-")
        row[0] = f"{int(m)}/{d}/{y}" if month_first else f"{d}/{m}/{y}"
    _, result = read_path(write_rows(tmp_path, DETAILED, rows))
    assert by_place(result.observations) == by_place(detailed[1].observations)
    assert result.skipped == detailed[1].skipped and not result.unmapped


def test_a_new_column_printing_one_text_on_every_line_is_a_note_not_a_breakdown(tmp_path, summary):
    """Google adds a 'Notes' column printing the same words on every line: it tells no figure apart, so every
    figure keeps its breakdown (its series continues from earlier files); the column is flagged and its text kept
    in a note. A column whose lines differ still goes into the breakdown (see the 'Language' test above)."""
    rows = real_rows(SUMMARY)
    words = "Figures for this period may be revised"
    _, result = read_path(write_rows(tmp_path, SUMMARY, [rows[0] + ["Notes"]] + [r + [words] for r in rows[1:]]))
    assert by_place(result.observations) == by_place(summary[1].observations)
    assert [(u.field, u.label) for u in result.unmapped] == [("columns", "Notes")]
    assert any(f"column 'Notes' prints '{words}' on every line" in n for n in result.notes)


def test_counts_a_spreadsheet_prints_with_zero_decimals_read_as_the_same_whole_numbers(tmp_path, summary):
    """Google's summary re-saved from a spreadsheet that prints every count as a decimal ("455.0"): each figure is the
    whole number the real file gives. A count printed the continental way ("1.000": one group of three after a dot)
    is still not read as a number: it may mean one or a thousand."""
    rows = real_rows(SUMMARY)
    for row in rows[1:]:
        for n in range(6, len(row)):
            if row[n].isdigit():
                row[n] += ".0"
    line = 14614  # Germany 2020-H1, court order (3rd party), Web Search: 70 requests, 455 items
    rows[line - 1][6] = "1.000"
    _, result = read_path(write_rows(tmp_path, SUMMARY, rows))
    ours, real = by_place(result.observations), by_place(summary[1].observations)
    assert ours.keys() == real.keys()
    continental = f"line {line}, column number_of_requests"
    assert ours.pop(continental)[6:] == ("1.000", "text", None) and real.pop(continental)[8] == 70
    assert {loc: row[:6] + row[7:] for loc, row in ours.items()} == {loc: row[:6] + row[7:] for loc, row in real.items()}
    assert at(result, line, "items_requested_removal")[["value", "value_text"]].tolist() == [455, "455.0"]


@pytest.mark.parametrize("name", [SUMMARY, DETAILED])
def test_a_row_of_empty_cells_amid_the_rows_holds_no_figure(tmp_path, name, summary, detailed):
    """A spreadsheet's blank row (",,,,") in the middle of either file: every figure is the real file's, on the line
    it moved to, and the empty row neither fails the file on a period it does not hold nor is a figure."""
    rows = real_rows(name)
    middle = len(rows) // 2
    _, result = read_path(write_rows(tmp_path, name, rows[:middle] + [[""] * len(rows[0])] + rows[middle:]))
    baseline = (summary if name == SUMMARY else detailed)[1]

    def moved(locator: str) -> str:
        line, _, rest = locator.removeprefix("line ").partition(",")
        return f"line {int(line) + (int(line) > middle)},{rest}"

    assert by_place(result.observations) == {moved(loc): row for loc, row in by_place(baseline.observations).items()}
    assert len(result.skipped) == len(baseline.skipped)


def test_counts_printed_with_a_footnote_mark_are_read_and_marked_footnoted(tmp_path, detailed):
    """Google's detailed file with footnote marks after some counts ("455*", "12 \u2020"): each is the count printed,
    qualified `footnoted`, the mark kept in value_text; every other figure is the real file's."""
    rows = real_rows(DETAILED)
    marks = {2: "*", 3: " \u2020", 4: "\u00b9"}
    for line, mark in marks.items():
        rows[line - 1][5] += mark
    _, result = read_path(write_rows(tmp_path, DETAILED, rows))
    ours, real = by_place(result.observations), by_place(detailed[1].observations)
    assert ours.keys() == real.keys()
    for line, mark in marks.items():
        place = f"line {line}, column Total"
        printed = real.pop(place)[6]
        assert ours.pop(place)[6:] == (printed + mark, "footnoted", float(printed))
    assert ours == real


@pytest.mark.parametrize("name, renames", [
    (SUMMARY, {"time_period": "Reporting period", "country": "Country name", "cldr_territory": "Region code",
               "product": "Google product", "reason": "Reason for request"}),
    (DETAILED, {"Period Ending": "Period end", "Country/Region": "Country", "Reason": "Cited reason"}),
])
def test_renamed_label_headers_are_read_from_what_their_columns_hold_and_flagged(
        tmp_path, name, renames, summary, detailed):
    """Google renames its label columns (its period one included, which told the two files apart): each is found by
    what it holds (periods, territory codes, countries, products and reasons its mappings cover), every figure is
    the real file's, and each new header is flagged with the row of mappings/columns.csv that would name it. The
    summary's requestors have no mapping: a renamed requestor column is not guessed, it fails the file, naming it."""
    rows = real_rows(name)
    rows[0] = [renames.get(h, h) for h in rows[0]]
    _, result = read_path(write_rows(tmp_path, name, rows))
    baseline = (summary if name == SUMMARY else detailed)[1]
    assert by_place(result.observations) == by_place(baseline.observations)
    common = {"time_period": "period", "Period Ending": "period", "country": "country", "Country/Region": "country",
              "cldr_territory": "territory", "product": "product", "reason": "reason", "Reason": "reason"}
    assert sorted((u.field, u.label, u.suggestion) for u in result.unmapped) == sorted(
        ("columns", new, f"{new},{common[old]},") for old, new in renames.items())
    if name == SUMMARY:
        rows[0] = ["Requested by" if h == "requestor" else h for h in real_rows(name)[0]]
        with pytest.raises(ParseError, match=r"line 1: missing column\(s\) requestor of Google's summary file"):
            read_path(write_rows(tmp_path, name, rows))
