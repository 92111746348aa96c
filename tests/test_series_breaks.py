"""Every series that starts or stops inside its source's span is listed; a break with another line of the same
figure meeting it (what a renamed label looks like) fails unless the source card, an annotation or
reports/query/series_breaks.csv explains it; a break with nothing beside it is a real start or stop of publishing."""
from __future__ import annotations

import pandas as pd

from reports.model.periods import quarter
from reports.query import breaks
from tests.test_analysis import make_store, obs

SHOWN = ["series", "kind", "date", "beside"]


def test_every_break_inside_the_atlas_is_a_real_start_or_stop_or_documented(real_atlas):
    found = breaks.series_breaks(real_atlas)
    adjacent = found[found.beside != ""]
    undocumented = adjacent[adjacent.documented_by == ""]
    assert undocumented.empty, "breaks that look like renamed labels, explained nowhere:\n" + \
        undocumented[SHOWN].to_string()
    # The listing names each: TikTok's policies before its 2023 taxonomy, Meta's split of child nudity.
    minor = found[found.series == "TikTok · tiktok-cger · GLOBAL · Minor safety · Proactive removal rate · quarter"].iloc[0]
    assert (minor.kind, minor.date) == ("stop", pd.Timestamp("2023-04-01")) and minor.beside
    assert minor.documented_by.startswith("card tiktok-cger: From 2023Q2 TikTok uses a new policy taxonomy")
    meta = found[found.series.str.startswith("Facebook · meta-cser · GLOBAL · Child Nudity & Sexual Exploitation · ")]
    assert set(meta.kind) == {"stop"} and set(meta.date) == {pd.Timestamp("2021-04-01")}
    assert meta.documented_by.str.startswith("card meta-cser: From 2021Q2 Meta split").all()
    # A break with no line beside it is a start or stop of publishing: listed, documented where the card says so.
    misinformation = found[found.series == "Twitch · curated-twitch · GLOBAL · Misinformation · Enforcement actions on "
                                           "reported behavior · half"].set_index("kind")
    assert list(misinformation.index) == ["start", "stop"] and set(misinformation.beside) == {""}
    assert misinformation.loc["start", "documented_by"] == \
        "card curated-twitch: Twitch reports a Misinformation category from 2022-H1."


def test_renamed_series_continue_and_are_no_break(real_atlas):
    """Renames declared as data keep one line: no break in TikTok's under-13 removals ('Ban reason' -> 'Ban reason -
    safety'), Apple's or Microsoft's NCMEC counts (NCMEC's spellings), or NCMEC's renamed heading for Twitch."""
    found = breaks.series_breaks(real_atlas)
    assert not found.series.str.contains("Accounts suspected to be under the age of 13 removed").any()
    for platform in ("Apple", "Microsoft", "Twitch"):
        assert not found.series.str.startswith(f"{platform} · ncmec-esp · ").any(), platform


def test_an_undeclared_rename_is_caught(tmp_path):
    """A label renamed between editions with nothing saying so is an adjacent break left undocumented."""
    rows = [obs("twitch", quarter(2023, q), q, label="Child safety") for q in (1, 2)]
    rows += [obs("twitch", quarter(2023, q), q, label="Youth safety") for q in (3, 4)]
    rows += [obs("twitch", quarter(2023, q), 10 + q, label="Spam", area="STATEMENT_CATEGORY_SCAMS_AND_FRAUD")
             for q in (1, 2, 3, 4)]
    store = make_store(tmp_path, {"toy": rows})
    found = breaks.series_breaks(store).set_index("kind")
    assert found.loc["stop", "series"].endswith("Child safety · content actioned · quarter")
    assert found.loc["start", "series"].endswith("Youth safety · content actioned · quarter")
    assert found.loc["stop", "beside"] == found.loc["start", "series"]
    assert (found["date"] == pd.Timestamp("2023-07-01")).all() and (found["documented_by"] == "").all()
