"""Curated sources: the repo's Twitch file, its agreement with the shared seed, and bad rows failing by line."""
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

TWITCH = REGISTRY["curated-twitch"].folder / "figures.csv"


@pytest.fixture(scope="module")
def twitch():
    collector = REGISTRY["curated-twitch"]
    assert collector.builtin_files() == [TWITCH]
    doc = register(TWITCH, REGISTRY["curated-twitch"].card)
    result = collector.parse([doc])
    return validate(result.observations.assign(source="curated-twitch", document_sha256=doc.sha256))


@pytest.mark.parametrize("period, label, expected", [
    ("2020-H1", "Hateful Conduct, Sexual Harassment, and Harassment", 19_532),  # figures.csv line 2
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
    assert "statista.com" in hate["locator"] and "figures.csv line 2" in hate["locator"]


def test_twitchs_own_counts_of_reports_to_ncmec(twitch):
    ncmec = twitch[twitch["metric"] == "ncmec_reports"].set_index("period")
    assert dict(ncmec["value"]) == {
        "2020-H1": 812, "2020-H2": 1346, "2021-H1": 2615, "2021-H2": 4006, "2022-H1": 6711, "2022-H2": 7585,
        "2023-H1": 3285, "2023-H2": 3272, "2024-H1": 1523, "2024-H2": 759, "2025-H1": 959}
    assert set(ncmec["platform"]) == {"twitch"}
    assert set(ncmec["policy_area"]) == {"STATEMENT_CATEGORY_PROTECTION_OF_MINORS"}
    assert ncmec.loc["2024-H2", "source_url"] == "https://safety.twitch.tv/s/article/H2-2024-Transparency-Report"


def test_the_curated_file_agrees_with_the_shared_seed_value_for_value():
    seed_path = shared("twitch", "twitch-figures.csv")
    with seed_path.open(encoding="utf-8") as handle:
        seed = {(r["period"], r["metric"], r["label"]): r for r in csv.DictReader(handle)}
    with TWITCH.open(encoding="utf-8") as handle:
        ours = {(r["period"], r["metric_label"], r["policy_label"]): r for r in csv.DictReader(handle)}
    assert ours.keys() == seed.keys()
    for key, row in seed.items():
        mine = ours[key]
        assert (mine["value"], mine["source_url"], mine["transcribed_from"], mine["note"]) == (
            row["value"], row["source_url"], row["transcribed_from"], row["note"]), key


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


def test_words_transcribed_for_a_figure_are_kept_as_text(tmp_path):
    result = parse(curated_file(tmp_path, GOOD.replace("\"1,523\"", "\"Not reported, see the PDF\"")))
    row = one(result.observations, period="2024-H1")
    assert (row["qualifier"], row["value_text"], row["unit"]) == ("text", "Not reported, see the PDF", "count")
    assert row["value"] != row["value"]


def test_a_missing_column_fails_on_the_header(tmp_path):
    path = tmp_path / "twitch.csv"
    path.write_text("platform,period,value\ntwitch,2024-H1,5\n", encoding="utf-8")
    with pytest.raises(ParseError, match="line 1"):
        parse(path)


# -- the repo's real file, changed the way a transcriber (or Twitch's next report) changes it ------------------------

def test_the_real_file_with_a_renamed_label_a_new_column_reordered_and_words_for_a_figure(tmp_path, twitch):
    with TWITCH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    renamed = [r for r in rows if r["policy_label"] == "Misinformation"]
    assert len(renamed) >= 3
    for r in renamed:
        r["policy_label"] = "Harmful Misinformation Actors"
    first = rows[0]
    assert (first["period"], first["value"]) == ("2020-H1", "19532")
    first["value"] = "Figure withheld by Twitch"
    columns = ["reviewer"] + list(reversed(COLUMNS))
    path = tmp_path / "twitch.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "reviewer": "second reader"} for r in rows)
    result = REGISTRY["curated-twitch"].read([register(path, REGISTRY["curated-twitch"].card)])
    assert [(u.field, u.label) for u in result.unmapped] == [("policy_areas", "Harmful Misinformation Actors")]
    assert result.notes == ["twitch.csv: column(s) 'reviewer' not read"]
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
