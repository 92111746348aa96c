"""Curated sources: Twitch's transcribed figures read from ../shared/data as published there, an editor's curated
file's rows validated by line, and both changed the way a transcriber (or Twitch's next report) changes them."""
from __future__ import annotations

import csv

import pytest

from collectors import REGISTRY
from collectors.curated.parser import COLUMNS
from reports.ingest.register import register
from reports.model.errors import ParseError
from reports.model.schema import validate
from tests.conftest import only_row as one
from tests.conftest import shared


@pytest.fixture(scope="module")
def twitch():
    collector = REGISTRY["curated-twitch"]
    assert collector.builtin_files() == []  # no copy in the repo: the transcription is read where it is published
    doc = register(shared("twitch", "twitch-figures.csv"), collector.card)
    result = collector.read([doc])
    assert result.unmapped == [] and result.notes == []
    return validate(result.observations.assign(source="curated-twitch", document_sha256=doc.sha256))


@pytest.mark.parametrize("period, label, expected", [
    ("2020-H1", "Hateful Conduct, Sexual Harassment, and Harassment", 19_532),  # twitch-figures.csv line 2
    ("2020-H2", "Spam and Other Community Guidelines Violations", 987_239),
    ("2021-H1", "Hateful Conduct, Sexual Harassment, and Harassment", 210_059),
    ("2022-H1", "Misinformation", 85),
    ("2023-H1", "Terrorism, Terrorist Propaganda, and Recruitment", 138),
])
def test_enforcement_actions_by_category(twitch, period, label, expected):
    row = one(twitch, metric="enforcement_actions", period=period, policy_label=label)
    assert (row["platform"], row["value"], row["unit"], row["region"]) == ("twitch", expected, "count", "GLOBAL")


