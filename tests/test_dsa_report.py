"""EU DSA harmonised transparency reports: exact published values from every real report and every imported part,
the forms a report is published in (CSV parts, ZIP, XLSX with localised sheet names), sniffing, the faults real
filers make, and openness: real reports mutated here the way publishers change them (a new service, a renamed or
added indicator, a dropped part, moved rows, merged cells, a sentence for a number, an `_Ads` file, a workbook, a
ZIP) still build, with the changed figures flagged and every other figure exactly as in the unmutated parse."""
from __future__ import annotations

import csv
import functools
import io
import math
import shutil
import zipfile
from pathlib import Path

import pytest

from collectors import REGISTRY
from collectors.dsa_report.mappings import indicator_rows
from collectors.dsa_report.tables import norm
from reports.ingest.register import register
from reports.model.errors import ParseError
from tests.conftest import only_row as one
from tests.conftest import shared

COLLECTOR = REGISTRY["dsa-report"]
TIKTOK_H2 = "DSA_Transparency_Report_TikTok_July_December_2025"
TIKTOK_H1 = "DSA_Transparency_Report_TikTok_January_June_2026"


def report_files(report: str) -> list[Path]:
    """The CSV parts of one real report: `tiktok-2025-H2`, `tiktok-2026-H1`, `snapchat`, `x`, `facebook`,
    `instagram`, `youtube`."""
    if report.startswith("tiktok"):
        prefix = TIKTOK_H2 if report.endswith("2025-H2") else TIKTOK_H1
        return sorted(shared("dsa-reports", "tiktok").glob(f"{prefix} - *.csv"))
    return sorted(shared("dsa-reports", report).glob("*.csv"))


@functools.cache
def parsed(report: str):
    docs = [register(p, REGISTRY["dsa-report"].card) for p in report_files(report)]
    return docs, COLLECTOR.read(docs)


def value(report: str, **where) -> float | None:
    row = one(parsed(report)[1].observations, **{"region": "EU", "breakdown": "", "policy_area": "ALL", **where})
    return None if math.isnan(row["value"]) else row["value"]


# -- exact published values, every report, every imported part -------------------------------------------------

