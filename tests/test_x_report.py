"""X Global Transparency Report H1 2024: exact published values from the PDF's tables (pages named per value)."""
from __future__ import annotations

import pytest

from collectors import REGISTRY
from collectors.x_report.parser import ALL_BUT_SPAM, separate_differing_repeats
from reports.ingest.discover import discover
from reports.ingest.register import register
from reports.model.errors import ParseError
from reports.model.schema import FIGURE_KEY
from tests.conftest import only_row as value
from tests.conftest import parse_real, shared


def parse():
    return parse_real("x", "x", "x-2024-h1.pdf")


@pytest.mark.parametrize("page, policy, metric_label, breakdown, expected", [
    # page 7, child safety: NCMEC reports, accounts suspended (footnote 1), content removed
    (7, "Child Safety", "NCMEC Reports", "", 370_588),
    (7, "Child Safety", "NCMEC Reports", "method=automated", 35_176),
    (7, "Child Safety", "NCMEC Reports", "method=human", 335_412),
    (7, "Child Safety", "Accounts Suspended", "", 2_781_634),
    (7, "Child Safety", "Accounts Suspended", "method=automated", 2_388_683),
    (7, "Child Safety", "Content Removed", "action=removal", 14_571),
    (7, "Child Safety", "Content Removed", "action=removal;method=human", 12_926),
    (7, "Abuse, Harassment & Hateful Conduct", "User Informed Labels", "action=label;method=automated", 3_966_430),
    # page 8: the spam total carries footnote marker 2 beside it in the PDF ("463,960,085 2")
    (8, "Platform Manipulation & Spam", "Accounts Suspended", "", 463_960_085),
    (8, "Platform Manipulation & Spam", "User Informed Labels", "action=label;method=human", 434_209),
    (8, "Violent & Hateful Entities", "Content Removed", "action=removal;method=automated", 62),
    (9, "Violent Content", "User Informed Labels", "action=label;method=automated", 0),
    (9, "Suicide & Self Harm", "Accounts Suspended", "method=automated", 90),
    (10, "Non-Consensual Nudity", "Content Removed", "action=removal", 156_498),
    (11, "Illegal or Regulated Goods & Services", "Accounts Suspended", "method=human", 429_613),
    # page 5 summary, page 4 user reports
    (5, "Hateful Conduct", "POSTS REMOVED OR LABELED", "", 4_950_321),
    (5, "Abuse & Harassment", "ACCOUNT SUSPENSIONS", "", 1_102_778),
    (5, ALL_BUT_SPAM, "TOTAL ACCOUNT SUSPENSIONS", "", 5_296_870),
    (4, ALL_BUT_SPAM, "USER REPORTS", "", 224_129_805),
    (4, "Violent Content", "TOTAL", "", 40_005_196),
])
def test_counts_equal_the_published_values(page, policy, metric_label, breakdown, expected):
    _, result = parse()
    row = value(result.observations, policy_label=policy, metric_label=metric_label, breakdown=breakdown,
                region="GLOBAL")
    assert row["value"] == expected and row["unit"] == "count"
    assert row["locator"].startswith(f"page {page}, ")
    assert row["platform"] == "x" and row["period"] == "2024-H1"
    assert str(row["period_start"])[:10] == "2024-01-01" and str(row["period_end"])[:10] == "2024-06-30"