def test_policy_labels_map_to_policy_areas(twitch):
    hate = one(twitch, period="2020-H1", policy_label="Hateful Conduct, Sexual Harassment, and Harassment")
    assert hate["policy_area"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert hate["source_url"] == "https://safety.twitch.tv/s/article/Transparency-Reports#62020TransparencyReport"
    assert hate["locator"] == (
        "period '2020-H1', metric 'Enforcement actions on reported behavior', label 'Hateful Conduct, Sexual "
        "Harassment, and Harassment'; transcribed from https://statista.com/statistics/1219564/twitch-behavior-"
        "violation-enforcement-actions-type (table compiled from Twitch transparency reports, released February "
        "2024) (twitch-figures.csv line 2)")


def test_twitchs_own_counts_of_reports_to_ncmec(twitch):
    ncmec = twitch[twitch["metric"] == "ncmec_reports"].set_index("period")
    assert dict(ncmec["value"]) == {
        "2020-H1": 812, "2020-H2": 1346, "2021-H1": 2615, "2021-H2": 4006, "2022-H1": 6711, "2022-H2": 7585,
        "2023-H1": 3285, "2023-H2": 3272, "2024-H1": 1523, "2024-H2": 759, "2025-H1": 959}
    assert set(ncmec["platform"]) == {"twitch"}
    assert set(ncmec["policy_area"]) == {"STATEMENT_CATEGORY_PROTECTION_OF_MINORS"}
    assert ncmec.loc["2024-H2", "source_url"] == "https://safety.twitch.tv/s/article/H2-2024-Transparency-Report"


GOOD = ("twitch,2024-H1,ncmec_reports,CyberTipline reports made to NCMEC,Child sexual exploitation and abuse,"
        "\"1,523\",count,GLOBAL,,https://safety.twitch.tv/s/article/H1-2024-Transparency-Report,NCMEC section,"
        "by hand,")


def curated_file(tmp_path, *lines, folder="a"):
    """Our own fixture in the curated format, named twitch.csv so it is parsed with the Twitch mappings."""
    path = tmp_path / folder / "twitch.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join([",".join(COLUMNS), *lines]) + "\n", encoding="utf-8")
    return path


def parse(path):
    return REGISTRY["curated-twitch"].parse([register(path, REGISTRY["curated-twitch"].card)])


def test_a_good_fixture_row_parses_with_its_printed_value(tmp_path):
    result = parse(curated_file(tmp_path, GOOD))
    row = one(result.observations, period="2024-H1")
    assert (row["value"], row["value_text"]) == (1523, "1,523")


@pytest.mark.parametrize("bad, column", [
    (GOOD.replace("ncmec_reports", "ncmec_reprots"), "metric"),
    (GOOD.replace("\"1,523\"", "4%-5%"), "value"),
    (GOOD.replace(",GLOBAL,", ",Global,"), "region"),
    (GOOD.replace("twitch,2024-H1", "twich,2024-H1"), "platform"),
    (GOOD.replace("2024-H1", "2024-H3", 1), "period"),
    (GOOD.replace("https://safety", "safety", 1), "source_url"),
    (GOOD.replace(",GLOBAL,,", ",GLOBAL,kind,"), "breakdown"),
    (GOOD.replace("NCMEC section", ""), "locator"),
])
def test_a_malformed_row_fails_naming_file_line_and_column(tmp_path, bad, column):
    path = curated_file(tmp_path, GOOD.replace("2024-H1", "2023-H2"), bad)
    with pytest.raises(ParseError) as caught:
        parse(path)
    message = str(caught.value)
    assert "twitch.csv" in message and f"line 3, column {column}" in message


def test_an_unmapped_policy_label_is_flagged_and_a_repeated_figure_fails(tmp_path):
    path = curated_file(tmp_path, GOOD.replace("Child sexual exploitation and abuse", "Cheating"))
    result = REGISTRY["curated-twitch"].read([register(path, REGISTRY["curated-twitch"].card)])
    assert [(u.field, u.label, u.place) for u in result.unmapped] == [
        ("policy_areas", "Cheating", "line 2, column policy_label")]
    row = one(result.observations, period="2024-H1")
    assert (row["policy_area"], row["policy_label"], row["value"]) == ("UNMAPPED", "Cheating", 1523)
    with pytest.raises(ParseError, match="line 3: the same figure is already given on line 2"):
        parse(curated_file(tmp_path, GOOD, GOOD, folder="b"))


@pytest.mark.parametrize("printed", ["Not reported, see the PDF", "N/A", "-"])
def test_words_transcribed_for_a_figure_are_kept_as_text(tmp_path, printed):
    result = parse(curated_file(tmp_path, GOOD.replace("\"1,523\"", f"\"{printed}\"")))
    row = one(result.observations, period="2024-H1")
    assert (row["qualifier"], row["value_text"], row["unit"]) == ("text", printed, "count")
    assert row["value"] != row["value"]


def test_a_missing_column_fails_on_the_header(tmp_path):
    path = tmp_path / "twitch.csv"
    path.write_text("platform,period,value\ntwitch,2024-H1,5\n", encoding="utf-8")
    with pytest.raises(ParseError, match="line 1"):
        parse(path)


# -- the real transcription, changed the way a transcriber (or Twitch's next report) changes it ----------------------

def real_rows() -> tuple[list[str], list[dict]]:
    with shared("twitch", "twitch-figures.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_the_real_file_with_a_renamed_label_a_new_column_reordered_and_words_for_a_figure(tmp_path, twitch):
    header, rows = real_rows()
    renamed = [r for r in rows if r["label"] == "Misinformation"]
    assert len(renamed) >= 3
    for r in renamed:
        r["label"] = "Harmful Misinformation Actors"
    first = rows[0]
    assert (first["period"], first["value"]) == ("2020-H1", "19532")
    first["value"] = "Figure withheld by Twitch"
    path = tmp_path / "twitch" / "twitch-figures-2026.csv"
    path.parent.mkdir()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["reviewer", *reversed(header)], lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "reviewer": "second reader"} for r in rows)
    result = REGISTRY["curated-twitch"].read([register(path, REGISTRY["curated-twitch"].card)])
    assert [(u.field, u.label) for u in result.unmapped] == [("policy_areas", "Harmful Misinformation Actors")]
    assert result.notes == ["twitch-figures-2026.csv: column(s) 'reviewer' not read"]
    df = result.observations
    assert len(df) == len(twitch)
    misinfo = one(df, period="2022-H1", policy_label="Harmful Misinformation Actors")
    assert (misinfo["policy_area"], misinfo["value"]) == ("UNMAPPED", 85)
    words = df.iloc[0]
    assert (words["qualifier"], words["value_text"]) == ("text", "Figure withheld by Twitch")
    keep = ~df.policy_label.eq("Harmful Misinformation Actors") & (df.index != 0)
    columns = ["platform", "period", "metric", "metric_label", "policy_label", "policy_area", "value", "value_text",
               "unit", "region", "breakdown", "source_url"]
    ours = df[keep][columns].reset_index(drop=True)
    theirs = twitch[~twitch.policy_label.eq("Misinformation") & (twitch.index != 0)][columns].reset_index(drop=True)
    assert ours.equals(theirs)