@pytest.mark.parametrize("report, metric, where, expected", [
    # part 10: average monthly active recipients
    ("tiktok-2025-H2", "active_recipients", {}, 178_300_000),
    ("tiktok-2025-H2", "active_recipients", {"region": "AT"}, 2_700_000),
    ("tiktok-2026-H1", "active_recipients", {}, 189_000_000),
    ("tiktok-2026-H1", "active_recipients", {"region": "SK"}, 1_200_000),
    ("snapchat", "active_recipients", {}, 97_153_476),
    ("snapchat", "active_recipients", {"region": "SI"}, 468_053),
    ("x", "active_recipients", {}, 64_767_887),
    ("x", "active_recipients", {"region": "AT"}, 942_504),
    # part 8: automated means
    ("tiktok-2025-H2", "measures_automated", {}, 220_217_619),
    ("tiktok-2025-H2", "measures_not_automated", {}, 14_874_341),
    ("tiktok-2025-H2", "measures_automated", {"region": "SI"}, 723_844),  # printed "SI " with a trailing space
    ("tiktok-2026-H1", "automated_accuracy", {}, 0.92),
    ("tiktok-2026-H1", "measures_automated", {"region": "AT"}, 2_821_636),
    ("tiktok-2026-H1", "automated_accuracy", {"region": "CY"}, 0.778),
    ("snapchat", "measures_automated", {}, 65_966_014),
    ("snapchat", "measures_automated", {"region": "GR"}, 288_977),  # printed EL, the EU's code for Greece
    ("snapchat", "automated_accuracy", {"region": "AT"}, 0.86),  # printed 86%
    ("snapchat", "automated_accuracy", {}, 1.0),
    ("snapchat", "measures_not_automated", {"breakdown": "basis=own_initiative"}, 3_243_827),
    ("snapchat", "notices_not_automated", {"breakdown": "basis=notices;flagger=trusted"}, 638),
    ("x", "measures_automated", {}, 19_495_887),
    ("x", "automated_accuracy", {}, 0.9884),
    ("x", "measures_automated", {"region": "en", "breakdown": "region_kind=language"}, 7_437_160),
    ("x", "automated_precision", {"breakdown": "basis=notices;flagger=trusted"}, 0.7167),
    ("x", "notices_automated", {"breakdown": "basis=notices"}, 3_409),
    # part 9: human resources
    ("tiktok-2025-H2", "moderators", {"breakdown": "employment=internal"}, 91),
    ("tiktok-2025-H2", "moderators", {"breakdown": "employment=external"}, 3_583),
    ("tiktok-2025-H2", "moderators", {}, 3_674),
    ("tiktok-2025-H2", "moderators", {"region": "cs", "breakdown": "region_kind=language"}, 25),  # printed CZ
    ("tiktok-2025-H2", "moderators", {"region": "en", "breakdown": "region_kind=language"}, 1_321),  # printed EN
    ("tiktok-2025-H2", "moderators", {"region": "el", "breakdown": "region_kind=language"}, 31),  # printed GR
    ("tiktok-2026-H1", "moderators", {"breakdown": "employment=internal"}, 62),
    ("tiktok-2026-H1", "moderators", {}, 3_738),
    ("tiktok-2026-H1", "moderators", {"region": "bg", "breakdown": "region_kind=language"}, 15),  # printed Bulgarian
    ("snapchat", "moderators", {"breakdown": "employment=external"}, 1_374),
    ("snapchat", "moderators", {"region": "en", "breakdown": "region_kind=language"}, 1_123),
    ("snapchat", "moderators", {"region": "cs", "breakdown": "region_kind=language"}, 0),
    ("x", "moderators", {"breakdown": "employment=internal"}, 268),
    ("x", "moderators", {}, 1_059),
    ("x", "moderators", {"region": "en", "breakdown": "region_kind=language"}, 1_088),
    # part 7: complaints, out-of-court disputes, suspensions
    ("tiktok-2025-H2", "complaints_received", {"breakdown": "subject=account_suspension"}, 917_407),
    ("tiktok-2025-H2", "complaint_outcomes", {"breakdown": "subject=account_suspension;outcome=reversed"}, 362_011),
    ("tiktok-2025-H2", "complaint_median_time", {"breakdown": "subject=account_suspension"}, 0.34),
    ("tiktok-2025-H2", "ods_disputes", {}, 4_501),
    ("tiktok-2025-H2", "ods_outcomes_implemented", {}, 0.403),
    ("tiktok-2026-H1", "complaints_received", {}, 14_589_660),
    ("tiktok-2026-H1", "complaint_median_time", {}, 0.428916667),
    ("snapchat", "complaints_received", {}, 130_767),
    ("snapchat", "complaint_median_time", {}, 11),
    ("snapchat", "ods_median_time", {}, 29 * 24),  # Snap states this median in days
    ("snapchat", "ods_outcomes_implemented", {}, 0.5),
    ("x", "complaints_received", {}, 644_956),
    ("x", "complaint_outcomes", {"breakdown": "outcome=omitted"}, 456_322),
    ("x", "ods_median_time", {}, 2_664),
    ("x", "suspensions", {"breakdown": "reason=manifestly_illegal_content"}, 0),
    # part 4: notices
    ("tiktok-2025-H2", "notices_received", {}, 714_523),
    ("tiktok-2025-H2", "notices_trusted_flaggers", {}, 212),
    ("tiktok-2025-H2", "median_time_to_act", {"breakdown": "flagger=trusted"}, 0.98),
    ("tiktok-2026-H1", "notices_received", {}, 1_081_646),
    ("tiktok-2026-H1", "median_time_to_act", {"breakdown": "flagger=trusted"}, 12.3),
    ("snapchat", "notices_received", {}, 6_564),
    ("snapchat", "median_time_to_act", {}, 72),
    ("snapchat", "notices_received", {"policy_area": "STATEMENT_CATEGORY_ANIMAL_WELFARE"}, 218),
    ("x", "notices_received", {}, 402_010),
    ("x", "notice_items", {"breakdown": "flagger=trusted"}, 1_742),
    ("x", "notice_actions", {"breakdown": "basis=law"}, 122_217),
    ("x", "notices_received", {"policy_area": "STATEMENT_CATEGORY_ANIMAL_WELFARE", "breakdown": "keyword=KEYWORD_ANIMAL_HARM"},
     1_773),
    # parts 5 and 6: own-initiative measures
    ("tiktok-2025-H2", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions"}, 258_691_522),
    ("tiktok-2025-H2", "measures_automated_detection", {"breakdown": "basis=terms_and_conditions"}, 220_097_575),
    ("tiktok-2025-H2", "own_initiative_measures",
     {"breakdown": "basis=terms_and_conditions;restriction=visibility_removal"}, 112_104_964),
    ("tiktok-2025-H2", "own_initiative_measures",
     {"breakdown": "basis=terms_and_conditions", "policy_area": "STATEMENT_CATEGORY_ANIMAL_WELFARE"}, 414_886),
    ("tiktok-2026-H1", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions"}, 291_093_794),
    ("snapchat", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions"}, 11_279_462),
    ("snapchat", "own_initiative_measures", {"breakdown": "basis=illegal_content"}, 0),
    ("snapchat", "measures_automated_detection", {"breakdown": "basis=terms_and_conditions"}, 8_822_094),
    ("x", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions"}, 20_868_183),
    ("x", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions;restriction=visibility_removal"},
     911_255),
    # part 3: member-state orders (TikTok only files it)
    ("tiktok-2025-H2", "orders_received", {"breakdown": "order=act"}, 782),
    ("tiktok-2025-H2", "order_items", {"breakdown": "order=act"}, 4_495),
    ("tiktok-2025-H2", "orders_received", {"breakdown": "order=information"}, 10_932),
    ("tiktok-2025-H2", "orders_received", {"breakdown": "order=information", "region": "DE"}, 5_086),
    ("tiktok-2026-H1", "orders_received", {"breakdown": "order=act"}, 1_070),
    ("tiktok-2026-H1", "orders_received", {"breakdown": "order=information", "region": "FR"}, 2_934),
    # Facebook 2025-H2 (Meta; label cells left blank below the first row in parts 9 and 10)
    ("facebook", "active_recipients", {}, 262_480_454),
    ("facebook", "active_recipients", {"region": "AT"}, 4_167_448),
    ("facebook", "active_recipients", {"region": "BE"}, 8_042_219),  # row ",,,,,BE,..." : indicator from above
    ("facebook", "active_recipients", {"region": "GR"}, 6_511_774),  # printed EL
    ("facebook", "active_recipients", {"region": "SK"}, 3_402_089),
    ("facebook", "moderators", {}, 7_704),
    ("facebook", "moderators", {"region": "de", "breakdown": "region_kind=language"}, 659),
    ("facebook", "moderators", {"region": "sv", "breakdown": "region_kind=language"}, 63),
    ("facebook", "measures_automated", {}, 148_985_779),
    ("facebook", "measures_automated", {"breakdown": "basis=own_initiative"}, 159_087_385),  # printed "own initiative  "
    ("facebook", "automated_precision", {}, 0.96),
    ("facebook", "automated_recall", {"region": "bg", "breakdown": "region_kind=language"}, 0.36),
    ("facebook", "automated_precision", {"policy_area": "STATEMENT_CATEGORY_CYBER_VIOLENCE"}, 0.99),  # scope = category
    ("facebook", "complaints_received", {}, 6_636_461),
    ("facebook", "complaint_outcomes", {"breakdown": "outcome=reversed"}, 1_998_821),
    ("facebook", "complaint_median_time", {}, 1.06),
    ("facebook", "complaints_received", {"breakdown": "subject=account_suspension"}, 3_934_691),
    ("facebook", "ods_disputes", {}, 3_935),
    ("facebook", "ods_outcomes_implemented", {}, 0.02),
    ("facebook", "notices_received", {}, 788_745),
    ("facebook", "notices_trusted_flaggers", {"policy_area": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"}, 27),
    ("facebook", "median_time_to_act", {}, 14.8),
    ("facebook", "notice_actions", {"breakdown": "basis=terms_and_conditions"}, 150_160),
    ("facebook", "own_initiative_measures", {"breakdown": "basis=illegal_content"}, 96_466),
    ("facebook", "own_initiative_measures", {"breakdown": "basis=illegal_content;restriction=visibility_disable"}, 95_229),
    ("facebook", "own_initiative_measures",
     {"breakdown": "basis=illegal_content", "policy_area": "STATEMENT_CATEGORY_OTHER_ILLEGAL"}, 31_398),
    ("facebook", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions"}, 171_807_219),
    ("facebook", "measures_automated_detection", {"breakdown": "basis=terms_and_conditions"}, 148_905_624),
    ("facebook", "own_initiative_measures", {"policy_area": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
                                             "breakdown": "basis=terms_and_conditions;keyword=KEYWORD_OTHER_SPAM"}, 6_627_768),
    # Instagram 2025-H2
    ("instagram", "active_recipients", {}, 288_737_559),
    ("instagram", "active_recipients", {"region": "AT"}, 5_270_511),
    ("instagram", "active_recipients", {"region": "DE"}, 48_183_673),  # indicator cell blank
    ("instagram", "active_recipients", {"region": "SK"}, 2_694_254),
    ("instagram", "moderators", {}, 7_704),
    ("instagram", "moderators", {"region": "pt", "breakdown": "region_kind=language"}, 1_923),
    ("instagram", "measures_automated", {}, 45_002_810),
    ("instagram", "measures_automated", {"breakdown": "basis=own_initiative"}, 45_002_810),
    ("instagram", "automated_recall", {"policy_area": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"}, 0.96),
    ("instagram", "complaints_received", {}, 8_668_843),
    ("instagram", "complaint_outcomes", {"breakdown": "outcome=upheld"}, 5_214_104),
    ("instagram", "complaint_outcomes", {"breakdown": "outcome=omitted"}, 72.45),  # as printed
    ("instagram", "complaint_median_time", {}, 0.2),
    ("instagram", "ods_disputes", {}, 4_350),
    ("instagram", "notices_received", {}, 353_997),
    ("instagram", "median_time_to_act", {}, 48.18),
    ("instagram", "notices_trusted_flaggers", {"policy_area": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"}, 130),
    ("instagram", "own_initiative_measures", {"breakdown": "basis=illegal_content"}, 15_740),
    ("instagram", "own_initiative_measures",
     {"breakdown": "basis=illegal_content", "policy_area": "STATEMENT_CATEGORY_OTHER_ILLEGAL"}, 2_375),
    ("instagram", "own_initiative_measures", {"policy_area": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
                                              "breakdown": "basis=illegal_content;keyword=KEYWORD_OTHER_ILLEGALITY"}, 4_400),
    ("instagram", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions"}, 55_916_456),
    ("instagram", "own_initiative_measures",
     {"breakdown": "basis=terms_and_conditions", "policy_area": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"}, 9_257_089),
    # YouTube 2025-H2: the service, and its ads (`*_Ads.csv`, breakdown surface=ads) kept apart
    ("youtube", "notices_received", {}, 343_749),
    ("youtube", "notices_trusted_flaggers", {}, 81),
    ("youtube", "notices_received", {"policy_area": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"}, 2_545),
    ("youtube", "median_time_to_act", {"policy_area": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"}, 23),
    ("youtube", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions"}, 29_951_489),
    ("youtube", "own_initiative_measures",
     {"breakdown": "basis=terms_and_conditions", "policy_area": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"}, 11_164_592),
    ("youtube", "own_initiative_measures", {"breakdown": "basis=terms_and_conditions;surface=ads"}, 48_253_773),
    ("youtube", "measures_automated_detection", {"breakdown": "basis=terms_and_conditions;surface=ads"}, 48_088_268),
    ("youtube", "own_initiative_measures",
     {"breakdown": "basis=terms_and_conditions;surface=ads", "policy_area": "STATEMENT_CATEGORY_ANIMAL_WELFARE"}, 107),
    ("youtube", "complaints_received", {}, 408_939),
    ("youtube", "complaint_outcomes", {"breakdown": "outcome=upheld"}, 267_777),
    ("youtube", "complaint_median_time", {}, 4),
    ("youtube", "complaint_outcomes", {"breakdown": "outcome=omitted"}, 24_955),
    ("youtube", "ods_disputes", {}, 449),
    ("youtube", "ods_outcomes_implemented", {}, 0.0048),
    ("youtube", "complaints_received", {"breakdown": "surface=ads"}, 6_603_993),
    ("youtube", "suspensions", {"breakdown": "reason=manifestly_unfounded_complaints;surface=ads"}, 1_516_915),
    ("youtube", "measures_automated", {}, 28_307_169),
    ("youtube", "measures_automated", {"region": "AT"}, 632_876),  # part 8 per member state ...
    ("youtube", "measures_automated", {"region": "SE"}, 1_429_796),
    ("youtube", "measures_not_automated", {"region": "AT"}, 29_170),
    ("youtube", "notices_automated", {"breakdown": "basis=notices"}, 240_321),
    ("youtube", "notices_not_automated", {"breakdown": "basis=notices;flagger=trusted"}, 84),
    ("youtube", "measures_automated", {"breakdown": "surface=ads"}, 22_380_020),
    ("youtube", "automated_accuracy", {"breakdown": "basis=own_initiative;surface=ads"}, 0.977),
    ("youtube", "automated_recall", {"region": "bg", "breakdown": "region_kind=language;surface=ads"}, 0.9993),  # ... and
    ("youtube", "automated_precision", {"region": "sv", "breakdown": "region_kind=language;surface=ads"}, 0.912),  # language
    ("youtube", "moderators", {"breakdown": "employment=internal"}, 1_128),
    ("youtube", "moderators", {"breakdown": "employment=external"}, 7_400),
    ("youtube", "moderators", {"region": "en", "breakdown": "region_kind=language"}, 3_543),
    ("youtube", "moderators", {"breakdown": "language=agnostic"}, 6_024),  # scope "Agnostic"
    # what `tatlas reconcile` reads of the three new reports: part 4 TOTAL actions on notices, part 8 TOTAL measures
    ("facebook", "notice_actions", {"breakdown": "basis=law"}, 5_053),
    ("facebook", "notice_actions", {"breakdown": "basis=law;flagger=trusted"}, 0),
    ("facebook", "notice_actions", {"breakdown": "basis=terms_and_conditions;flagger=trusted"}, 1_116),
    ("facebook", "measures_not_automated", {}, 22_917_906),
    ("instagram", "notice_actions", {"breakdown": "basis=law"}, 1_756),
    ("instagram", "notice_actions", {"breakdown": "basis=terms_and_conditions"}, 87_519),
    ("instagram", "measures_not_automated", {}, 10_929_386),
    ("youtube", "notice_actions", {"breakdown": "basis=law"}, 412_096),
    ("youtube", "notice_actions", {"breakdown": "basis=terms_and_conditions"}, 6_665),
    ("youtube", "notice_actions", {"breakdown": "basis=law;flagger=trusted"}, 84),
    ("youtube", "measures_not_automated", {}, 2_059_689),
    ("youtube", "measures_not_automated", {"breakdown": "surface=ads"}, 25_873_753),
])
def test_exact_published_values(report, metric, where, expected):
    assert value(report, metric=metric, **where) == pytest.approx(expected, rel=1e-12)


def test_units_follow_the_indicator():
    df = parsed("tiktok-2025-H2")[1].observations
    units = df.groupby("metric")["unit"].unique().map(list).to_dict()
    assert units["active_recipients"] == ["people"] and units["moderators"] == ["people"]
    assert units["median_time_to_act"] == ["hours"] and units["automated_accuracy"] == ["ratio"]
    assert units["notices_received"] == ["count"]


def test_empty_cells_are_gaps_and_zeros_stay_zeros():
    df = parsed("snapchat")[1].observations
    gap = one(df, metric="median_time_to_act", region="EU", breakdown="flagger=trusted",
              policy_area="STATEMENT_CATEGORY_ANIMAL_WELFARE")
    zero = one(df, metric="median_time_to_act", region="EU", breakdown="flagger=trusted;keyword=KEYWORD_ANIMAL_HARM")
    assert math.isnan(gap["value"]) and gap["value_text"] == ""
    assert zero["value"] == 0.0 and zero["value_text"] == "0"
    assert value("tiktok-2026-H1", metric="complaint_outcomes", breakdown="outcome=partially_reversed") is None
    ods = one(df, metric="ods_median_time", region="EU")
    assert ods["value_text"] == "29" and ods["unit"] == "hours"


def test_quoted_thousands_and_locators_name_part_row_and_column():
    row = one(parsed("snapchat")[1].observations, metric="active_recipients", region="EU")
    assert row["value_text"] == "97,153,476"
    assert "part 10" in row["locator"] and "10_AMAR.csv" in row["locator"] and "row 2" in row["locator"]
    assert "column 'Number of average monthly active recipients during the reporting period'" in row["locator"]


def test_each_part_is_its_own_document_and_part_11_is_text():
    docs, result = parsed("tiktok-2025-H2")
    by_name = {d.name: d.sha256 for d in docs}
    amar = one(result.observations, metric="active_recipients", region="EU")
    assert amar["document_sha256"] == by_name[f"{TIKTOK_H2} - 10_AMAR.csv"]
    notices = one(result.observations, metric="notices_received", region="EU", policy_area="ALL")
    assert notices["document_sha256"] == by_name[f"{TIKTOK_H2} - 4_notices.csv"]
    text = result.document_meta[by_name[f"{TIKTOK_H2} - 11_qualitative.csv"]]["text"]
    assert text.startswith("Summary of the content moderation engaged in at the providers")
    assert not result.observations["locator"].str.contains("part 11").any()
    meta = result.document_meta[by_name[f"{TIKTOK_H2} - 1_report_identification.csv"]]
    assert meta["edition"] == "2025-H2" and str(meta["edition_date"]) == "2026-02-27"
    skipped = {s.reason for s in result.skipped}
    assert "part left as the empty template (no figures)" in skipped  # TikTok's part 5


def test_keywords_are_a_breakdown_of_their_category():
    df = parsed("snapchat")[1].observations
    other = one(df, metric="notices_received", region="EU",
                breakdown="keyword=KEYWORD_OTHER;other=Invasion of Privacy")
    assert other["policy_area"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE" and other["value"] == 557
    assert other["policy_label"] == "KEYWORD_OTHER"


def test_dates_with_slashes_and_service_names_map_to_platforms():
    _, result = parsed("snapchat")  # part 1 prints 2025/07/01 and the service as "Snap"
    df = result.observations
    assert set(df.platform) == {"snapchat"} and set(df.period) == {"2025-H2"}
    assert str(df.period_start.min().date()) == "2025-07-01" and str(df.period_end.max().date()) == "2025-12-31"
    assert set(parsed("tiktok-2026-H1")[1].observations.platform) == {"tiktok"}  # rows print "Tiktok"


def test_every_template_indicator_is_mapped():
    """Every indicator of the official template (columns of parts 3-6, indicator and scope of 7-10) has a row."""
    rows = indicator_rows()
    folder = shared("dsa-templates")
    for path in sorted(folder.glob("*.csv")):
        part = int(path.stem.split("Part_")[1].split("_")[0])
        table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        header = [norm(h) for h in table[0]]
        if part in (3, 4, 5, 6):
            first = header.index(next(h for h in header if h.startswith("number of")))
            for label in header[first:]:
                if label and not label.startswith("contextual information"):
                    assert (part, label, "") in rows, f"part {part} column {label!r}"
        elif part in (7, 8, 9, 10):
            at_indicator, at_scope = header.index("indicator"), header.index("scope")
            for row in table[1:]:
                label, scope = norm(row[at_indicator]), norm(row[at_scope])
                assert (part, label, scope) in rows or (part, label, "") in rows, f"part {part} {label!r} {scope!r}"


def test_a_sentence_for_every_figure_is_kept_as_text():
    """YouTube's part 10 gives one sentence (a link to another report) for TOTAL, AT, [...] and SE."""
    docs, result = parsed("youtube")
    df = result.observations[result.observations.metric == "active_recipients"]
    assert sorted(df.region) == ["AT", "EU", "SE"]
    assert set(df.qualifier) == {"text"} and df.value.isna().all()
    assert set(df.value_text) == {"See Feb 2026 DSA MAR report: https://storage.googleapis.com/transparencyreport/"
                                  "report-downloads/pdf-report-24_2025-7-1_2025-12-31_en_v1.pdf"}
    [placeholder] = [s for s in result.skipped if "10_AMAR.csv, row 4" in s.locator]
    assert "placeholder scope '[...]'" in placeholder.reason and "words of row 2" in placeholder.reason
    assert len([s for s in result.skipped if "8_automated_means.csv" in s.locator and "'[...]'" in s.reason]) == 3


def test_ranges_and_repeated_rows_told_apart_by_their_context():
    """YouTube's part 8 prints accuracy twice for one scope ('for Videos', 'for Comments'), each as a range."""
    df = parsed("youtube")[1].observations
    videos = df[(df.metric == "automated_accuracy") & (df.region == "EU")
                & df.breakdown.str.startswith("detail=System level accuracy for Videos;")]
    assert sorted(zip(videos.breakdown, videos.value, videos.qualifier, strict=True)) == [
        ("detail=System level accuracy for Videos;bound=lower", 0.998, "range_lower"),
        ("detail=System level accuracy for Videos;bound=upper", 0.999, "range_upper")]
    assert set(videos.value_text) == {"0.998 - 0.999"}
    recall = df[(df.metric == "automated_recall") & (df.region == "EU") & ~df.breakdown.str.contains("basis=|surface=")]
    assert sorted(recall.breakdown.str.split(";").str[0].unique()) == [
        "detail=H2 Violative View Rate (VVR) for Comments", "detail=Q3 Violative View Rate (VVR) for Videos",
        "detail=Q4 Violative View Rate (VVR) for Videos"]
    precision = one(df, metric="automated_precision", region="EU", breakdown="bound=upper")  # printed once: no detail
    assert precision["value"] == 0.871


def test_the_ads_files_are_another_surface_in_the_same_report():
    files = report_files("youtube")
    assert [len(b) for b in COLLECTOR.bundles(files)] == [12]
    docs, result = parsed("youtube")
    df = result.observations
    ads = df[df.breakdown.str.contains("surface=ads")]
    by_name = {d.sha256: d.name for d in docs}
    assert set(ads.document_sha256.map(by_name)) == {"6_own_initiative_TC_Ads.csv", "7_appeals_and_recidivism_Ads.csv",
                                                     "8_automated_means_Ads.csv"}
    assert not df[~df.breakdown.str.contains("surface=ads")].document_sha256.map(by_name).str.contains("_Ads").any()
    # the service's totals are the service's own, never the sum with its ads
    assert one(df, metric="complaints_received", region="EU", breakdown="")["value"] == 408_939
    assert one(df, metric="own_initiative_measures", region="EU", policy_area="ALL",
               breakdown="basis=terms_and_conditions")["value"] == 29_951_489


def test_published_gaps_in_the_new_reports_stay_gaps():
    assert value("youtube", metric="moderators") is None  # "Total number" left empty beside 6,024 "Agnostic"
    assert value("facebook", metric="moderators", breakdown="employment=internal") is None
    assert value("facebook", metric="complaint_outcomes", breakdown="outcome=partially_reversed") is None
    assert value("youtube", metric="automated_accuracy", breakdown="surface=ads") is None


def test_merged_label_cells_are_noted():
    notes = parsed("facebook")[1].notes
    assert any("10_AMAR.csv" in n and "merged cells" in n for n in notes)
    row = one(parsed("facebook")[1].observations, metric="active_recipients", region="BE")
    assert "row 4" in row["locator"] and row["metric_label"] == ("Number of average monthly active recipients during "
                                                                 "the reporting period")


@pytest.mark.parametrize("name, part, surface", [
    ("6_own_initiative_TC_Ads", 6, "ads"),
    ("6_own_initiative_TC - Ads", 6, "ads"),
    ("6_own_initiative_TC (Ads)", 6, "ads"),
    ("DSA_Transparency_Report_YouTube_July_December_2025 - 8_automated_means_Advertising", 8, "ads"),
    ("4_notices", 4, ""),
    ("4_notices (1)", 4, ""),
    ("4_notices_v2", 4, ""),
    ("4_notices_2025-H2", 4, ""),
    ("Report_2025_H2 - 10_AMAR", 10, ""),
    ("4_EN_Annex_I__Templates_for_Transparency_Reports_CSV_Part_10_AMAR", 10, ""),
    ("10_AMAR_final_v2", 10, ""),
    ("9_human_resources_YouTube", 9, ""),  # the service's own name
    ("7_appeals_and_recidivism_Marketplace", 7, "marketplace"),
    ("Snapchat DSA Transparency Report H2 2025 - Part 10 - AMAR", 10, ""),
    ("X Part 4: Notices", 4, ""),
    ("Report H1 2026 - Part 6 – Own initiative TC – Ads", 6, "ads"),
])
def test_the_surface_is_what_a_name_adds_to_the_templates_part_name(tmp_path, name, part, surface):
    from collectors.dsa_report.names import assign_surfaces, part_name
    from collectors.dsa_report.tables import Report, Table
    from reports.model.periods import half

    assert part_name(name).part == part
    doc = register(shared("dsa-reports", "x", "10_AMAR.csv"), REGISTRY["dsa-report"].card)
    table = Table(doc, name, [], 0, part=part, label=name)
    assign_surfaces([table], Report("youtube", "YouTube", "Google", half(2025, 2), None))
    assert table.surface == surface


@pytest.mark.parametrize("title, surface", [("Meldungen (Ads)", "ads"), ("Réclamations - Ads", "ads"),
                                            ("Moyens automatisés Ads", "ads"), ("Avisos", ""), ("Ads", "")])
def test_a_sheet_name_may_name_the_surface(title, surface):
    from collectors.dsa_report.names import trailing_surface

    assert (trailing_surface(title) or "") == surface


# -- the forms a report is published in -------------------------------------------------------------------------

def build_summary(sources: Path, db: Path):
    from reports.ingest.build import build

    return build(sources, db, {"dsa-report": COLLECTOR})


def test_build_sniffs_a_report_in_any_folder(tmp_path):
    """A user's download under an arbitrary folder name is recognised by content and imported."""
    folder = tmp_path / "my downloads" / "pinterest-ish"
    folder.mkdir(parents=True)
    for path in report_files("x"):
        shutil.copy(path, folder / path.name)
    summary = build_summary(tmp_path / "my downloads", tmp_path / "atlas.duckdb")
    assert not summary.unclaimed
    from reports.store.database import Store

    with Store(tmp_path / "atlas.duckdb", read_only=True) as store:
        latest = store.latest("metric = 'active_recipients' AND region = 'EU'")
        assert list(latest.value) == [64_767_887] and list(latest.platform) == ["x"]


def test_bundles_split_two_reports_in_one_folder():
    files = sorted(shared("dsa-reports", "tiktok").glob("*.csv"))
    bundles = COLLECTOR.bundles(files)
    assert sorted(len(b) for b in bundles) == [10, 11]
    assert all(len({p.name.split(" - ")[0] for p in b}) == 1 for b in bundles)


def test_bundles_split_one_prefix_by_reporting_period(tmp_path):
    """Two reports saved with the same bare part names in one folder are told apart by their periods."""
    for period, folder in (("tiktok-2025-H2", tmp_path / "a"), ("tiktok-2026-H1", tmp_path / "b")):
        folder.mkdir()
        for path in report_files(period):
            if path.name.split(" - ")[1].startswith(("1_", "10_")):
                shutil.copy(path, folder / path.name.split(" - ")[1])
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for path in (tmp_path / "a").iterdir():
        shutil.copy(path, mixed / path.name)
    for path in (tmp_path / "b").iterdir():
        shutil.copy(path, mixed / ("2026 " + path.name))
    assert len(COLLECTOR.bundles(sorted(mixed.iterdir()))) == 2


def test_a_zip_of_the_parts(tmp_path):
    archive = tmp_path / "snap-report.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in report_files("snapchat"):
            out.write(path, f"report/{path.name}")
    assert COLLECTOR.sniff(archive)
    doc = register(archive, REGISTRY["dsa-report"].card)
    result = COLLECTOR.read([doc])
    df = result.observations
    assert one(df, metric="active_recipients", region="EU")["value"] == 97_153_476
    assert one(df, metric="measures_automated", region="EU", breakdown="")["value"] == 65_966_014
    assert set(df.document_sha256) == {doc.sha256}
    assert "snap-report.zip:report/10_AMAR.csv" in one(df, metric="active_recipients", region="EU")["locator"]
    assert result.document_meta[doc.sha256]["text"]


def test_an_xlsx_workbook_with_localised_sheet_names_out_of_order(tmp_path):
    import openpyxl

    german = {"1": "Berichtsidentifikation", "10": "Durchschnittliche Nutzer", "11": "Qualitativ",
              "3": "Anordnungen", "4": "Meldungen", "5": "Eigeninitiative rechtswidrig", "6": "Eigeninitiative AGB",
              "7": "Beschwerden", "8": "Automatisierte Mittel", "9": "Personal", "2": "Kategorien"}
    book = openpyxl.Workbook()
    book.remove(book.active)
    for path in reversed(report_files("tiktok-2025-H2")):
        part = path.name.split(" - ")[1].split("_")[0]
        sheet = book.create_sheet(german[part])
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            sheet.append([int(c) if c.isdigit() and len(c) < 15 else c for c in row])
    workbook = tmp_path / "bericht.xlsx"
    book.save(workbook)
    assert COLLECTOR.sniff(workbook)
    doc = register(workbook, REGISTRY["dsa-report"].card)
    df = COLLECTOR.read([doc]).observations
    assert one(df, metric="active_recipients", region="EU")["value"] == 178_300_000
    assert one(df, metric="measures_automated", region="EU", breakdown="")["value"] == 220_217_619
    assert one(df, metric="own_initiative_measures", region="EU", policy_area="ALL",
               breakdown="basis=terms_and_conditions")["value"] == 258_691_522
    assert "sheet 'Durchschnittliche Nutzer'" in one(df, metric="active_recipients", region="EU")["locator"]


# -- what real filers do, in small files written here in the template's format ----------------------------------

IDENTIFICATION = ("Applicability,Service,Indicator,Value\n"
                  "All,Pinterest,Name of the service provider,Pinterest Europe Limited\n"
                  "All,Pinterest,Date of the publication of the report,2026/02/20\n"
                  "All,Pinterest,Starting date of reporting period,2025/07/01\n"
                  "All,Pinterest,Ending date of reporting period,2025/12/31\n")
AMAR_HEADER = "Applicability,Service,Reporting period,Section,Indicator,Scope,Value,,\n"
AMAR_ROW = ("Only for VLOPs and VLOSEs,Pinterest,2025-07-01/2025-12-31,AMAR,"
            "Number of average monthly active recipients during the reporting period ,{scope},{value},,\n")


def write_report(folder: Path, amar_rows: list[tuple[str, str]], *, encoding="utf-8", extra: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1_report_identification.csv").write_text(IDENTIFICATION, encoding=encoding)
    body = AMAR_HEADER + "".join(AMAR_ROW.format(scope=s, value=v) for s, v in amar_rows) + extra
    (folder / "10_AMAR.csv").write_bytes(body.encode(encoding))
    return sorted(folder.iterdir())


def parse_folder(files: list[Path]):
    return COLLECTOR.read([register(p, REGISTRY["dsa-report"].card) for p in files])


def test_tolerates_filer_spellings(tmp_path):
    files = write_report(tmp_path / "r", [("Total number", '"120,500,000"'), ("SI ", '"600,000"'), ("EL", "0"),
                                          ("AT", "")])
    df = parse_folder(files).observations
    assert one(df, region="EU")["value"] == 120_500_000
    assert one(df, region="SI")["value"] == 600_000
    assert one(df, region="GR")["value"] == 0.0
    assert math.isnan(one(df, region="AT")["value"])
    assert set(df.platform) == {"pinterest"} and set(df.unit) == {"people"}


def test_member_states_by_name_and_the_eu_by_other_names(tmp_path):
    rows = [("EU total", "100"), ("Germany", "50"), ("Czech Republic", "7")]
    df = parse_folder(write_report(tmp_path / "r", rows)).observations
    assert one(df, region="EU")["value"] == 100 and one(df, region="EU")["breakdown"] == ""
    assert one(df, region="DE")["value"] == 50 and one(df, region="CZ")["value"] == 7


def test_reads_windows_1252_text(tmp_path):
    files = write_report(tmp_path / "r", [("TOTAL", "1000")], encoding="cp1252")
    qualitative = ("Applicability,Service,Reporting period,Indicator,Value\n"
                   "All,Pinterest,2025-07-01/2025-12-31,Summary of the content moderation engaged in at the providers’ "
                   "own initiative,Modération « proactive » – 2025\n")
    path = tmp_path / "r" / "11_qualitative.csv"
    path.write_bytes(qualitative.encode("cp1252"))
    doc = register(path, REGISTRY["dsa-report"].card)
    result = COLLECTOR.read([register(p, REGISTRY["dsa-report"].card) for p in files] + [doc])
    assert "Modération « proactive » – 2025" in result.document_meta[doc.sha256]["text"]


def test_a_reporting_period_other_than_part_1s_names_file_part_row_and_column(tmp_path):
    """Figures of another period in a report's bundle would be stored under the wrong period: refused, named."""
    files = write_report(tmp_path / "r", [("TOTAL", "1000")], extra=(
        "All,Pinterest,2024-07-01/2024-12-31,AMAR,Number of average monthly active recipients during the reporting "
        "period,AT,5\n"))
    with pytest.raises(ParseError) as caught:
        parse_folder(files)
    message = str(caught.value)
    assert "10_AMAR.csv" in message and "part 10" in message and "row 3, column 'Reporting period'" in message


def test_words_where_a_number_belongs_are_kept_as_text(tmp_path):
    result = parse_folder(write_report(tmp_path / "r", [("TOTAL", "about 5 million"), ("AT", '"1,200"')]))
    total = one(result.observations, region="EU")
    assert math.isnan(total["value"]) and total["value_text"] == "about 5 million" and total["qualifier"] == "text"
    assert total["metric"] == "active_recipients"
    assert one(result.observations, region="AT")["value"] == 1_200


def test_an_unknown_scope_is_kept_flagged_and_recorded(tmp_path):
    result = parse_folder(write_report(tmp_path / "r", [("TOTAL", "1000"), ("Atlantis", "5")]))
    row = one(result.observations, breakdown="scope=Atlantis")
    assert (row["region"], row["value"], row["metric"]) == ("EU", 5, "active_recipients")
    assert one(result.observations, breakdown="")["value"] == 1000
    [found] = result.unmapped
    assert (found.field, found.label) == ("scopes", "Atlantis") and "row 3, column 'Scope'" in found.place
    assert any("Atlantis" in n and "scope=Atlantis" in n for n in result.notes)


def test_a_value_in_a_column_without_a_header_is_left_out_and_listed(tmp_path):
    result = parse_folder(write_report(tmp_path / "r", [("TOTAL", "1000")], extra=(
        "All,Pinterest,2025-07-01/2025-12-31,AMAR,Number of average monthly active recipients during the reporting "
        "period,AT,5,,,stray\n")))
    assert one(result.observations, region="AT")["value"] == 5
    [skipped] = [s for s in result.skipped if "stray" in s.reason]
    assert "10_AMAR.csv, row 3, column '#10'" in skipped.locator and "without a header" in skipped.reason


def test_an_unknown_indicator_is_kept_as_unmapped_with_its_words(tmp_path):
    result = parse_folder(write_report(tmp_path / "r", [("TOTAL", "1000")], extra=(
        "All,Pinterest,2025-07-01/2025-12-31,AMAR,Number of monthly visitors,AT,5\n"
        "All,Pinterest,2025-07-01/2025-12-31,AMAR,Share of logged-in visitors,AT,40%\n")))
    df = result.observations
    visitors = one(df, metric_label="Number of monthly visitors")
    assert (visitors["metric"], visitors["value"], visitors["unit"], visitors["region"]) == ("unmapped", 5, "count", "AT")
    share = one(df, metric_label="Share of logged-in visitors")
    assert (share["metric"], share["value"], share["unit"]) == ("unmapped", 0.4, "ratio")
    assert one(df, metric="active_recipients")["value"] == 1000
    fields = {(u.field, u.label) for u in result.unmapped}
    assert fields == {("indicators", "Number of monthly visitors"), ("indicators", "Share of logged-in visitors")}
    assert all("row 3, column 'Indicator'" in u.place or "row 4, column 'Indicator'" in u.place for u in result.unmapped)


def test_missing_markers_stay_gaps_and_continental_numbers_are_read(tmp_path):
    result = parse_folder(write_report(tmp_path / "r", [("TOTAL", "N/A"), ("AT", '"1.234.567"'), ("BE", '"12,5"'),
                                                        ("BG", "1\u00a0234"), ("DE", "19.1M"), ("FR", '"1,2M"')]))
    df = result.observations
    germany = one(df, region="DE")  # Temu prints its recipients in millions: 124.1M, 19.1M
    assert (germany["value"], germany["qualifier"], germany["value_text"]) == (19_100_000, "rounded", "19.1M")
    assert one(df, region="FR")["value"] == 1_200_000
    gap = one(df, region="EU")
    assert math.isnan(gap["value"]) and gap["value_text"] == "N/A" and gap["qualifier"] == ""
    assert one(df, region="AT")["value"] == 1_234_567 and one(df, region="AT")["value_text"] == "1.234.567"
    assert one(df, region="BE")["value"] == 12.5 and one(df, region="BG")["value"] == 1_234
    assert any("'1.234.567'" in n and "decimal comma or dots" in n for n in result.notes)


@pytest.mark.parametrize("start, end, label", [
    ("01/07/2025", "31/12/2025", "2025-H2"),
    ("07/01/2025", "12/31/2025", "2025-H2"),  # month first: the only reading that ends on a month's last day
    ("1 July 2025", "31 December 2025", "2025-H2"),
    ("2025.01.01", "2025.12.31", "2025"),
    ("2025-07-01 00:00:00", "2025-12-31 00:00:00", "2025-H2"),
])
def test_part_1_dates_in_other_forms(tmp_path, start, end, label):
    files = write_report(tmp_path / "r", [("TOTAL", "1")])
    text = IDENTIFICATION.replace("2025/07/01", start).replace("2025/12/31", end)
    (tmp_path / "r" / "1_report_identification.csv").write_text(text, encoding="utf-8")
    if label != "2025-H2":
        amar = tmp_path / "r" / "10_AMAR.csv"
        amar.write_text(amar.read_text(encoding="utf-8").replace("2025-07-01/2025-12-31", ""), encoding="utf-8")
    assert set(parse_folder(files).observations.period) == {label}


def test_unreadable_part_1_dates_give_way_to_the_period_the_rows_print(tmp_path):
    files = write_report(tmp_path / "r", [("TOTAL", "1")])
    text = IDENTIFICATION.replace("2025/07/01", "start of H2").replace("2025/12/31", "end of H2")
    (tmp_path / "r" / "1_report_identification.csv").write_text(text, encoding="utf-8")
    result = parse_folder(files)
    assert set(result.observations.period) == {"2025-H2"}
    assert any("'start of H2'" in n and "2025-07-01/2025-12-31" in n for n in result.notes)
    amar = tmp_path / "r" / "10_AMAR.csv"
    amar.write_text(amar.read_text(encoding="utf-8").replace("2025-07-01/2025-12-31", ""), encoding="utf-8")
    with pytest.raises(ParseError, match="cannot read part 1's reporting period"):
        parse_folder(files)


def test_a_title_above_the_header(tmp_path):
    """A filer's title line (and a blank line) above a part's header: the header is found below it."""
    folder = tmp_path / "r"
    copy_report("x", folder)
    for path in folder.iterdir():
        path.write_bytes(b"EU DSA transparency report - X - H2 2025\r\n\r\n" + path.read_bytes())
    assert all(COLLECTOR.sniff(p) for p in folder.iterdir())
    df = read_folder(folder).observations
    assert figure_map(df) == base("x")
    assert "row 3" in one(df, metric="active_recipients", region="EU")["locator"]


def test_a_bundle_without_part_1_is_refused(tmp_path):
    files = [p for p in write_report(tmp_path / "r", [("TOTAL", "1")]) if p.name.startswith("10_")]
    with pytest.raises(ParseError, match="part 1"):
        parse_folder(files)


def test_an_unknown_service_gets_a_slug_of_its_name_and_is_listed(tmp_path):
    files = write_report(tmp_path / "r", [("TOTAL", "1")])
    renamed = IDENTIFICATION.replace("Pinterest,", "Myspace,")
    (tmp_path / "r" / "1_report_identification.csv").write_text(renamed, encoding="utf-8")
    result = parse_folder(files)
    assert set(result.observations.platform) == {"myspace"}
    assert [(u.field, u.label) for u in result.unmapped] == [("platforms", "Myspace")]
    # part 10's rows still name Pinterest: stored under part 1's service, and said so
    assert any("'Pinterest'" in n and "'Myspace'" in n for n in result.notes)


def test_the_empty_template_is_skipped_not_imported():
    files = sorted(shared("dsa-templates").glob("*.csv"))
    assert all(COLLECTOR.sniff(p) for p in files if "Part_2_" not in p.name)
    result = parse_folder(files)
    assert result.observations.empty and len(result.skipped) == len(files)


def test_each_part_of_the_empty_template_alone_is_skipped_not_imported():
    for path in sorted(shared("dsa-templates").glob("*.csv")):
        result = parse_folder([path])
        assert result.observations.empty and [s.reason for s in result.skipped] == [
            "the EU's empty template, not a filed report"], path.name


def test_sniff_rejects_other_sources_files():
    assert not COLLECTOR.sniff(shared("meta-cser", "meta-2024-q2.csv"))


# -- openness: real reports mutated here the way publishers change them ----------------------------------------

FIGURE = ["platform", "period", "region", "policy_area", "policy_label", "metric", "metric_label", "breakdown"]


def figure_map(df) -> dict[tuple, tuple]:
    """Every figure of a parse by its key: value, unit, qualifier and the printed text (locators and documents
    differ between a file and its copy, so they are left out)."""
    out = {}
    for row in df.to_dict("records"):
        key = tuple(row[k] for k in FIGURE)
        assert key not in out, f"two figures {key}"
        out[key] = (None if math.isnan(row["value"]) else row["value"], row["unit"], row["qualifier"], row["value_text"])
    return out


def unchanged(base: dict, new: dict, changed=lambda key: False) -> None:
    """Every figure not `changed` is in both parses, exactly equal."""
    keep_base = {k: v for k, v in base.items() if not changed(k)}
    keep_new = {k: v for k, v in new.items() if not changed(k)}
    assert keep_new == keep_base


def copy_report(report: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for path in report_files(report):
        shutil.copy(path, folder / path.name)
    return sorted(folder.iterdir())


def load(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def save(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def part_file(folder: Path, stem: str) -> Path:
    [path] = [p for p in folder.iterdir() if p.stem.endswith(stem)]
    return path


def read_folder(folder: Path):
    return COLLECTOR.read([register(p, REGISTRY["dsa-report"].card) for p in sorted(folder.iterdir())])


def base(report: str) -> dict:
    return figure_map(parsed(report)[1].observations)


@pytest.mark.parametrize("name, slug, new", [
    ("Booking.com", "booking-com", True), ("Amazon Store", "amazon-store", True), ("Zalando", "zalando", True),
    ("AliExpress", "aliexpress", True), ("Temu", "temu", True), ("SHEIN", "shein", True), ("Wikipedia", "wikipedia", True),
    ("Zalando SE", "zalando", True), ("Microsoft Bing", "bing", False),
    ("Google Maps", "google-maps", True), ("LinkedIn", "linkedin", False), ("Bing", "bing", False),
    ("Google Play", "google-play", False), ("PINTEREST ", "pinterest", False),
    ("Pinterest Europe Limited", "pinterest", False), ("TikTok Technology Limited", "tiktok", False),
])
def test_a_report_of_another_service(tmp_path, name, slug, new):
    """X's report renamed to another service in every part: a known spelling maps, a new one gets a slug of its
    name and is listed as new (field platforms); every figure is X's, under the new platform."""
    folder = tmp_path / "r"
    for path in copy_report("x", folder):
        rows = load(path)
        at = [norm(c) for c in rows[0]].index("service") if "service" in [norm(c) for c in rows[0]] else None
        if at is not None:
            save(path, [rows[0]] + [r[:at] + [name] + r[at + 1:] if r[at:at + 1] == ["X"] else r for r in rows[1:]])
    result = read_folder(folder)
    df = result.observations
    assert set(df.platform) == {slug}
    assert [(u.field, u.label) for u in result.unmapped] == ([("platforms", " ".join(name.split()))] if new else [])
    renamed = {(slug, *key[1:]): v for key, v in base("x").items()}
    assert figure_map(df) == renamed


def test_part_1_naming_a_new_service_alone(tmp_path):
    """Only part 1 renamed (the other parts still say Facebook): stored under part 1's service, and noted."""
    folder = tmp_path / "r"
    copy_report("facebook", folder)
    path = part_file(folder, "1_report_identification")
    save(path, [[c.replace("Facebook", "Booking.com") for c in r] for r in load(path)])
    result = read_folder(folder)
    assert set(result.observations.platform) == {"booking-com"}
    assert any("'Facebook'" in n and "'Booking.com'" in n for n in result.notes)
    unchanged({k[1:]: v for k, v in base("facebook").items()},
              {k[1:]: v for k, v in figure_map(result.observations).items()})


def test_a_renamed_indicator_is_kept_verbatim_as_unmapped(tmp_path):
    folder = tmp_path / "r"
    copy_report("facebook", folder)
    notices = part_file(folder, "4_notices")
    rows = load(notices)
    rows[0] = ["Number of notices received (all channels)" if norm(c) == "number of notices received" else c
               for c in rows[0]]
    save(notices, rows)
    amar = part_file(folder, "10_AMAR")
    rows = load(amar)
    save(amar, [rows[0]] + [[c.replace("Number of average monthly active recipients", "Average monthly users")
                             for c in r] for r in rows[1:]])
    result = read_folder(folder)
    df = result.observations
    old = parsed("facebook")[1].observations
    for metric, label in (("notices_received", "Number of notices received (all channels)"),
                          ("active_recipients", "Average monthly users during the reporting period")):
        renamed = df[df.metric_label == label]
        assert set(renamed.metric) == {"unmapped"} and len(renamed) == (old.metric == metric).sum()
        before = old[old.metric == metric].set_index(["region", "policy_label", "breakdown"]).value
        assert renamed.set_index(["region", "policy_label", "breakdown"]).value.sort_index().equals(before.sort_index())
    assert one(df, metric_label="Average monthly users during the reporting period", region="BE")["value"] == 8_042_219
    assert {(u.field, u.label) for u in result.unmapped} == {
        ("indicators", "Number of notices received (all channels)"),
        ("indicators", "Average monthly users during the reporting period")}
    unchanged(base("facebook"), figure_map(df), lambda key: key[5] in ("notices_received", "active_recipients", "unmapped"))


@pytest.mark.parametrize("stem", ["4_notices", "5_own_initiative_illegal", "6_own_initiative_TC"])
def test_an_added_indicator_column(tmp_path, stem):
    """A column the template does not have, with counts and a percentage: kept as `unmapped` in its own words."""
    folder = tmp_path / "r"
    copy_report("instagram", folder)
    path = part_file(folder, stem)
    rows = load(path)
    at = next(i for i, c in enumerate(rows[0]) if norm(c).startswith("contextual information"))
    label = "Number of items geo-restricted in the EU"
    new_rows = [rows[0][:at] + [label] + rows[0][at:]]
    for number, row in enumerate(rows[1:]):
        cell = "1,234" if number == 0 else ("7%" if number == 1 else "")
        new_rows.append(row[:at] + [cell] + row[at:])
    save(path, new_rows)
    result = read_folder(folder)
    df = result.observations
    added = df[df.metric_label == label]
    assert set(added.metric) == {"unmapped"} and len(added) == len(rows) - 1
    assert one(added, policy_area="ALL")["value"] == 1_234 and one(added, policy_area="ALL")["unit"] == "count"
    second = added[added.value_text == "7%"].iloc[0]
    assert (second["value"], second["unit"]) == (0.07, "ratio")
    assert [(u.field, u.label) for u in result.unmapped] == [("indicators", label)]
    unchanged(base("instagram"), figure_map(df), lambda key: key[6] == label)


def test_a_dropped_part(tmp_path):
    folder = tmp_path / "r"
    copy_report("facebook", folder)
    part_file(folder, "8_automated_means").unlink()
    part_file(folder, "2_categories_names").unlink()
    result = read_folder(folder)
    old = parsed("facebook")[1].observations
    kept = figure_map(old[~old.locator.str.startswith("part 8 ")])
    assert figure_map(result.observations) == kept and len(kept) < len(old)


def test_moved_rows(tmp_path):
    """Parts 7-10 with their rows reversed, part 4's categories (each with its keywords) in reverse order."""
    folder = tmp_path / "r"
    copy_report("youtube", folder)
    for path in folder.iterdir():
        named = path.stem.split("_")[0]
        if named in ("7", "8", "9", "10"):
            rows = load(path)
            save(path, [rows[0]] + rows[1:][::-1])
    notices = part_file(folder, "4_notices")
    rows = load(notices)
    blocks: list[list[list[str]]] = []
    for row in rows[1:]:
        if not row[3].startswith("KEYWORD_") or not blocks:
            blocks.append([])
        blocks[-1].append(row)
    save(notices, [rows[0]] + [row for block in blocks[::-1] for row in block])
    result = read_folder(folder)
    assert figure_map(result.observations) == base("youtube")


def test_an_ads_file_added_to_a_report(tmp_path):
    """Facebook's part 10 published again for its ads (`10_AMAR_Ads.csv`, other numbers): kept apart as
    surface=ads, bundled with the report, the service's figures untouched."""
    folder = tmp_path / "r"
    copy_report("facebook", folder)
    rows = load(part_file(folder, "10_AMAR"))
    save(folder / "10_AMAR_Ads.csv", [rows[0]] + [r[:6] + ["1,000"] + r[7:] for r in rows[1:]])
    assert [len(b) for b in COLLECTOR.bundles(sorted(folder.iterdir()))] == [11]
    df = read_folder(folder).observations
    ads = df[df.breakdown == "surface=ads"]
    assert len(ads) == 28 and set(ads.value) == {1_000} and set(ads.metric) == {"active_recipients"}
    assert one(ads, region="BE")["value"] == 1_000  # its blank label cells filled from above, too
    unchanged(base("facebook"), figure_map(df), lambda key: key[7] == "surface=ads")
    assert len(figure_map(df)) == len(base("facebook")) + 28


def test_two_different_tables_of_one_part_and_surface_are_refused(tmp_path):
    folder = tmp_path / "r"
    copy_report("facebook", folder)
    rows = load(part_file(folder, "10_AMAR"))
    save(folder / "10_AMAR (1).csv", rows)  # a second download, the same bytes read back: read once, noted
    result = read_folder(folder)
    assert figure_map(result.observations) == base("facebook")
    assert any("10_AMAR (1).csv" in n and "read once" in n for n in result.notes)
    save(folder / "10_AMAR (1).csv", [rows[0]] + [r[:6] + ["5"] + r[7:] for r in rows[1:]])
    with pytest.raises(ParseError, match=r"two different tables of part 10: .*10_AMAR"):
        read_folder(folder)


def test_label_cells_left_blank_below_the_first(tmp_path):
    """Every label cell (applicability, service, period, section, indicator) blanked where it repeats the row
    above, as a sheet with merged cells exports to CSV."""
    folder = tmp_path / "r"
    copy_report("snapchat", folder)
    for stem in ("7_appeals_and_recidivism", "8_automated_means", "9_human_resources", "10_AMAR"):
        path = part_file(folder, stem)
        rows = load(path)
        header = [norm(c) for c in rows[0]]
        labels = [header.index(c) for c in ("applicability", "service", "reporting period", "section", "indicator")]
        out = [rows[0], rows[1]]
        for above, row in zip(rows[1:], rows[2:], strict=False):
            out.append([("" if i in labels and c == above[i] else c) for i, c in enumerate(row)])
        save(path, out)
    assert ",,,,,SI," in part_file(folder, "10_AMAR").read_text(encoding="utf-8")
    assert figure_map(read_folder(folder).observations) == base("snapchat")


def test_a_sentence_in_a_value_cell(tmp_path):
    folder = tmp_path / "r"
    copy_report("facebook", folder)
    sentence = "Not available for this period; see our transparency centre"
    amar = part_file(folder, "10_AMAR")
    rows = load(amar)
    rows[2][6] = sentence  # AT
    save(amar, rows)
    notices = part_file(folder, "4_notices")
    rows = load(notices)
    rows[1][5] = sentence  # TOTAL, number of notices received
    save(notices, rows)
    df = read_folder(folder).observations
    for where in ({"metric": "active_recipients", "region": "AT"},
                  {"metric": "notices_received", "region": "EU", "policy_area": "ALL", "breakdown": ""}):
        row = one(df, **where)
        assert math.isnan(row["value"]) and row["value_text"] == sentence and row["qualifier"] == "text"
    unchanged(base("facebook"), figure_map(df),
              lambda key: (key[5], key[2]) == ("active_recipients", "AT")
              or (key[5], key[3], key[7]) == ("notices_received", "ALL", ""))


def test_an_unknown_category_keyword_and_scope(tmp_path):
    """A category code and a keyword code the template lacks, and a scope that is no member state: kept verbatim
    and flagged (UNMAPPED, scope=...), everything else as before."""
    folder = tmp_path / "r"
    copy_report("snapchat", folder)
    notices = part_file(folder, "4_notices")
    rows = load(notices)
    save(notices, [[c.replace("STATEMENT_CATEGORY_SELF_HARM", "STATEMENT_CATEGORY_NEW_HARM")
                    .replace("KEYWORD_ANIMAL_HARM", "KEYWORD_ANIMAL_NEGLECT") for c in r] for r in rows])
    amar = part_file(folder, "10_AMAR")
    rows = load(amar)
    save(amar, [[("LI" if c == "AT" else c) for c in r] for r in rows])
    result = read_folder(folder)
    df = result.observations
    new_area = df[df.policy_label == "STATEMENT_CATEGORY_NEW_HARM"]
    assert len(new_area) and set(new_area.policy_area) == {"UNMAPPED"}
    under = df[df.breakdown.str.contains("category=STATEMENT_CATEGORY_NEW_HARM")]  # its keywords: flagged too
    assert len(under) and set(under.policy_area) == {"UNMAPPED"}
    neglect = df[df.policy_label == "KEYWORD_ANIMAL_NEGLECT"]
    assert set(neglect.policy_area) == {"UNMAPPED"}
    assert set(neglect.breakdown.str.split(";").str[-1]) == {"category=STATEMENT_CATEGORY_ANIMAL_WELFARE"}
    li = one(df, metric="active_recipients", breakdown="scope=LI")
    assert li["region"] == "EU" and li["value"] == one(parsed("snapchat")[1].observations,
                                                       metric="active_recipients", region="AT")["value"]
    assert {(u.field, u.label) for u in result.unmapped} == {
        ("policy_areas", "STATEMENT_CATEGORY_NEW_HARM"), ("keywords", "KEYWORD_ANIMAL_NEGLECT"), ("scopes", "LI")}
    notices = {"notices_received", "notices_trusted_flaggers", "notice_items", "median_time_to_act", "notice_actions"}
    old_self_harm = [k for k in base("snapchat") if k[3] == "STATEMENT_CATEGORY_SELF_HARM" and k[5] in notices]
    assert len(new_area) + len(under) == len(old_self_harm)

    def changed(key: tuple) -> bool:
        in_part_4 = key[5] in notices and (key[3] in ("UNMAPPED", "STATEMENT_CATEGORY_SELF_HARM")
                                           or "KEYWORD_ANIMAL_HARM" in key[7])
        return in_part_4 or (key[5], key[2]) == ("active_recipients", "AT") or "scope=LI" in key[7]

    unchanged(base("snapchat"), figure_map(df), changed)


def test_a_number_in_a_placeholder_row_is_kept_flagged(tmp_path):
    folder = tmp_path / "r"
    copy_report("youtube", folder)
    path = part_file(folder, "8_automated_means")
    rows = load(path)
    [at] = [i for i, r in enumerate(rows) if r[4].startswith("Accuracy of the automated means - Precision")
            and r[5] == "[...]"]
    rows[at][6] = "0.5"
    save(path, rows)
    result = read_folder(folder)
    row = one(result.observations, metric="automated_precision", breakdown="scope=[...]")
    assert (row["region"], row["value"]) == ("EU", 0.5)
    assert [(u.field, u.label) for u in result.unmapped] == [("scopes", "[...]")]
    unchanged(base("youtube"), figure_map(result.observations), lambda key: key[7] == "scope=[...]")


def write_workbook(files: list[Path], names: dict[str, str], path: Path) -> Path:
    """The parts as one workbook, one sheet per part under `names` (by file stem's end), numbers as numbers."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for source in reversed(files):
        [title] = [t for stem, t in names.items() if source.stem.endswith(stem)]
        sheet = book.create_sheet(title)
        for row in load(source):
            sheet.append([int(c) if c.isdigit() and len(c) < 15 else c for c in row])
    book.save(path)
    return path


def test_the_parts_as_a_workbook_with_localised_sheet_names(tmp_path):
    french = {"1_report_identification": "Identification du rapport", "2_categories_names": "Noms des catégories",
              "4_notices": "Notifications", "5_own_initiative_illegal": "Initiative propre - illicite",
              "6_own_initiative_TC": "Initiative propre - CG", "7_appeals_and_recidivism": "Réclamations",
              "8_automated_means": "Moyens automatisés", "9_human_resources": "Ressources humaines",
              "10_AMAR": "Destinataires actifs", "11_qualitative": "Informations qualitatives"}
    workbook = write_workbook(report_files("facebook"), french, tmp_path / "rapport.xlsx")
    assert COLLECTOR.sniff(workbook)
    result = COLLECTOR.read([register(workbook, REGISTRY["dsa-report"].card)])
    assert figure_map(result.observations) == base("facebook")
    amar = one(result.observations, metric="active_recipients", region="BE")
    assert "sheet 'Destinataires actifs'" in amar["locator"]


def test_a_workbook_with_ads_sheets(tmp_path):
    spanish = {"1_report_identification": "Identificación", "4_notices": "Notificaciones",
               "5_own_initiative_illegal": "Iniciativa propia ilegal", "6_own_initiative_TC": "Iniciativa propia CG",
               "6_own_initiative_TC_Ads": "Iniciativa propia CG (Ads)", "7_appeals_and_recidivism": "Reclamaciones",
               "7_appeals_and_recidivism_Ads": "Reclamaciones - Ads", "8_automated_means": "Medios automatizados",
               "8_automated_means_Ads": "Medios automatizados Ads", "9_human_resources": "Recursos humanos",
               "10_AMAR": "Destinatarios", "11_qualitative": "Cualitativa"}
    workbook = write_workbook(report_files("youtube"), spanish, tmp_path / "informe.xlsx")
    result = COLLECTOR.read([register(workbook, REGISTRY["dsa-report"].card)])
    assert figure_map(result.observations) == base("youtube")


def test_the_parts_zipped(tmp_path):
    archive = tmp_path / "youtube-dsa-2025-H2.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in report_files("youtube"):
            out.write(path, f"YouTube DSA report/{path.name}")
    assert COLLECTOR.sniff(archive)
    result = COLLECTOR.read([register(archive, REGISTRY["dsa-report"].card)])
    assert figure_map(result.observations) == base("youtube")


def test_all_six_services_build_strictly(tmp_path):
    """Every real report we hold builds with `--strict` (no label left unmapped), each service on its own."""
    sources = tmp_path / "sources" / "dsa-reports"
    for service in ("tiktok", "snapchat", "x", "facebook", "instagram", "youtube"):
        shutil.copytree(shared("dsa-reports", service), sources / service)
    from reports.ingest.build import build

    summary = build(tmp_path / "sources", tmp_path / "atlas.duckdb", {"dsa-report": COLLECTOR}, strict=True)
    assert not summary.failed and not summary.unmapped and len(summary.parsed) == 7
    assert any("printed as words" in n and "10_AMAR.csv" in n for n in summary.notes)  # YouTube's part 10
    from reports.store.database import Store

    with Store(tmp_path / "atlas.duckdb", read_only=True) as store:
        latest = store.latest("metric = 'active_recipients' AND region = 'EU' AND breakdown = ''")
        printed = dict(zip(latest.platform, latest.value_text, strict=True))
    assert printed == {"tiktok": "189,000,000", "snapchat": "97,153,476", "x": "64,767,887", "facebook": "262,480,454",
                       "instagram": "288,737,559", "youtube": printed["youtube"]}
    assert printed["youtube"].startswith("See Feb 2026 DSA MAR report: https://")


def test_a_hand_made_export(tmp_path):
    """What real filers' exports do (Booking.com 2026-H1): stray words in the first header cell, member states in
    lowercase beside languages, reporting periods a spreadsheet counted up past the month's end (2026-06-31 ...),
    a footnote and a 'Methodology' line below part 10."""
    folder = tmp_path / "r"
    copy_report("snapchat", folder)
    for stem, junk in (("4_notices", "6"), ("7_appeals_and_recidivism", "ty"), ("9_human_resources", "`")):
        path = part_file(folder, stem)
        rows = load(path)
        rows[0][0] = junk
        save(path, rows)
    automated = part_file(folder, "8_automated_means")
    rows = load(automated)
    at_scope, at_period = rows[0].index("Scope"), rows[0].index("Reporting period")
    counted = 0
    for row in rows[1:]:
        if len(row[at_scope]) == 2 and row[at_scope].isupper():
            row[at_scope] = row[at_scope].lower()
            row[at_period] = f"2025-07-01/2025-12-{31 + counted}"
            counted += 1
    save(automated, rows)
    amar = part_file(folder, "10_AMAR")
    footnote = b'"""* Value: estimates, see the methodology.""\n   ",,,,,,\n,,,,,,\nMethodology,,,,,,\n'
    amar.write_bytes(amar.read_bytes() + footnote)
    result = read_folder(folder)
    assert counted > 27 and figure_map(result.observations) == base("snapchat")
    assert not result.unmapped
    assert any("'2025-07-01/2025-12-32'" in n and "cannot be read as a period" in n for n in result.notes)
    assert any("scopes at, be, bg ... are member states" in n for n in result.notes)
    assert sum("row without indicator nor figure" in s.reason for s in result.skipped) == 2


def test_ranges_and_bounds_where_one_figure_belongs(tmp_path):
    """Booking.com prints its recipients as '> 45' and '2.1 - 2.6': a bound and a range, kept as printed."""
    folder = tmp_path / "r"
    copy_report("facebook", folder)
    amar = part_file(folder, "10_AMAR")
    rows = load(amar)
    rows[1][6], rows[2][6] = "> 262,000,000", "4.1 - 4.2"
    save(amar, rows)
    df = read_folder(folder).observations
    total = one(df, metric="active_recipients", region="EU")
    assert (total["value"], total["qualifier"], total["value_text"]) == (262_000_000, "more_than", "> 262,000,000")
    austria = df[(df.metric == "active_recipients") & (df.region == "AT")].sort_values("breakdown")
    assert list(zip(austria.breakdown, austria.value, austria.qualifier, strict=True)) == [
        ("bound=lower", 4.1, "range_lower"), ("bound=upper", 4.2, "range_upper")]
    unchanged(base("facebook"), figure_map(df), lambda key: key[5] == "active_recipients" and key[2] in ("EU", "AT"))


def test_the_templates_placeholder_scope_in_part_3(tmp_path):
    """Rows the template prints for 'AT, […], SE' left in without figures are skipped; one with a figure is kept,
    flagged (scope=...)."""
    folder = tmp_path / "r"
    copy_report("tiktok-2025-H2", folder)
    orders = part_file(folder, "3_member_states_orders")
    rows = load(orders)
    at_scope = rows[0].index("Scope")
    first = next(i for i, c in enumerate(rows[0]) if norm(c).startswith("number of orders to act"))
    extra = []
    for row in rows[1:4]:
        empty = [("AT, […], SE" if i == at_scope else ("" if i >= first else c)) for i, c in enumerate(row)]
        extra.append(empty)
    filled = list(extra[0])
    filled[first] = "7"
    save(orders, rows + extra + [filled])
    result = read_folder(folder)
    df = result.observations
    flagged = df[df.breakdown.str.contains("scope=AT, […], SE", regex=False)]
    assert len(flagged) and set(flagged.region) == {"EU"}
    assert one(flagged, metric="orders_received", breakdown="order=act;scope=AT, […], SE")["value"] == 7
    assert sum("placeholder scope" in s.reason for s in result.skipped) == 3
    assert [(u.field, u.label) for u in result.unmapped] == [("scopes", "AT, […], SE")]
    unchanged(base("tiktok-2025-H2"), figure_map(df), lambda key: "scope=AT, […], SE" in key[7])


def test_a_later_version_of_a_part_stands(tmp_path):
    """Amazon publishes `6_own_initiative_TC_version2.csv` beside the original: the later version is imported,
    the earlier one listed as superseded."""
    folder = tmp_path / "r"
    copy_report("facebook", folder)
    rows = load(part_file(folder, "6_own_initiative_TC"))
    rows[1][5] = "171,900,000"
    save(folder / "6_own_initiative_TC_version2.csv", rows)
    assert [len(b) for b in COLLECTOR.bundles(sorted(folder.iterdir()))] == [11]
    result = read_folder(folder)
    df = result.observations
    total = one(df, metric="own_initiative_measures", region="EU", policy_area="ALL", breakdown="basis=terms_and_conditions")
    assert total["value"] == 171_900_000 and "6_own_initiative_TC_version2.csv" in total["locator"]
    assert any(s.locator == "6_own_initiative_TC.csv" and "superseded by 6_own_initiative_TC_version2.csv" in s.reason
               for s in result.skipped)
    unchanged(base("facebook"), figure_map(df),
              lambda key: (key[5], key[3], key[7]) == ("own_initiative_measures", "ALL", "basis=terms_and_conditions"))


def test_several_tables_of_one_part_for_several_units(tmp_path):
    """Google Search splits part 6 by what was acted on (`6_own_initiative_TC_URL_Level_Removals.csv`, ...): each
    its own surface, flagged until surfaces.csv names it, none summed into another."""
    folder = tmp_path / "r"
    copy_report("youtube", folder)
    source = part_file(folder, "6_own_initiative_TC")
    shutil.copy(source, folder / "6_own_initiative_TC_URL_Level_Removals.csv")
    source.rename(folder / "6_own_initiative_TC_Domain_Level_Actions.csv")
    result = read_folder(folder)
    df = result.observations
    for surface in ("url-level-removals", "domain-level-actions"):
        row = one(df, metric="own_initiative_measures", region="EU", policy_area="ALL",
                  breakdown=f"basis=terms_and_conditions;surface={surface}")
        assert row["value"] == 29_951_489
    assert {(u.field, u.label) for u in result.unmapped} == {("surfaces", "URL_Level_Removals"),
                                                            ("surfaces", "Domain_Level_Actions")}
    old_part_6 = {k for k in base("youtube") if k[5] in ("own_initiative_measures", "measures_automated_detection")
                  and "basis=terms_and_conditions" in k[7] and "surface=ads" not in k[7]}
    unchanged(base("youtube"), figure_map(df), lambda key: key in old_part_6 or "level" in key[7])


def test_parts_named_with_a_number_and_a_dot(tmp_path):
    """Pinterest names its parts `Pinterest - H2 DSA Transparency Report - 10. AMAR.csv` (two reports in one
    folder, the H1 one `... - H1 2026 DSA ... - 3. Member states.csv`): read as parts of their own reports."""
    names = {"1_report_identification": "1. Report identification", "2_categories_names": "2. Categories names",
             "3_member_states_orders": "3. Member states", "4_notices": "4. Notices",
             "5_own_initiative_illegal": "5. Own initiative illegal", "6_own_initiative_TC": "6. Own initiative TC",
             "7_appeals_and_recidivism": "7. Appeals and recidivism", "8_automated_means": "8. Automated means",
             "9_human_resources": "9. Human resources", "10_AMAR": "10. AMAR", "11_qualitative": "11. Qualitative"}
    folder = tmp_path / "tiktok"
    folder.mkdir()
    for report, prefix in (("tiktok-2025-H2", "TikTok - H2 DSA Transparency Report - "),
                           ("tiktok-2026-H1", "TikTok - H1 2026 DSA Transparency Report - ")):
        for path in report_files(report):
            part = path.stem.split(" - ")[1]
            shutil.copy(path, folder / f"{prefix}{names[part]}.csv")
    bundles = COLLECTOR.bundles(sorted(folder.iterdir()))
    assert sorted(len(b) for b in bundles) == [10, 11]
    for bundle in bundles:
        result = COLLECTOR.read([register(p, REGISTRY["dsa-report"].card) for p in bundle])
        report = "tiktok-2026-H1" if "H1 2026" in bundle[0].name else "tiktok-2025-H2"
        assert figure_map(result.observations) == base(report)


def emptied_snapchat(tmp_path: Path, part_stem: str) -> list:
    """Snapchat's real report with one part saved as an empty file, as an upload that failed half-way leaves it."""
    for path in report_files("snapchat"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / f"{part_stem}.csv").write_bytes(b"")
    return [register(p, COLLECTOR.card) for p in sorted(tmp_path.glob("*.csv"))]


def test_an_empty_part_1_is_named_in_the_error(tmp_path):
    with pytest.raises(ParseError, match=r"no part 1 \(report identification\).*empty \(no header, no rows\): "
                                         r"1_report_identification\.csv"):
        COLLECTOR.read(emptied_snapchat(tmp_path, "1_report_identification"))


def test_an_empty_part_is_listed_as_empty_and_the_others_are_read(tmp_path):
    result = COLLECTOR.read(emptied_snapchat(tmp_path, "4_notices"))
    reasons = {s.locator: s.reason for s in result.skipped}
    assert reasons["4_notices.csv"] == "an empty file (no header, no rows): no figures to read"
    assert one(result.observations, metric="active_recipients", region="EU", breakdown="", policy_area="ALL")[
        "value"] == 97_153_476
    assert not (result.observations["locator"].str.contains("4_notices")).any()


@pytest.mark.parametrize("report, provider, published, summary", [
    ("facebook", "Meta Platforms Ireland Limited", "2026-02-28", "Facebook maintains a set of globally applicable"),
    ("instagram", "Meta Platforms Ireland Limited", "2026-02-28", "Instagram maintains a set of globally applicable"),
    ("youtube", "Google", "2026-02-27", "Across all products and services, we set clear policies"),
])
def test_the_new_reports_parts_1_2_5_and_11(report, provider, published, summary):
    """Part 1 names the provider, the publication date and the period of every part's figures; part 11 is kept as
    the summary's text; part 2 is skipped as names; YouTube's part 5 is the empty template, skipped (reconcile says
    so instead of reading a zero)."""
    docs, result = parsed(report)
    by_part = {int(d.name.split(" - ")[-1].split("_")[0]): d.sha256 for d in docs
               if not d.name.removesuffix(".csv").endswith("_Ads")}
    meta = result.document_meta[by_part[1]]
    assert (meta["publisher"], str(meta["published"]), meta["edition"]) == (provider, published, "2025-H2")
    assert meta["title"] == f"{ {'facebook': 'Facebook', 'instagram': 'Instagram', 'youtube': 'YouTube'}[report]} " \
        "transparency report under the DSA, 2025-H2"
    text = result.document_meta[by_part[11]]["text"]
    assert text.startswith(f"Summary of the content moderation engaged in at the providers’ own initiative\n{summary}")
    df = result.observations
    assert set(df.period) == {"2025-H2"} and str(df.period_start.min().date()) == "2025-07-01"
    skipped = {(s.document_sha256, s.reason) for s in result.skipped}
    if 2 in by_part:
        assert (by_part[2], "part 2 holds the filer's category names, not figures") in skipped
    empty_part_5 = (by_part[5], "part left as the empty template (no figures)") in skipped
    assert empty_part_5 == (report == "youtube")
    assert df[df.document_sha256 == by_part[5]].empty == (report == "youtube")


@pytest.mark.parametrize("naming", ["Snapchat DSA Transparency Report H2 2025 - Part {number} - {name}.csv",
                                    "Snapchat - {name}.csv", "{name}.csv"])
def test_parts_named_otherwise_bundle_into_their_report(tmp_path, naming):
    """A filer names its files 'Snapchat DSA Transparency Report H2 2025 - Part 10 - AMAR.csv' (a 'Part', a dash
    between number and name, 'H2 2025' before them), or by the part's name alone ('Snapchat - AMAR.csv',
    'AMAR.csv'): the parts still make one report, with the published figures."""
    import re

    from reports.ingest.build import build

    real = shared("dsa-reports", "snapchat")
    ours = tmp_path / "b" / "dsa-reports" / "snapchat"
    ours.mkdir(parents=True)
    for path in real.glob("*.csv"):
        number, name = re.match(r"(\d+)_(.+)$", path.stem).groups()
        (ours / naming.format(number=number, name=name.replace("_", " ").title())).write_bytes(path.read_bytes())
    shutil.copytree(real, tmp_path / "a" / "dsa-reports" / "snapchat")
    published = build(tmp_path / "a", tmp_path / "a.duckdb", {"dsa-report": REGISTRY["dsa-report"]})
    renamed = build(tmp_path / "b", tmp_path / "b.duckdb", {"dsa-report": REGISTRY["dsa-report"]})
    assert renamed.failed == [] and len(renamed.parsed) == 1
    assert renamed.observations == published.observations > 4000
