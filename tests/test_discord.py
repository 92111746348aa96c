"""Discord: stacked tables split and mapped, exact published values from several quarters, totals checked."""
from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from collectors import REGISTRY
from collectors.discord.parser import Discord
from reports.ingest.build import build
from reports.ingest.register import register
from reports.model.errors import ParseError
from tests.conftest import only_row as value
from tests.conftest import parse_real, shared

FIXTURES = Path(__file__).parent / "fixtures" / "discord"


def parse(quarter: str):
    return parse_real("discord", "discord", f"discord-{quarter}.csv")


@pytest.mark.parametrize("quarter", ["2022-q4", "2023-q1", "2023-q2", "2023-q3", "2023-q4"])
def test_every_quarter_parses_with_every_label_mapped(quarter):
    doc, result = parse(quarter)
    df = result.observations
    assert set(df.period_start.dt.year) <= {2022, 2023} and result.document_meta[doc.sha256]["edition"] == quarter.upper()
    key = ["period", "region", "policy_area", "policy_label", "metric", "metric_label", "breakdown"]
    clashes = df.drop_duplicates(subset=key + ["value"]).duplicated(subset=key)
    assert not clashes.any(), df[clashes].locator.head().tolist()


def test_rows_are_breakdowns_and_the_printed_total_is_the_total():
    _, result = parse("2022-q4")
    df = result.observations
    accounts_table = df[df.locator.str.contains("table Accounts Disabled,")]
    child = value(accounts_table, metric_label="Accounts Disabled", policy_label="Child Safety", period="2022-Q4")
    assert child["value"] == 37_102 and child["metric"] == "accounts_actioned"
    assert child["policy_area"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    total = value(accounts_table, metric_label="Accounts Disabled", policy_area="ALL", breakdown="")
    assert total["value"] == 153_833 and total["locator"].startswith("line 35 ")
    gap = value(df, metric_label="Individual Accounts Warned", policy_label="Violent Extremism")
    assert gap["value_text"] == "--" and gap["value"] != gap["value"]  # NaN: no figure printed, not a zero
    appeal_rate = value(df, metric_label="% Accounts Who Submitted an Appeal", policy_area="ALL")
    assert appeal_rate["value"] == pytest.approx(0.1815) and appeal_rate["unit"] == "ratio"


def test_months_outside_the_files_quarter_are_skipped_but_the_total_kept():
    doc, result = parse("2022-q4")
    assert [s.locator.split(" (")[0] for s in result.skipped] == ["line 40", "line 41", "line 42"]
    assert all("outside the file's quarter 2022-Q4" in s.reason for s in result.skipped)
    total = value(result.observations, metric_label="Month Total", period="2022-Q4")
    assert total["value"] == 11_589 and total["metric"] == "ncmec_reports"


def test_monthly_ncmec_rates_and_countries():
    _, result = parse("2023-q2")
    df = result.observations
    june = value(df, metric_label="Media Reports", period="2023-06")
    assert june["value"] == 18_014 and june["breakdown"] == "report_kind=media"
    rate = value(df, metric_label="% of Reports Actioned", policy_label="Child Safety")
    assert rate["value"] == pytest.approx(0.09) and rate["breakdown"] == "channel=online"
    brazil = value(df, metric_label="Requests", region="BR", breakdown="requests=international")
    assert brazil["value"] == 20 and brazil["metric"] == "information_requests"
    _, q4 = parse("2023-q4")
    emergency = value(q4.observations, metric_label="Requests", region="US", breakdown="request_type=emergency")
    assert emergency["value"] == 114


def test_values_printed_one_row_low_are_realigned_with_a_note():
    _, result = parse("2023-q3")
    df = result.observations
    realigned = df[df.locator.str.contains("table Accounts Disabled,")]
    child = value(realigned, metric_label="Accounts Disabled", policy_label="Child Safety")
    assert child["value"] == 128_153 and child["locator"].startswith("line 23 ")
    # the Appeals table of the same file prints the same figure in its own column
    appeals = df[df.locator.str.contains("table Appeals,")]
    assert value(appeals, metric_label="Accounts Disabled", policy_label="Child Safety")["value"] == 128_153
    total = value(realigned, metric_label="Accounts Disabled", policy_area="ALL")
    assert total["value"] == 260_461
    assert any("discord-2023-q3.csv: table Accounts Disabled" in n and "one row below" in n for n in result.notes)
    assert not any("add up" in n for n in result.notes)


def test_a_total_that_does_not_add_up_is_reported_not_replaced():
    doc = register(FIXTURES / "discord-2024-q1.csv", REGISTRY["discord"].card)
    result = Discord().parse([doc])
    assert result.notes == ["discord-2024-q1.csv: table Warns, line 7: printed Total: Individual Accounts Warned 1,250 "
                            "but its rows add up to 1,200"]
    total = value(result.observations, metric_label="Individual Accounts Warned", policy_area="ALL")
    assert total["value"] == 1_250
    march = value(result.observations, metric_label="Month Total", period="2024-03")
    assert march["value"] == 303


# --- the older layouts: the NCMEC table alone, no label row, months without a year, the period in the name ---------

def figures(result, **where):
    df = result.observations
    for column, wanted in where.items():
        df = df[df[column] == wanted]
    return df


@pytest.mark.parametrize("name", ["2020-h2", "2021-h2", "2022-q1", "2022-q3", "2022-q4", "2023-q1", "2023-q2",
                                  "2023-q3", "2023-q4"])
def test_every_file_builds_with_every_label_mapped(name):
    doc, result = parse(name)
    assert result.unmapped == []
    assert result.document_meta[doc.sha256]["edition"] == name.upper()
    assert not (result.observations.metric == "unmapped").any()


def test_2020_h2_half_year_months_from_the_file_name():
    _, result = parse("2020-h2")
    df = result.observations
    assert sorted(df.period.unique()) == ["2020-07", "2020-08", "2020-09", "2020-10", "2020-11", "2020-12"]
    july = value(df, period="2020-07", metric_label="Media reports")
    assert july["value"] == 1_071 and july["metric"] == "ncmec_reports" and july["breakdown"] == "report_kind=media"
    assert july["locator"] == "line 2 (table unlabelled, read as NCMEC, row July), column Media reports"
    assert value(df, period="2020-12", metric_label="Media reports")["value"] == 1_262
    september = value(df, period="2020-09", metric_label="Escalations")
    assert september["value"] == 9 and september["breakdown"] == "report_kind=escalation"
    assert any("read as the NCMEC table" in n for n in result.notes)


def test_2021_h2_and_2022_q1_monthly_figures_and_the_sum_row():
    _, h2 = parse("2021-h2")
    assert value(h2.observations, period="2021-12", metric_label="Media Reports")["value"] == 3_380
    november = value(h2.observations, period="2021-11", metric_label="Grooming or Endangerment Escalations")
    assert november["value"] == 49 and november["breakdown"] == "report_kind=grooming or endangerment escalation"
    _, q1 = parse("2022-q1")
    df = q1.observations
    assert value(df, period="2022-02", metric_label="Media Reports")["value"] == 2_085
    assert value(df, period="2022-03", metric_label="Grooming or Endangerment Escalations")["value"] == 18
    media = value(df, period="2022-Q1", metric_label="Media Reports")  # the 'SUM' row, a total by its word
    assert media["value"] == 10_641 and media["locator"].startswith("line 6 (") and "row SUM" in media["locator"]
    assert value(df, period="2022-Q1", metric_label="Grooming or Endangerment Escalations")["value"] == 54
    assert q1.notes == ["discord-2022-q1.csv: line 1: a table without a label row, read as the NCMEC table: its "
                        "columns (Media Reports, Grooming or Endangerment Escalations) are that table's and its rows "
                        "are months"]


def test_2022_q3_grand_total_printed_under_media_reports_is_stored_as_the_total_over_the_columns():
    _, result = parse("2022-q3")
    df = result.observations
    assert value(df, period="2022-09", metric_label="Total by month")["value"] == 5_163
    assert value(df, period="2022-07", metric_label="Media Reports")["value"] == 4_586
    quarter = figures(result, period="2022-Q3")
    assert len(quarter) == 1  # 'Total,14,366' is the one quarterly figure; the unlabelled sums row is not one
    total = quarter.iloc[0]
    assert total["value"] == 14_366 and total["metric"] == "ncmec_reports" and total["breakdown"] == ""
    assert total["value_text"] == "14,366" and total["metric_label"] == "Total by month"
    assert total["locator"].startswith("line 7 (") and "column Media Reports" in total["locator"]
    # never as media reports: the media column's rows add up to 14,303 (4,586 + 4,580 + 5,137)
    assert figures(result, period="2022-Q3", breakdown="report_kind=media").empty
    [note] = [n for n in result.notes if "14,366" in n]
    assert "rows add up to 14,303" in note and "'Total by month'" in note
    [sum_row] = result.skipped
    assert sum_row.locator.startswith("line 6 (") and "without a label" in sum_row.reason
    assert "equals the rows' sums" in sum_row.reason


# --- openness: real files mutated the way publishers change them --------------------------------------------------

KEY = ["period", "region", "policy_area", "policy_label", "metric", "metric_label", "breakdown", "value_text"]


def real_text(name: str) -> str:
    return shared("discord", f"discord-{name}.csv").read_bytes().decode("utf-8")


def read_text(tmp_path, file_name: str, text: str):
    path = tmp_path / file_name
    path.write_bytes(text.encode("utf-8"))
    return Discord().read([register(path, REGISTRY["discord"].card)])


def edit(text: str, edits: dict) -> str:
    """Apply {line number: function(cells) -> cells} to single-line CSV records; other lines keep their bytes."""
    lines = text.split("\n")
    for number, change in edits.items():
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(change(next(csv.reader([lines[number - 1]]))))
        lines[number - 1] = out.getvalue()
    return "\n".join(lines)


def insert_after(text: str, number: int, line: str) -> str:
    lines = text.split("\n")
    return "\n".join(lines[:number] + [line] + lines[number:])


def without_lines(text: str, first: int, last: int) -> str:
    lines = text.split("\n")
    return "\n".join(lines[:first - 1] + lines[last:])


def figure_set(df) -> Counter:
    """Every figure by what it is and its printed value (not by where: moved tables change line numbers)."""
    return Counter(df[KEY].itertuples(index=False, name=None))


def in_table(df, label: str):
    return df.locator.str.contains(f"(table {label}, ", regex=False)


def unmapped_labels(result) -> set[tuple[str, str]]:
    return {(u.field, u.label) for u in result.unmapped}


def test_a_renamed_table_label_keeps_its_figures_flagged_and_every_other_figure_exact(tmp_path):
    _, original = parse("2022-q4")
    text = real_text("2022-q4").replace("\nServers Removed,,,,,,\n", "\nServers Taken Down,,,,,,\n")
    result = read_text(tmp_path, "discord-2022-q4.csv", text)
    df = result.observations
    renamed = df[in_table(df, "Servers Taken Down")]
    assert len(renamed) == 39 and set(renamed.metric) == {"unmapped"}  # 12 categories and the total, 3 columns
    assert set(renamed.breakdown) == {"table=Servers Taken Down"}
    child = value(renamed, policy_label="Child Safety", metric_label="Servers Removed Proactive")
    assert child["value"] == 16_289 and child["policy_area"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert value(renamed, policy_area="ALL", metric_label="Total Servers Removed")["value"] == 33_232
    assert ("tables", "Servers Taken Down") in unmapped_labels(result)
    before = original.observations
    assert figure_set(df[~in_table(df, "Servers Taken Down")]) == \
        figure_set(before[~in_table(before, "Servers Removed")])
    assert result.notes == original.notes


def test_a_renamed_and_an_added_column_are_flagged_and_the_rest_exact(tmp_path):
    _, original = parse("2022-q4")
    added = {line: 10 * (line - 3) for line in range(4, 16)}  # one figure per category row, lines 4-15
    edits = {3: lambda c: c[:2] + ["Servers Given a Warning", c[3], "Accounts Banned"] + c[5:]}
    edits |= {line: (lambda c, n=n: c[:4] + [str(n)] + c[5:]) for line, n in added.items()}
    edits[17] = lambda c: c[:4] + [str(sum(added.values()))] + c[5:]  # the Total: row
    result = read_text(tmp_path, "discord-2022-q4.csv", edit(real_text("2022-q4"), edits))
    df = result.observations
    renamed = df[df.metric_label == "Servers Given a Warning"]
    assert len(renamed) == 13 and set(renamed.metric) == {"unmapped"}
    assert value(renamed, policy_label="Child Safety")["value"] == 1_146
    assert value(renamed, policy_area="ALL")["value"] == 2_330
    banned = df[df.metric_label == "Accounts Banned"]
    assert len(banned) == 13 and set(banned.metric) == {"unmapped"}
    assert value(banned, policy_label="Hateful Conduct")["value"] == 50  # line 8
    assert value(banned, policy_area="ALL")["value"] == 780
    assert {("columns", "Warns / Servers Given a Warning"), ("columns", "Warns / Accounts Banned")} \
        <= unmapped_labels(result)
    before = original.observations
    changed = df.metric_label.isin(["Servers Given a Warning", "Accounts Banned"])
    assert figure_set(df[~changed]) == figure_set(before[before.metric_label != "Servers Warned"])
    assert result.notes == original.notes


def test_a_new_category_row_is_flagged_and_its_table_total_noted(tmp_path):
    _, original = parse("2022-q4")
    result = read_text(tmp_path, "discord-2022-q4.csv", insert_after(real_text("2022-q4"), 15, "Spam Rings,7,8,9,,,"))
    df = result.observations
    new = df[df.policy_label == "Spam Rings"]
    assert sorted(new.value) == [7, 8, 9] and set(new.policy_area) == {"UNMAPPED"}
    assert set(new.metric) == {"warnings_issued"}
    assert ("policy_areas", "Spam Rings") in unmapped_labels(result)
    assert "discord-2022-q4.csv: table Warns, line 18: printed Total: Individual Accounts Warned 17,809 but its rows " \
           "add up to 17,816" in result.notes
    assert figure_set(df[df.policy_label != "Spam Rings"]) == figure_set(original.observations)


def test_a_new_country_row_is_kept_by_its_printed_name(tmp_path):
    _, original = parse("2023-q3")
    result = read_text(tmp_path, "discord-2023-q3.csv", insert_after(real_text("2023-q3"), 112, "Atlantis,5,1,,,"))
    df = result.observations
    new = df[df.breakdown.str.contains("country=Atlantis")]
    assert sorted(new.value) == [1, 5] and set(new.region) == {"GLOBAL"}
    requests = value(new, metric_label="Requests")
    assert requests["breakdown"] == "requests=international;country=Atlantis"
    assert ("countries", "Atlantis") in unmapped_labels(result)
    assert figure_set(df[~df.breakdown.str.contains("country=Atlantis")]) == figure_set(original.observations)


def test_two_stacked_tables_swapped_read_the_same(tmp_path):
    _, original = parse("2022-q4")
    lines = real_text("2022-q4").split("\n")
    ncmec, servers = lines[36:45], lines[45:63]  # lines 37-45 and 46-63, each from its label to its last blank row
    assert ncmec[0].startswith("NCMEC,") and servers[0].startswith("Servers Removed,")
    result = read_text(tmp_path, "discord-2022-q4.csv", "\n".join(lines[:36] + servers + ncmec + lines[63:]))
    assert figure_set(result.observations) == figure_set(original.observations)
    assert [s.reason for s in result.skipped] == [s.reason for s in original.skipped]
    moved = value(result.observations, metric_label="Month Total", period="2022-Q4")
    assert moved["value"] == 11_589 and moved["locator"].startswith("line 62 ")  # was line 44


def test_a_dropped_table_leaves_the_others_exact(tmp_path):
    _, original = parse("2022-q4")
    result = read_text(tmp_path, "discord-2022-q4.csv", without_lines(real_text("2022-q4"), 64, 81))  # Appeals
    before = original.observations
    assert figure_set(result.observations) == figure_set(before[~in_table(before, "Appeals")])
    assert result.unmapped == []


def test_a_table_that_loses_its_label_row_is_identified_by_its_columns(tmp_path):
    _, original = parse("2023-q2")
    result = read_text(tmp_path, "discord-2023-q2.csv", without_lines(real_text("2023-q2"), 37, 38))  # 'NCMEC', blank
    assert figure_set(result.observations) == figure_set(original.observations)
    assert any("line 37: a table without a label row, read as the NCMEC table" in n for n in result.notes)
    assert result.unmapped == []


def test_a_renamed_country_table_is_still_read_by_its_rows(tmp_path):
    _, original = parse("2023-q4")
    text = real_text("2023-q4")
    assert '"Emergency Requests\n"' in text  # the label cell holds a line break
    result = read_text(tmp_path, "discord-2023-q4.csv",
                       text.replace('"Emergency Requests\n"', '"Emergency Disclosure Requests\n"'))
    df = result.observations
    renamed = df[in_table(df, "Emergency Disclosure Requests")]
    us = value(renamed, region="US", metric_label="Requests")
    assert us["value"] == 114 and us["metric"] == "unmapped" and us["breakdown"] == "table=Emergency Disclosure Requests"
    before = original.observations
    # every country still its region, read from the rows' labels though the table's label is new
    assert sorted(renamed.region) == sorted(before[in_table(before, "Emergency Requests")].region)
    assert figure_set(df[~in_table(df, "Emergency Disclosure Requests")]) == \
        figure_set(before[~in_table(before, "Emergency Requests")])


def test_an_unlabelled_table_no_columns_match_keeps_its_headers_as_unmapped_measures(tmp_path):
    text = real_text("2022-q1").replace("Month,Media Reports,Grooming or Endangerment Escalations",
                                        "Month,Widget Reports,Gadget Escalations")
    result = read_text(tmp_path, "discord-2022-q1.csv", text)
    df = result.observations
    assert set(df.metric) == {"unmapped"} and set(df.breakdown) == {""}
    assert value(df, period="2022-01", metric_label="Widget Reports")["value"] == 3_648
    assert value(df, period="2022-Q1", metric_label="Gadget Escalations")["value"] == 54
    assert {("columns", "Widget Reports"), ("columns", "Gadget Escalations")} <= unmapped_labels(result)
    assert any("no table's columns match" in n for n in result.notes)


# --- openness: periods ----------------------------------------------------------------------------------------------

def test_a_half_year_file_name_places_its_months(tmp_path):
    result = read_text(tmp_path, "discord-2024-h2.csv", real_text("2021-h2"))
    assert value(result.observations, period="2024-07", metric_label="Media Reports")["value"] == 2_306
    assert set(result.observations.period) == {f"2024-{m:02d}" for m in range(7, 13)}
    assert next(iter(result.document_meta.values()))["edition"] == "2024-H2"


def test_an_h1_2024_file_of_three_months_totals_them_as_their_quarter(tmp_path):
    result = read_text(tmp_path, "H1-2024.csv", real_text("2022-q1"))
    df = result.observations
    assert value(df, period="2024-01", metric_label="Media Reports")["value"] == 3_648
    total = value(df, metric_label="Media Reports", breakdown="report_kind=media", period="2024-Q1")
    assert total["value"] == 10_641  # the SUM of January-March, not a figure for the whole half-year
    assert next(iter(result.document_meta.values()))["edition"] == "2024-H1"


def test_months_outside_a_named_period_are_an_error_not_a_silent_empty_file(tmp_path):
    with pytest.raises(ParseError, match="no figure lies inside the file's period 2021-H1") as err:
        read_text(tmp_path, "discord-2021-h1.csv", real_text("2021-h2"))
    assert "discord-2021-h1.csv" in str(err.value)


def test_a_file_with_no_period_anywhere_is_a_clear_error_naming_it(tmp_path):
    with pytest.raises(ParseError, match="cannot tell the period") as err:
        read_text(tmp_path, "discord-ncmec.csv", real_text("2020-h2"))
    assert "discord-ncmec.csv" in str(err.value)


def test_a_period_stated_in_a_title_row_wins_over_the_name(tmp_path):
    text = "Discord transparency report: July - December 2021\n" + real_text("2021-h2")
    result = read_text(tmp_path, "discord-ncmec.csv", text)
    july = value(result.observations, period="2021-07", metric_label="Media Reports")
    assert july["value"] == 2_306 and july["locator"].startswith("line 3 ")
    named = read_text(tmp_path, "discord-2022-h2.csv", text)
    assert set(named.observations.period) == {f"2021-{m:02d}" for m in range(7, 13)}
    assert any("states the period 2021-H2 (line 1) but its name says 2022-H2" in n for n in named.notes)


def test_total_words_and_month_names_in_any_case(tmp_path):
    text = real_text("2020-h2").replace("July,", "JULY,").replace("December,", "december,") + '\nTotals,"6,865",83'
    result = read_text(tmp_path, "discord-2020-h2.csv", text)
    df = result.observations
    assert value(df, period="2020-07", metric_label="Media reports")["value"] == 1_071
    assert value(df, period="2020-12", metric_label="Escalations")["value"] == 15
    assert value(df, period="2020-H2", metric_label="Media reports")["value"] == 6_865  # 1,071 + ... + 1,262
    assert value(df, period="2020-H2", metric_label="Escalations")["value"] == 83
    assert not any("add up" in n for n in result.notes)


# --- a grand total printed under one column ------------------------------------------------------------------------

def without_total_by_month(text: str) -> str:
    return edit(text, {n: (lambda c: c[:3]) for n in range(1, 8)})


def test_a_grand_total_over_columns_that_share_a_measure_is_stored_without_their_breakdown(tmp_path):
    result = read_text(tmp_path, "discord-2022-q3.csv", without_total_by_month(real_text("2022-q3")))
    total = value(result.observations, period="2022-Q3")
    assert total["value"] == 14_366 and total["metric"] == "ncmec_reports" and total["breakdown"] == ""
    assert total["metric_label"] == "Total" and "column Media Reports" in total["locator"]
    assert any("it equals Media Reports + Grooming or Endangerment Escalations" in n for n in result.notes)


def test_a_grand_total_the_table_cannot_name_stays_as_printed_and_flagged(tmp_path):
    text = without_total_by_month(real_text("2022-q3")).replace("Grooming or Endangerment Escalations",
                                                                "Other Escalations")
    result = read_text(tmp_path, "discord-2022-q3.csv", text)
    total = value(result.observations, period="2022-Q3")
    assert total["value"] == 14_366 and total["breakdown"] == "report_kind=media"
    [note] = [n for n in result.notes if "14,366" in n]
    assert "rows add up to 14,303" in note and "does not show which measure" in note


# --- the build: every real file strictly, and a new column counted in the summary --------------------------------

def test_the_discord_folder_builds_strictly_and_a_new_column_is_listed_with_its_figures(tmp_path):
    folder = tmp_path / "sources" / "discord"
    folder.mkdir(parents=True)
    for path in sorted(shared("discord").glob("*.csv")):
        (folder / path.name).write_bytes(path.read_bytes())
    summary = build(folder.parent, tmp_path / "atlas.duckdb", {"discord": Discord()}, strict=True)
    assert summary.failed == [] and len(summary.parsed) == 9 and summary.unmapped == []
    (folder / "discord-2024-h1.csv").write_text(real_text("2022-q1").replace("Media Reports", "Media Files Reported"))
    strict = build(folder.parent, tmp_path / "strict.duckdb", {"discord": Discord()}, strict=True)
    assert [name for name, _ in strict.failed] == ["discord-2024-h1.csv"]
    assert "columns 'NCMEC / Media Files Reported' (4 figure(s), first at line 2 " in strict.failed[0][1]
    lenient = build(folder.parent, tmp_path / "lenient.duckdb", {"discord": Discord()})
    [found] = lenient.unmapped
    assert (found.label.label, found.figures, found.document) == ("NCMEC / Media Files Reported", 4,
                                                                  "discord-2024-h1.csv")


def test_a_new_empty_notes_column_adds_no_figure_and_is_noted(tmp_path):
    """Discord adds a 'Notes' column left empty: its cells carry nothing, so nothing is imported from them; the
    figures are those of the file as published, and the new header is still flagged."""
    real = shared("discord", "discord-2022-q1.csv")
    lines = real.read_text(encoding="utf-8-sig").split("\n")
    path = tmp_path / real.name
    path.write_text("\n".join(line + ("," if i and line else ",Notes" if not i else "") for i, line in enumerate(lines)),
                    encoding="utf-8")
    published = Discord().read([register(real, REGISTRY["discord"].card)]).observations
    result = Discord().read([register(path, REGISTRY["discord"].card)])
    columns = ["period", "metric", "metric_label", "value"]
    assert result.observations[columns].equals(published[columns])
    assert [u.label for u in result.unmapped] == ["NCMEC / Notes"]
    assert result.notes[-1].startswith("3 empty cell(s) under 'Notes', a label no mapping covers and under which "
                                       "nothing is printed: not imported (first at line 2")
    sources = tmp_path / "sources" / "discord"
    sources.mkdir(parents=True)
    path.rename(sources / path.name)
    summary = build(sources.parent, tmp_path / "atlas.duckdb", {"discord": REGISTRY["discord"]})
    assert summary.ok and summary.failed == [] and summary.parsed == [real.name]
    assert [(u.label.label, u.figures) for u in summary.unmapped] == [("NCMEC / Notes", 0)]


@pytest.mark.parametrize("name, note", [
    ("2022-q3", "Note: figures may be revised in later reports."),  # under a table whose unlabelled sums row
    ("2023-q4", "Source: Discord Transparency Report"),  # decides how its Total is read, and under stacked tables
])
def test_a_note_line_under_the_last_table_is_listed_and_changes_no_figure(tmp_path, name, note):
    """A publisher adds a line of words under the tables: it is not a row of the table above it, so every figure
    (including a total read by its place under the rows) is the file's as published, and the line is listed."""
    text = real_text(name)
    (tmp_path / "published").mkdir()
    published = read_text(tmp_path / "published", f"discord-{name}.csv", text)
    result = read_text(tmp_path, f"discord-{name}.csv", text.rstrip("\n") + "\n" + note + "\n")
    assert figure_set(result.observations) == figure_set(published.observations)
    assert not unmapped_labels(result)
    [listed] = [s for s in result.skipped if note in s.reason]
    assert listed.locator == f"line {len(text.rstrip(chr(10)).split(chr(10))) + 1}"
    assert "a note" in listed.reason


def test_totals_printed_with_a_footnote_mark_are_still_rows_of_their_tables(tmp_path):
    """Discord marks its totals with a footnote ("255,063*"): a row of marked figures is still a row of figures, not
    the header of a new table, so every figure is the file's as published, the marked ones qualified `footnoted`."""
    text = real_text("2023-q4")
    marked = text.replace('Total:,"255,063",,,,', 'Total:,"255,063*",,,,').replace(
        'Total,"55,638",317,"55,955",,', 'Total,"55,638*",317*,"55,955*",,')
    assert marked.count("*") == text.count("*") + 4
    (tmp_path / "published").mkdir()
    published = read_text(tmp_path / "published", "discord-2023-q4.csv", text).observations
    result = read_text(tmp_path, "discord-2023-q4.csv", marked)
    df = result.observations
    assert not unmapped_labels(result)
    footnoted = df.qualifier == "footnoted"
    assert sorted(df[footnoted].value) == [317, 55_638, 55_955, 255_063]
    unmarked = df.assign(value_text=df.value_text.str.rstrip("*"), qualifier=df.qualifier.where(~footnoted, ""))
    assert figure_set(unmarked) == figure_set(published)
    assert list(unmarked.value.fillna(-1)) == list(published.value.fillna(-1))