def test_a_new_heading_is_kept_verbatim_and_flagged_and_a_missing_column_named(tmp_path):
    header, rows = real_rows()
    rows[0]["metric"] = "Enforcement actions on proactively detected behavior"
    path = tmp_path / "twitch-figures.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = REGISTRY["curated-twitch"].read([register(path, REGISTRY["curated-twitch"].card)])
    assert [(u.field, u.label, u.place) for u in result.unmapped] == [
        ("metrics", "Enforcement actions on proactively detected behavior", "line 2, column metric")]
    row = result.observations.iloc[0]
    assert (row["metric"], row["metric_label"], row["value"]) == (
        "unmapped", "Enforcement actions on proactively detected behavior", 19_532)
    path.write_text(path.read_text(encoding="utf-8").replace("source_url,", "url,", 1), encoding="utf-8")
    with pytest.raises(ParseError, match=r"twitch-figures\.csv: line 1: missing column\(s\) source_url"):
        REGISTRY["curated-twitch"].parse([register(path, REGISTRY["curated-twitch"].card)])


def test_the_transcription_read_whatever_case_its_headers_are_printed_in(tmp_path, twitch):
    text = shared("twitch", "twitch-figures.csv").read_text(encoding="utf-8")
    header, _, rest = text.partition("\n")
    path = tmp_path / "twitch-figures.csv"
    path.write_text(", ".join(h.upper() for h in header.split(",")) + "\n" + rest, encoding="utf-8")
    result = REGISTRY["curated-twitch"].read([register(path, REGISTRY["curated-twitch"].card)])
    columns = ["period", "metric", "policy_label", "policy_area", "value", "source_url"]
    assert result.observations[columns].equals(twitch[columns]) and result.unmapped == []
    assert result.observations.locator[0].startswith("PERIOD '2020-H1', METRIC 'Enforcement actions on reported")


def test_a_row_of_empty_cells_in_the_transcription_holds_no_figure(tmp_path, twitch):
    """A blank row a spreadsheet leaves (",,,,") amid the real transcription's rows: every figure is read as before,
    and the rows after it are cited on the lines they moved to."""
    lines = shared("twitch", "twitch-figures.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    path = tmp_path / "twitch-figures.csv"
    path.write_text("".join(lines[:middle]) + "," * lines[0].count(",") + "\n" + "".join(lines[middle:]),
                    encoding="utf-8")
    result = REGISTRY["curated-twitch"].read([register(path, REGISTRY["curated-twitch"].card)])
    columns = ["period", "metric", "policy_label", "policy_area", "value", "source_url"]
    assert result.observations[columns].equals(twitch[columns]) and result.unmapped == []
    cited = result.observations.locator.str.extract(r"twitch-figures\.csv line (\d+)\)$")[0].astype(int)
    before = twitch.locator.str.extract(r"twitch-figures\.csv line (\d+)\)$")[0].astype(int)
    assert cited.tolist() == [n + (n > middle) for n in before]
