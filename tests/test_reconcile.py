"""`tatlas reconcile`: every DSA transparency report against the statements of reasons in the DSA Transparency
Database. The H2 2025 rows on the real atlas equal what was counted by hand from ../shared/data (the reports' CSV
parts and shantay's daily statistics); a real report mutated the way filers write (a sentence for a number) and a
small store with known numbers pin down the notes, the coverage and the ranking."""
from __future__ import annotations

import csv
import io
import json
import math
import shutil
from datetime import date, timedelta

import pandas as pd
import pytest
from click.testing import CliRunner

from collectors import REGISTRY
from reports.ingest.build import build
from reports.model.errors import AtlasError
from reports.model.periods import day, half, month
from reports.query import reconcile_sides
from reports.query.reconcile import CONTRACT, as_text, exported, reconcile
from reports.store.database import Store
from tatlas.cli import main
from tests.conftest import only_row, shared
from tests.test_analysis import make_store, obs

# Counted by hand for 2025-07-01 to 2025-12-31: parts 5 + 6 TOTAL own-initiative measures (EU) against the
# statements with source type SOURCE_VOLUNTARY, and the days the daily statistics hold for the service.
OWN_INITIATIVE_H2_2025 = {
    "x": (20_868_183, 0, 132),  # part 5 left as the empty template; part 6 TOTAL 20,868,183
    "snapchat": (0 + 11_279_462, 689_604, 184),
    "tiktok": (258_691_522, 169_189_795, 148),  # part 5 left as the empty template
    "facebook": (96_466 + 171_807_219, 183_874_497, 182),
    "instagram": (15_740 + 55_916_456, 53_092_434, 182),
    "youtube": (29_951_489, 51_494_084, 184),  # part 5 left as the empty template; its ads apart
}


@pytest.fixture(scope="module")
def h2(real_atlas) -> pd.DataFrame:
    return reconcile(real_atlas, periods=["2025-H2"])


def row(df: pd.DataFrame, platform: str, measure: str, area: str = "ALL"):
    return only_row(df, platform=platform, measure=measure, policy_area=area)


@pytest.mark.parametrize("platform", sorted(OWN_INITIATIVE_H2_2025))
def test_own_initiative_h2_2025_as_counted_by_hand(h2, platform):
    report, database, days = OWN_INITIATIVE_H2_2025[platform]
    r = row(h2, platform, "own_initiative")
    assert (r.report_value, r.database_value, r.database_days, r.period_days) == (report, database, days, 184)
    assert r.period == "2025-H2" and r.unit == "count"
    if database:
        assert r.ratio == pytest.approx(report / database)
    assert ("cover" in r.note and f"{days} of 184 days" in r.note) == (days < 184)  # a partial period is said
    assert "monthly sums of daily counts (2025-07 to 2025-12) of source_type=SOURCE_VOLUNTARY" in r.derived \
        or database == 0


def test_the_notes_say_what_is_missing_on_each_side(h2):
    x = row(h2, "x", "own_initiative")
    assert math.isnan(x.ratio) and x.flag is True and x["rank"] == 1  # a report value against a database zero first
    assert "X (formerly Twitter) sent no voluntary statement of reasons" in x.note
    assert "part 5 TOTAL (own-initiative measures, illegal content) not counted: part left as the empty template " \
           "(no figures) (5_own_initiative_illegal.csv)" in x.note
    tiktok = row(h2, "tiktok", "own_initiative")
    assert "part left as the empty template" in tiktok.note and "148 of 184 days" in tiktok.note
    assert str(tiktok.database_first_day.date()) == "2025-07-01" and str(tiktok.database_last_day.date()) == "2025-12-31"
    youtube = row(h2, "youtube", "own_initiative")
    # The `_Ads` files are another surface: named, never summed into YouTube's own figure.
    assert "for surface=ads (48,253,773) is printed apart and never summed" in youtube.note
    assert youtube.report_value == 29_951_489
    snapchat = row(h2, "snapchat", "own_initiative")  # part 5 printed 0: a zero, counted, no note
    assert snapchat.note == "" and snapchat.derived.startswith("report: sum of part 5 TOTAL")


