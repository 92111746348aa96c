"""A real CSV saved again by a spreadsheet in a European locale (cells separated by ';', as Excel does where the
comma marks decimals) fails alone with the reason, whatever its collector; it is never read as one column of
text, nor as figures split at their thousands commas. A comma-separated file with a semicolon in a title still
reads."""
from __future__ import annotations

import csv
import io

import pytest

from collectors import REGISTRY
from reports.ingest.build import build
from tests.conftest import shared

# (folder under ../shared/data, file or report folder) of each collector that reads CSV
REAL_CSVS = [("meta-cser", "meta-2024-q2.csv"), ("discord", "discord-2023-q3.csv"),
             ("google-gov-removals", "google-government-detailed-removal-requests.csv"),
             ("tiktok-cger", "tiktok-2023-q1.csv"), ("dsa-reports", "snapchat")]


def resaved(path, separator: str) -> str:
    """The file as a spreadsheet saves it with another separator: cells quoted only where they must be, so a
    figure such as 20,800,000 is written bare."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def copy_into(tmp_path, folder: str, name: str, change=lambda path: path.read_text(encoding="utf-8-sig")):
    real = shared(folder, name)
    target = tmp_path / "sources" / folder
    target.mkdir(parents=True)
    for path in sorted(real.iterdir()) if real.is_dir() else [real]:
        destination = target / (f"{name}/{path.name}" if real.is_dir() else path.name)
        destination.parent.mkdir(exist_ok=True)
        destination.write_text(change(path), encoding="utf-8", newline="")
    return target.parent


@pytest.mark.parametrize("folder, name", REAL_CSVS)
@pytest.mark.parametrize("separator, called", [(";", "semicolons"), ("\t", "tabs")])
def test_a_real_csv_resaved_with_another_separator_fails_alone_with_the_reason(tmp_path, folder, name, separator,
                                                                               called):
    sources = copy_into(tmp_path, folder, name, lambda path: resaved(path, separator))
    summary = build(sources, tmp_path / "atlas.duckdb", REGISTRY)
    assert summary.parsed == [] and summary.observations == 0
    [(_, error)] = summary.failed
    assert f"cells are separated by {called}, not commas" in error
    assert str(sources) in error  # the file is named


def test_a_semicolon_in_a_title_above_a_comma_table_does_not_decide_the_separator(tmp_path):
    published = build(copy_into(tmp_path / "a", "discord", "discord-2023-q3.csv"), tmp_path / "a.duckdb", REGISTRY)
    titled = build(copy_into(tmp_path / "b", "discord", "discord-2023-q3.csv",
                             lambda path: "Discord Transparency Report; July - September 2023\n"
                                          + path.read_text(encoding="utf-8-sig")),
                   tmp_path / "b.duckdb", REGISTRY)
    assert titled.ok and published.ok
    assert titled.observations == published.observations > 200


@pytest.mark.parametrize("text, refused", [
    ("Kategorie;Anzahl;Anteil\nSpam;1.500;1,5\nHass;20;0,2\nBetrug;3;4\n", True),  # decimal commas, unquoted
    ("Service\tNotices\nFacebook\t1,234\n", True),
    ("Discord Transparency Report; Q3 2023\nMonth,A,B\nJuly,1,2\nAugust,3,4\n", False),  # a title with a ';'
    ('question,answer\n1,"Art. 16; Art. 17;\nArt. 20; Art. 21;\nArt. 22; Art. 23;\nArt. 24"\n2,"x;y;z"\n', False),
    ("one column\nonly\n", False),
])
def test_the_separator_is_the_one_that_reads_most_lines_as_records_of_one_width(text, refused):
    """A quoted answer over several lines full of semicolons, or a semicolon in a title, leaves a comma file a comma
    file; figures with decimal commas do not make a semicolon file look comma-separated."""
    from reports.ingest.textio import refuse_other_separator
    from reports.model.errors import ParseError

    if refused:
        with pytest.raises(ParseError, match="not commas"):
            refuse_other_separator(text, file="f.csv")
    else:
        refuse_other_separator(text, file="f.csv")