def test_ncmec_reports_are_child_safety_and_footnotes_stay_with_their_cells():
    _, result = parse()
    df = result.observations
    ncmec = value(df, metric="ncmec_reports", breakdown="")
    assert ncmec["value"] == 370_588 and ncmec["policy_area"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    suspended = value(df, policy_label="Child Safety", metric_label="Accounts Suspended", breakdown="")
    assert "footnote 1: Accounts suspended for engaging with" in suspended["locator"]
    assert suspended["value_text"] == "2,781,634"  # the marker '1' is not glued to the figure
    spam = value(df, policy_label="Platform Manipulation & Spam", metric="accounts_actioned", breakdown="")
    assert spam["value_text"] == "463,960,085" and "footnote 2: Our Platform Manipulation" in spam["locator"]


def test_rates_become_ratios_and_less_than_is_kept():
    _, result = parse()
    df = result.observations
    overall = value(df, metric_label="OVERALL POSTS VIOLATION RATE")
    assert overall["value"] == pytest.approx(0.000123) and overall["unit"] == "ratio"
    child = value(df, policy_label="Child Safety", metric="post_violation_rate")
    assert (child["value"], child["qualifier"], child["value_text"]) == (pytest.approx(0.000001), "less_than", "<0.0001%")
    assert value(df, policy_label="Hateful Conduct", metric="post_violation_rate")["value"] == pytest.approx(0.000057)


def test_government_requests_by_country_page_13():
    _, result = parse()
    df = result.observations
    assert value(df, metric="information_requests", region="GLOBAL", breakdown="requester=government")["value"] == 18_737
    assert value(df, metric="information_requests", region="US")["value"] == 3_329
    assert value(df, metric="removal_requests", region="JP")["value"] == 46_648
    assert value(df, metric="removal_requests_actioned", region="TR")["value"] == 6_332
    assert value(df, metric="removal_requests_actioned_rate", region="GLOBAL",
                 breakdown="requester=government")["value"] == pytest.approx(0.7082)
    others = value(df, metric="removal_requests", breakdown="requester=government;region_group=all others")
    assert others["value"] == 8_345 and others["region"] == "GLOBAL"


def test_copyright_and_trademark_notices_page_14():
    _, result = parse()
    df = result.observations
    assert value(df, metric="ip_notices", policy_label="Copyright Notices")["value"] == 188_661
    assert value(df, metric="ip_items_actioned", policy_label="Copyright Notices")["value"] == 836_194
    assert value(df, metric="ip_notices_actioned_rate", policy_label="Trademark Notices")["value"] == pytest.approx(0.0887)


def test_page_totals_add_up_and_shares_are_skipped_not_imported():
    doc, result = parse()
    df = result.observations
    summary = df[df.locator.str.startswith("page 5, ") & (df.metric == "accounts_actioned")
                 & (df.policy_label != ALL_BUT_SPAM)]
    assert len(summary) == 10 and summary.value.sum() == 5_296_870
    assert result.notes == []  # check_totals found every printed total equal to its policy rows
    assert len(result.skipped) == 10 and all("% OF TOTAL REPORTS" in s.reason for s in result.skipped)
    assert not df.metric.isna().any() and not df.value.isna().any()
    assert len(df) == 161
    assert result.document_meta[doc.sha256]["edition"] == "2024-H1"


def test_dsa_reports_of_x_stay_with_the_dsa_collector():
    claimed = discover(shared(), REGISTRY)
    assert [p.name for p in claimed["x"]] == ["x-2024-h1.pdf"]
    assert any(p.parent.name == "x" and p.parent.parent.name == "dsa-reports" for p in claimed["dsa-report"])


def test_a_file_that_is_not_a_pdf_raises_a_parse_error_naming_it(tmp_path):
    bad = tmp_path / "x-2025-h1.pdf"
    bad.write_bytes(b"not a pdf at all")
    doc = register(bad, REGISTRY["x"].card)
    with pytest.raises(ParseError, match="x-2025-h1.pdf"):
        REGISTRY["x"].parse([doc])


def test_page_5_repeats_of_the_policy_tables_are_one_figure_each():
    _, result = parse()
    df = result.observations
    twice = df[(df.policy_label == "Child Safety") & (df.metric == "accounts_actioned") & (df.breakdown == "")]
    assert sorted(twice.locator.str[:7]) == ["page 5,", "page 7,"] and set(twice.value) == {2_781_634}
    key = [c for c in FIGURE_KEY if c != "source"]
    repeats = df[df.duplicated(subset=key, keep=False)]
    # every repeat agrees (the build keeps one of each): eight policies' suspensions, pages 5 and 7-11
    assert len(repeats) == 16 and (repeats.groupby(key).value.nunique() == 1).all()


def test_a_repeat_printed_with_a_different_value_is_kept_apart_with_a_note():
    doc, result = parse()
    df = result.observations.copy()
    page5 = df.locator.str.startswith("page 5, ") & (df.policy_label == "Child Safety") & (df.metric == "accounts_actioned")
    df.loc[page5, ["value", "value_text"]] = [2_781_635.0, "2,781,635"]
    kept, notes = separate_differing_repeats(df, doc)
    assert kept.loc[page5, "breakdown"].tolist() == ["table=overview"]
    assert kept.loc[~page5, "breakdown"].equals(df.loc[~page5, "breakdown"])
    assert len(notes) == 1 and "2,781,635 at page 5" in notes[0] and "2,781,634 at page 7" in notes[0]


# -- the next report nobody has seen: the real PDF's tables, changed the way X changes them ------------------------

@pytest.fixture(scope="module")
def real_grids():
    from collectors.x_report.parser import read_grids

    return read_grids(register(shared("x", "x-2024-h1.pdf"), REGISTRY["x"].card))


def read_changed(monkeypatch, real_grids, change):
    """Parse the real PDF with its extracted tables changed by `change(grids)` (a copy; the PDF is not touched)."""
    import copy

    import collectors.x_report.parser as x_report

    period, grids = copy.deepcopy(real_grids)
    change(grids)
    monkeypatch.setattr(x_report, "read_grids", lambda doc: (period, grids))
    return REGISTRY["x"].read([register(shared("x", "x-2024-h1.pdf"), REGISTRY["x"].card)])


def grid(grids, page: int, title: str):
    (found,) = [g for g in grids if g.page == page and g.title == title and g.rows[0][0] == ""]
    return found


def by_place(df):
    """Figures by place and measure (page 13's two request tables share a heading, so the metric tells them apart)."""
    return {(loc, b, m): (p, a, lab, ml, t, q, None if v != v else v) for loc, b, p, a, lab, m, ml, t, q, v in zip(
        df.locator, df.breakdown, df.policy_label, df.policy_area, df.platform, df.metric, df.metric_label,
        df.value_text, df.qualifier, df.value, strict=True)}


def assert_others_exact(result, changed):
    """Every figure whose place (and measure) the change did not touch is exactly what the real PDF gives."""
    _, real = parse()
    kept = {k: v for k, v in by_place(real.observations).items() if not changed(k[0], k[2])}
    assert {k: v for k, v in by_place(result.observations).items() if k in kept} == kept and len(kept) >= 120


def test_a_renamed_policy_heading_and_row_are_kept_verbatim_and_flagged(monkeypatch, real_grids):
    def change(grids):
        child = grid(grids, 7, "CHILD SAFETY")
        child.title = "CHILD SAFETY & EXPLOITATION"
        violent = grid(grids, 9, "VIOLENT CONTENT")
        assert violent.rows[2][0] == "Content Removed"
        violent.rows[2][0] = "Posts Removed"

    result = read_changed(monkeypatch, real_grids, change)
    assert sorted((u.field, u.label) for u in result.unmapped) == [
        ("metrics", "Posts Removed"), ("policy_areas", "CHILD SAFETY & EXPLOITATION")]
    df = result.observations
    ncmec = value(df, policy_label="CHILD SAFETY & EXPLOITATION", metric="ncmec_reports", breakdown="")
    assert (ncmec["policy_area"], ncmec["value"]) == ("UNMAPPED", 370_588)
    removed = value(df, policy_label="Violent Content", metric_label="Posts Removed", breakdown="method=automated")
    assert (removed["metric"], removed["value"]) == ("unmapped", 1_103_131)
    assert_others_exact(result, lambda loc, metric: "'CHILD SAFETY'" in loc
                        or ("'VIOLENT CONTENT'" in loc and "row 3" in loc))


def test_an_added_method_column_and_a_new_country_row_are_read(monkeypatch, real_grids):
    def change(grids):
        spam = grid(grids, 8, "PLATFORM MANIPULATION & SPAM")
        for row, added in zip(spam.rows, ["PARTLY AUTOMATED", "1,234", "5,678"], strict=True):
            row.append(added)
        (removals,) = [g for g in grids if g.page == 13 and g.rows[1][0] == "TOTAL REMOVAL REQUESTS"]
        removals.rows.insert(5, ["Brazil", "1,001", "500", "50%"])

    result = read_changed(monkeypatch, real_grids, change)
    assert sorted((u.field, u.label) for u in result.unmapped) == [("methods", "PARTLY AUTOMATED"),
                                                                  ("regions", "Brazil")]
    df = result.observations
    partly = value(df, policy_label="Platform Manipulation & Spam", metric_label="User Informed Labels",
                   breakdown="action=label;method=PARTLY AUTOMATED")
    assert partly["value"] == 5_678
    total = value(df, policy_label="Platform Manipulation & Spam", metric="accounts_actioned", breakdown="")
    assert total["value"] == 463_960_085
    brazil = value(df, metric="removal_requests", breakdown="requester=government;country=Brazil")
    assert (brazil["region"], brazil["value"]) == ("GLOBAL", 1_001)
    assert value(df, metric="removal_requests_actioned_rate", breakdown="requester=government;country=Brazil")[
        "value"] == pytest.approx(0.5)
    # rows after the inserted one move down (row 6 'EU' is printed as row 7 now), so page 13's removal rows are compared
    # by the checks above; every other figure is exactly the real one
    assert_others_exact(result, lambda loc, metric: "PARTLY" in loc
                        or (loc.startswith("page 13,") and metric.startswith("removal_requests")))


def test_words_in_a_cell_and_new_tables_do_not_stop_the_report(monkeypatch, real_grids):
    from collectors.x_report.parser import Grid

    def change(grids):
        private = grid(grids, 11, "PRIVATE CONTENT")
        assert private.rows[1][2] == "4"
        private.rows[1][2] = "Not available this period"
        # a new per-policy table: read row by row, its new measure and policy flagged
        grids.append(Grid(15, "APPEALS", [["POLICY", "APPEALS RECEIVED"], ["Child Safety", "1,234"], ["Doxxing", "55"]]))
        grids.append(Grid(16, "COMING SOON", [["", "H2 2024", "H1 2025"]]))  # headings and no rows: nothing to read

    result = read_changed(monkeypatch, real_grids, change)
    assert sorted((u.field, u.label) for u in result.unmapped) == [("metrics", "APPEALS RECEIVED"),
                                                                  ("policy_areas", "Doxxing")]
    df = result.observations
    words = value(df, policy_label="Private Content", metric="accounts_actioned", breakdown="method=automated")
    assert (words["qualifier"], words["value_text"]) == ("text", "Not available this period")
    assert words["value"] != words["value"]
    appeals = df[df.metric_label == "APPEALS RECEIVED"]
    assert list(zip(appeals.policy_label, appeals.policy_area, appeals.metric, appeals.value, strict=True)) == [
        ("Child Safety", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "unmapped", 1_234), ("Doxxing", "UNMAPPED", "unmapped", 55)]
    assert [s.locator for s in result.skipped if "COMING SOON" in s.locator] == [
        "page 16, table 'COMING SOON'"]
    assert_others_exact(result, lambda loc, metric: "'PRIVATE CONTENT', row 2" in loc and "AUTOMATED" in loc)