def test_notices_and_the_automated_share_h2_2025(h2):
    notices = {p: row(h2, p, "notices") for p in ("snapchat", "facebook", "youtube", "x", "tiktok")}
    assert (notices["snapchat"].report_value, notices["snapchat"].database_value) == (2 + 2_959, 1_755_553 + 390)
    assert (notices["facebook"].report_value, notices["facebook"].database_value) == (5_053 + 150_160, 186_213 + 809)
    assert (notices["youtube"].report_value, notices["youtube"].database_value) == (412_096 + 6_665, 210_933 + 1)
    assert (notices["tiktok"].report_value, notices["tiktok"].database_value) == (61_109 + 34_884, 59_412 + 163)
    assert notices["x"].report_value == 122_217 + 265_878 and notices["x"].database_value == 0
    facebook = row(h2, "facebook", "automated")
    assert facebook.report_value == pytest.approx(148_985_779 / (148_985_779 + 22_917_906))
    assert facebook.database_value == 0 and "marked no statement of reasons as decided fully automatically" in facebook.note
    youtube = row(h2, "youtube", "automated")
    assert youtube.report_value == pytest.approx(28_307_169 / (28_307_169 + 2_059_689))
    assert youtube.database_value == pytest.approx(23_153_562 / (23_153_562 + 26_529_811 + 2_192_530))
    assert "22,380,020" in youtube.note and youtube.unit == "ratio"
    tiktok = row(h2, "tiktok", "automated")
    assert tiktok.report_value == pytest.approx(220_217_619 / (220_217_619 + 14_874_341))
    assert tiktok.database_value == pytest.approx(156_082_176 / (156_082_176 + 13_167_150 + 1_278))


