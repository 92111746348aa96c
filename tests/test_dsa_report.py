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
from collectors.dsa_report import indicator_rows, norm
from reports.documents import register
from reports.errors import ParseError
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
    docs = [register(p, "dsa-report") for p in report_files(report)]
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


# -- the forms a report is published in -------------------------------------------------------------------------

def build_summary(sources: Path, db: Path):
    from reports.build import build

    return build(sources, db, {"dsa-report": COLLECTOR})


def test_build_sniffs_a_report_in_any_folder(tmp_path):
    """A user's download under an arbitrary folder name is recognised by content and imported."""
    folder = tmp_path / "my downloads" / "pinterest-ish"
    folder.mkdir(parents=True)
    for path in report_files("x"):
        shutil.copy(path, folder / path.name)
    summary = build_summary(tmp_path / "my downloads", tmp_path / "atlas.duckdb")
    assert not summary.unclaimed
    from reports.store import Store

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
    doc = register(archive, "dsa-report")
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
    doc = register(workbook, "dsa-report")
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
    return COLLECTOR.read([register(p, "dsa-report") for p in files])


def test_tolerates_filer_spellings(tmp_path):
    files = write_report(tmp_path / "r", [("Total number", '"120,500,000"'), ("SI ", '"600,000"'), ("EL", "0"),
                                          ("AT", "")])
    df = parse_folder(files).observations
    assert one(df, region="EU")["value"] == 120_500_000
    assert one(df, region="SI")["value"] == 600_000
    assert one(df, region="GR")["value"] == 0.0
    assert math.isnan(one(df, region="AT")["value"])
    assert set(df.platform) == {"pinterest"} and set(df.unit) == {"people"}


def test_reads_windows_1252_text(tmp_path):
    files = write_report(tmp_path / "r", [("TOTAL", "1000")], encoding="cp1252")
    qualitative = ("Applicability,Service,Reporting period,Indicator,Value\n"
                   "All,Pinterest,2025-07-01/2025-12-31,Summary of the content moderation engaged in at the providers’ "
                   "own initiative,Modération « proactive » – 2025\n")
    path = tmp_path / "r" / "11_qualitative.csv"
    path.write_bytes(qualitative.encode("cp1252"))
    doc = register(path, "dsa-report")
    result = COLLECTOR.read([register(p, "dsa-report") for p in files] + [doc])
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


def test_sniff_rejects_other_sources_files():
    assert not COLLECTOR.sniff(shared("meta-cser", "meta-2024-q2.csv"))