def test_by_category_against_statements_from_all_sources(h2):
    scams = row(h2, "facebook", "all_sources", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD")
    assert scams.report_value == 46_094 + 12_656_725 + 0 + 0 and scams.database_value == 135_291_170
    assert scams.database_days == 182 and "sum of 182 daily counts" in scams.derived
    minors = row(h2, "tiktok", "all_sources", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS")
    assert (minors.report_value, minors.database_value) == (85_825_447, 3_482_159)
    assert "left empty in the report (a gap, not a zero)" in minors.note  # TikTok's part 4 by category
    total = row(h2, "tiktok", "all_sources")
    assert total.database_value == 169_250_604 and total.database_days == 148
    # Meta's own category for own-initiative actions on likely illegal content is none of the database's.
    other = row(h2, "facebook", "all_sources", "STATEMENT_CATEGORY_OTHER_ILLEGAL")
    assert other.report_value == 31_398 and math.isnan(other.database_value)
    assert "not a statement category of the DSA Transparency Database" in other.note


def test_ranked_totals_first_then_categories_each_by_disagreement(h2):
    assert list(h2["rank"]) == list(range(1, len(h2) + 1))
    totals = h2[h2.policy_area == "ALL"]
    assert list(totals.index) == list(range(len(totals)))  # every total before any category
    assert [tuple(r) for r in totals[["platform", "measure"]].head(4).itertuples(index=False)] == [
        ("x", "own_initiative"), ("x", "notices"), ("facebook", "automated"), ("instagram", "automated")]
    finite = totals.dropna(subset=["ratio"])
    finite = finite[finite.ratio > 0]
    logs = [abs(math.log(r)) for r in finite.ratio]
    assert logs == sorted(logs, reverse=True)
    assert set(h2.platform) == set(OWN_INITIATIVE_H2_2025) and set(h2.period) == {"2025-H2"}


def test_a_period_the_database_barely_covers_is_shown_not_compared(real_atlas):
    df = reconcile(real_atlas, ["tiktok"], ["2026-H1"], ["own_initiative"])
    r = only_row(df, measure="own_initiative")
    assert (r.report_value, r.database_days, r.period_days) == (291_093_794, 10, 181)  # statistics end 2026-01-10
    assert r.flag is None and "cover 10 of 181 days" in r.note and "not compared" in r.note


def test_the_measures_are_data():
    ids = reconcile_sides.measure_ids()
    assert ids == ["own_initiative", "notices", "automated", "all_sources"]
    own = reconcile_sides.measures()[0]
    assert [(t.part, t.metric, t.breakdown) for t in own.report] == [
        (5, "own_initiative_measures", "basis=illegal_content"), (6, "own_initiative_measures", "basis=terms_and_conditions")]
    assert own.database == ("source_type=SOURCE_VOLUNTARY",)
    with pytest.raises(AtlasError, match="unknown measure"):
        reconcile(Store(None), measure_ids=["nope"])


def test_a_sentence_for_a_figure_and_a_service_the_database_never_heard_of(tmp_path):
    """X's part 6 with words in its TOTAL cell, built without the database: the report's value is empty (never
    zero) and says why; the database side is empty and says it holds nothing of X."""
    folder = tmp_path / "sources" / "dsa-reports" / "x"
    shutil.copytree(shared("dsa-reports", "x"), folder)
    part_6 = folder / "6_own_initiative_TC.csv"
    text = part_6.read_text(encoding="utf-8-sig")
    assert text.count('"20,868,183"') == 1
    part_6.write_text(text.replace('"20,868,183"', '"See the X transparency centre for the total"'), encoding="utf-8")
    build(tmp_path / "sources", tmp_path / "atlas.duckdb", {"dsa-report": REGISTRY["dsa-report"]})
    with Store(tmp_path / "atlas.duckdb", read_only=True) as store:
        df = reconcile(store)
    own = row(df, "x", "own_initiative")
    assert math.isnan(own.report_value) and math.isnan(own.database_value) and own.database_days == 0
    assert "words instead of a number, 'See the X transparency centre for the total'" in own.note
    assert "part left as the empty template" in own.note
    assert "the database holds no statement of reasons of X (formerly Twitter) from 2025-07-01 to 2025-12-31" in own.note
    notices = row(df, "x", "notices")
    assert notices.report_value == 388_095 and math.isnan(notices.database_value) and notices.flag is None
    assert df["rank"].tolist() == list(range(1, len(df) + 1))


def synthetic(tmp_path) -> Store:
    """Snapchat covered every day, X 30 days of 184, Twitch not at all; known numbers everywhere."""
    h2, area = half(2025, 2), "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    eu = {"region": "EU", "area": "ALL"}
    report = [obs("snapchat", h2, 10, metric="own_initiative_measures", breakdown="basis=illegal_content", **eu),
              obs("snapchat", h2, 90, metric="own_initiative_measures", breakdown="basis=terms_and_conditions", **eu),
              obs("snapchat", h2, 1000, metric="own_initiative_measures", **eu,
                  breakdown="basis=illegal_content;keyword=KEYWORD_X"),  # a finer cut: never summed
              obs("snapchat", h2, 40, metric="own_initiative_measures", breakdown="basis=terms_and_conditions",
                  region="EU", area=area),
              obs("snapchat", h2, 5, metric="notice_actions", breakdown="basis=law", **eu),
              obs("snapchat", h2, 5, metric="notice_actions", breakdown="basis=terms_and_conditions", **eu),
              obs("snapchat", h2, 80, metric="measures_automated", **eu),
              obs("snapchat", h2, 20, metric="measures_not_automated", **eu),
              obs("x", h2, 50, metric="own_initiative_measures", breakdown="basis=terms_and_conditions", **eu),
              obs("twitch", h2, 7, metric="own_initiative_measures", breakdown="basis=terms_and_conditions", **eu)]
    days = [date(2025, 7, 1) + timedelta(days=n) for n in range(184)]
    tdb = [obs("snapchat", day(d), 3, metric="sor_count", **eu) for d in days]
    tdb += [obs("snapchat", day(d), 1, metric="sor_count", region="EU", area=area) for d in days]
    tdb += [obs("x", day(d), 2, metric="sor_count", **eu) for d in days[:30]]
    for m in range(7, 13):
        tdb += [obs("snapchat", month(2025, m), 20, metric="sor_count", breakdown="source_type=SOURCE_VOLUNTARY", **eu),
                obs("snapchat", month(2025, m), 100, metric="sor_count", **eu,
                    breakdown="automated_decision=AUTOMATED_DECISION_FULLY"),
                obs("snapchat", month(2025, m), 300, metric="sor_count", **eu,
                    breakdown="automated_decision=AUTOMATED_DECISION_NOT_AUTOMATED")]
    return make_store(tmp_path, {"dsa-report": report, "dsa-tdb": tdb})


def test_sums_shares_coverage_and_ranking_with_known_numbers(tmp_path):
    df = reconcile(synthetic(tmp_path))
    own = row(df, "snapchat", "own_initiative")
    assert (own.report_value, own.database_value, own.database_days) == (100, 6 * 20, 184)  # not + 1000
    assert own.ratio == pytest.approx(100 / 120) and own.flag is True
    assert "sum of 6 monthly sums of daily counts (2025-07 to 2025-12)" in own.derived
    notices = row(df, "snapchat", "notices")
    assert (notices.report_value, notices.database_value) == (10, 0) and notices["rank"] == 1
    assert "sent no statement of reasons on a notice" in notices.note
    automated = row(df, "snapchat", "automated")
    assert (automated.report_value, automated.database_value) == (pytest.approx(0.8), pytest.approx(0.25))
    # By category: the database's own daily total for ALL (never total + categories), its categories per day.
    assert (row(df, "snapchat", "all_sources").database_value, row(df, "snapchat", "all_sources").report_value) == \
        (3 * 184, 110)
    minors = row(df, "snapchat", "all_sources", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS")
    assert (minors.report_value, minors.database_value) == (40, 184)
    x = row(df, "x", "own_initiative")  # 30 of 184 days: shown, not compared, ranked after the compared rows
    assert (x.report_value, x.database_value, x.database_days, x.flag) == (50, 0, 30, None)
    assert "cover 30 of 184 days" in x.note
    twitch = row(df, "twitch", "own_initiative")
    assert twitch.report_value == 7 and math.isnan(twitch.database_value) and twitch.database_days == 0
    assert "holds no statement of reasons of Twitch" in twitch.note
    totals = df[df.policy_area == "ALL"]
    assert set(totals.tail(len(totals[totals.flag.isna()])).flag.isna()) == {True}
    assert x["rank"] > own["rank"] and twitch["rank"] > own["rank"]


def test_the_command_answers_the_ranking_question_in_one_line(real_atlas):
    runner = CliRunner()
    out = runner.invoke(main, ["reconcile", "--period", "2025-H2", "--db", str(real_atlas.path)])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    first = next(line for line in lines if line.strip().startswith("1 "))
    assert first.split()[:4] == ["1", "x", "2025-H2", "own_initiative"] and "20,868,183" in first
    assert any("sent no voluntary statement of reasons" in line for line in lines)
    tiktok = next(line for line in lines if " tiktok " in line and " own_initiative " in line and " ALL " in line)
    assert "258,691,522" in tiktok and "169,189,795" in tiktok and "148/184" in tiktok

    listed = runner.invoke(main, ["reconcile", "--period", "2025-H2", "--measure", "own_initiative", "--format", "csv",
                                  "--db", str(real_atlas.path)])
    rows = list(csv.DictReader(io.StringIO(listed.output)))
    assert list(rows[0])[: len(CONTRACT)] == CONTRACT
    instagram = next(r for r in rows if r["platform"] == "instagram")
    assert (instagram["report_value"], instagram["database_value"]) == ("55932196", "53092434")
    assert (instagram["database_days"], instagram["period_days"], instagram["period"]) == ("182", "184", "2025-H2")
    assert instagram["report_document_sha256"] and instagram["database_document_sha256"]
    assert "6_own_initiative_TC.csv, row 2" in instagram["report_locator"]

    as_json = runner.invoke(main, ["reconcile", "--platform", "snapchat", "--period", "2025-H2", "--format", "json",
                                   "--db", str(real_atlas.path)])
    records = json.loads(as_json.output)
    snap = next(r for r in records if r["measure"] == "own_initiative")
    assert (snap["report_value"], snap["database_value"], snap["database_first_day"]) == (11_279_462, 689_604,
                                                                                          "2025-07-01")

    nothing = runner.invoke(main, ["reconcile", "--period", "1999-H1", "--db", str(real_atlas.path)])
    assert nothing.exit_code == 2 and "no DSA report for period 1999-H1" in nothing.output
    assert "tiktok 2025-H2" in nothing.output


def test_text_and_export_forms(h2):
    shown = as_text(h2)
    fb = shown[(shown.platform == "facebook") & (shown.measure == "automated")].iloc[0]
    assert (fb.report_value, fb.database_value, fb.database_days) == ("86.7%", "0.0%", "182/184")
    out = exported(h2)
    assert out.loc[out.measure == "own_initiative", "report_value"].map(type).eq(int).all()
