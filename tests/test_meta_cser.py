"""Meta CSER: exact published values from several editions, and the revisions between them."""
from __future__ import annotations

import csv
import io

import pytest

from collectors import REGISTRY
from tests.conftest import only_row as value
from tests.conftest import parse_real, shared


def parse(edition: str):
    return parse_real("meta-cser", "meta-cser", f"meta-{edition}.csv")


@pytest.mark.parametrize("edition, app, area, metric, period, expected", [
    ("2024-q2", "facebook", "Adult Nudity & Sexual Activity", "Content Actioned", "2017-Q4", 20_800_000),
    ("2021-q3", "facebook", "Fake Accounts", "Accounts Actioned", "2017-Q4", 694_000_000),
    ("2021-q2", "facebook", "Child Nudity & Sexual Exploitation", "Content Actioned", "2020-Q1", 8_600_000),
    ("2021-q3", "facebook", "Child Nudity & Sexual Exploitation", "Content Actioned", "2020-Q1", 8_500_000),
    ("2022-q4", "facebook", "Child Endangerment: Sexual Exploitation", "Content Actioned", "2021-Q3", 21_200_000),
    ("2021-q3", "facebook", "Child Endangerment: Sexual Exploitation", "Content Actioned", "2021-Q3", 20_900_000),
])
def test_counts_equal_the_published_values(edition, app, area, metric, period, expected):
    _, result = parse(edition)
    row = value(result.observations, platform=app, policy_label=area, metric_label=metric, period=period)
    assert row["value"] == expected
    assert row["unit"] == "count"


def test_percentages_become_ratios_and_ranges_become_bounds():
    _, result = parse("2023-q1")
    df = result.observations
    rate = value(df, platform="facebook", policy_label="Child Nudity & Sexual Exploitation",
                 metric_label="Proactive rate", period="2020-Q2")
    assert rate["value"] == pytest.approx(0.978) and rate["unit"] == "ratio" and rate["value_text"] == "97.80%"
    low = value(df, platform="facebook", policy_label="Fake Accounts", metric="prevalence_lower", period="2023-Q1")
    high = value(df, platform="facebook", policy_label="Fake Accounts", metric="prevalence_upper", period="2023-Q1")
    assert (low["value"], high["value"]) == (pytest.approx(0.04), pytest.approx(0.05))
    assert (low["qualifier"], high["qualifier"]) == ("range_lower", "range_upper")
    assert low["value_text"] == "4%-5%"


def test_not_available_is_kept_as_a_gap_not_a_zero():
    doc, result = parse("2024-q2")
    gap = value(result.observations, platform="facebook", policy_label="Violence And Incitement",
                metric_label="Content Actioned", period="2017-Q4")
    assert gap["value_text"] == "N/A" and gap["value"] != gap["value"]  # NaN
    assert result.document_meta[doc.sha256]["edition"] == "2024-Q2"


def test_store_keeps_every_edition_and_changes_lists_revisions(tmp_path):
    from reports.ingest.build import build
    from reports.store.database import Store

    db = tmp_path / "atlas.duckdb"
    build(shared("meta-cser"), db, {"meta-cser": REGISTRY["meta-cser"]})
    with Store(db, read_only=True) as store:
        changes = store.changes(platform="facebook")
        revised = changes[(changes.policy_label == "Child Nudity & Sexual Exploitation")
                          & (changes.metric_label == "Content Actioned") & (changes.period == "2020-Q1")]
        assert list(zip(revised.old_value, revised.new_value, strict=True)) == [(8_600_000, 8_500_000)]
        assert list(revised.old_document_name) == ["meta-2021-q2.csv"]
        assert list(revised.new_document_name) == ["meta-2021-q3.csv"]
        latest = store.latest("platform = 'facebook' AND policy_label = 'Child Nudity & Sexual Exploitation' "
                              "AND metric_label = 'Content Actioned' AND period = '2020-Q1'")
        assert list(latest.value) == [8_500_000]


def test_fake_accounts_are_one_series_of_accounts_across_reworded_editions(tmp_path):
    from reports.ingest.build import build
    from reports.store.database import Store

    db = tmp_path / "atlas.duckdb"
    build(shared("meta-cser"), db, {"meta-cser": REGISTRY["meta-cser"]})
    with Store(db, read_only=True) as store:
        rows = store.latest("platform = 'facebook' AND policy_label = 'Fake Accounts' AND period = '2017-Q4' "
                            "AND metric IN ('accounts_actioned', 'content_actioned')")
        assert list(zip(rows.metric, rows.value, strict=True)) == [("accounts_actioned", 694_000_000)]
        versions = store.query("SELECT DISTINCT metric_label FROM observations WHERE platform = 'facebook' "
                               "AND policy_label = 'Fake Accounts' AND metric = 'accounts_actioned'")
        assert sorted(versions.metric_label) == ["Accounts Actioned", "Content Actioned"]


# -- editions added to ../shared/data later: values read in each file by hand ------------------------------------

@pytest.mark.parametrize("edition, app, area, metric, period, expected, printed", [
    ("2021-q4", "instagram", "Bullying & Harassment", "Content Actioned", "2021-Q4", 6_600_000, "6,600,000"),  # l. 1244
    ("2021-q4", "facebook", "Fake Accounts", "Content Actioned", "2021-Q4", 1_700_000_000, "1,700,000,000"),  # l. 134
    ("2022-q1", "instagram", "Bullying & Harassment", "Content Actioned", "2022-Q1", 7_000_000, "7,000,000"),  # l. 1313
    ("2022-q1", "facebook", "Fake Accounts", "Content Actioned", "2022-Q1", 1_600_000_000, "1,600,000,000"),  # l. 141
    ("2022-q2", "instagram", "Bullying & Harassment", "Content Actioned", "2022-Q2", 6_100_000, "6,100,000"),  # l. 1382
    ("2022-q2", "facebook", "Fake Accounts", "Content Actioned", "2022-Q2", 1_400_000_000, "1,400,000,000"),  # l. 148
    ("2022-q3", "instagram", "Bullying & Harassment", "Content Actioned", "2022-Q3", 6_100_000, "6,100,000"),  # l. 1451
    ("2022-q3", "facebook", "Fake Accounts", "Content Actioned", "2022-Q3", 1_500_000_000, "1,500,000,000"),  # l. 155
    ("2023-q4", "instagram", "Bullying & Harassment", "Content Actioned", "2023-Q4", 8_800_000, "8,800,000"),  # l. 1796
    ("2023-q4", "facebook", "Fake Accounts", "Content Actioned", "2023-Q4", 691_400_000, "691,400,000"),  # l. 190
    ("2024-q1", "instagram", "Bullying & Harassment", "Content Actioned", "2024-Q1", 10_300_000, "10,300,000"),  # l. 1865
    ("2024-q1", "facebook", "Fake Accounts", "Content Actioned", "2024-Q1", 630_900_000, "630,900,000"),  # l. 197
])
def test_counts_of_the_added_editions(edition, app, area, metric, period, expected, printed):
    doc, result = parse(edition)
    row = value(result.observations, platform=app, policy_label=area, metric_label=metric, period=period)
    assert (row["value"], row["value_text"], row["unit"]) == (expected, printed, "count")
    assert result.document_meta[doc.sha256]["edition"] == period
    assert result.unmapped == []


@pytest.mark.parametrize("edition, period, printed", [
    ("2021-q4", "2021-Q4", "95.90%"), ("2022-q1", "2022-Q1", "95.60%"), ("2022-q2", "2022-Q2", "95.60%"),
    ("2022-q3", "2022-Q3", "90.20%"), ("2023-q4", "2023-Q4", "94.50%"), ("2024-q1", "2024-Q1", "94.70%"),
])
def test_proactive_rates_of_the_added_editions(edition, period, printed):
    _, result = parse(edition)
    row = value(result.observations, platform="facebook", policy_label="Hate Speech", metric="proactive_rate",
                period=period)
    assert row["value"] == pytest.approx(float(printed[:-1]) / 100) and row["value_text"] == printed
    assert row["unit"] == "ratio"


# -- 2026Q2: reworded policies, new policies and new measures ----------------------------------------------------

def test_2026q2_reworded_policies_keep_the_earlier_wording_as_the_policy_label():
    doc, result = parse("2026-q2")
    df = result.observations
    assert result.unmapped == [] and result.document_meta[doc.sha256]["edition"] == "2026-Q2"
    hate = value(df, platform="facebook", policy_label="Hate Speech", metric="content_actioned", period="2018-Q1")
    assert (hate["value"], hate["value_text"]) == (2_500_000, "2,500,000")  # line 297, printed 'Hateful Conduct'
    assert hate["locator"].startswith("line 297 (app=Facebook, policy_area=Hateful Conduct, metric=Content Actioned")
    assert hate["policy_area"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    latest = value(df, platform="facebook", policy_label="Hate Speech", metric="content_actioned", period="2026-Q2")
    assert latest["value"] == 1_500_000  # line 330
    suicide = value(df, platform="instagram", policy_label="Suicide and Self-Injury", metric="content_actioned",
                    period="2026-Q2")
    assert suicide["value"] == 12_800_000 and "Suicide, Self-Injury, and Eating Disorders" in suicide["locator"]
    for printed in ("Hateful Conduct", "Dangerous Organizations: Organized Hate", "Dangerous Organizations: Terrorism",
                    "Restricted Goods & Services: Drugs", "Restricted Goods & Services: Firearms",
                    "Suicide, Self-Injury, and Eating Disorders", "Violent and Graphic Content"):
        assert not (df.policy_label == printed).any(), printed


def test_2026q2_new_policy_and_cross_policy_measures():
    _, result = parse("2026-q2")
    df = result.observations
    crime = value(df, platform="facebook", policy_label="Dangerous Organizations: Criminal Organizations",
                  metric="content_actioned", period="2026-Q2")
    assert crime["value"] == 364_400 and crime["policy_area"] == "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY"
    cross = df[(df.platform == "instagram") & (df.policy_label == "Cross-Policy Data") & (df.period == "2026-Q2")]
    assert set(cross.policy_area) == {"ALL"}
    got = {m: (v, t, u) for m, v, t, u in zip(cross.metric, cross.value, cross.value_text, cross.unit, strict=True)}
    assert got == {  # lines 3831, 4779, 4783, 4787, 4791
        "content_removed": (102_000_000, "102,000,000", "count"),
        "enforcement_precision_lower": (pytest.approx(0.9078), "90.78%", "ratio"),
        "enforcement_precision_upper": (pytest.approx(0.9224), "92.24%", "ratio"),
        "false_positives_lower": (9_100_000, "9100000", "count"),
        "false_positives_upper": (9_500_000, "9500000", "count"),
    }
    assert value(df, platform="facebook", policy_label="Fake Accounts", metric="accounts_actioned",
                 period="2026-Q2")["value"] == 822_400_000  # line 295, printed 'Content Actioned'


def test_less_than_prevalence_is_the_ceiling_earlier_editions_printed_as_ubp():
    _, new = parse("2026-q2")
    terror = value(new.observations, platform="facebook", policy_label="Dangerous Orgs: Terrorism",
                   period="2026-Q2", metric="prevalence_ceiling")  # line 2207: Prevalence <0.05%
    assert (terror["value"], terror["qualifier"], terror["value_text"], terror["metric_label"]) == (
        pytest.approx(0.0005), "less_than", "<0.05%", "Prevalence")
    _, old = parse("2024-q2")
    ubp = value(old.observations, platform="facebook", policy_label="Dangerous Orgs: Terrorism", period="2024-Q2",
                metric="prevalence_ceiling")
    assert (ubp["value"], ubp["qualifier"], ubp["metric_label"]) == (pytest.approx(0.0005), "", "UBP")


def two_editions(tmp_path, new_text: str | None = None):
    """A store built from the 2024Q2 edition and the 2026Q2 one (or a given text in its place)."""
    from reports.ingest.build import build

    folder = tmp_path / "in" / "meta-cser"
    folder.mkdir(parents=True)
    for name in ("meta-2024-q2.csv", "meta-2026-q2.csv"):
        (folder / name).write_bytes(shared("meta-cser", name).read_bytes())
    if new_text is not None:
        (folder / "meta-2026-q2.csv").write_text(new_text, encoding="utf-8")
    db = tmp_path / "atlas.duckdb"
    summary = build(folder.parent, db, {"meta-cser": REGISTRY["meta-cser"]}, strict=True)
    assert summary.ok and summary.unmapped == []
    return db


def test_a_reworded_policy_is_one_series_across_the_2024q2_and_2026q2_editions(tmp_path):
    from reports.store.database import Store

    with Store(two_editions(tmp_path), read_only=True) as store:
        rows = store.latest("platform = 'facebook' AND lower(policy_label) IN ('hate speech', 'hateful conduct') "
                            "AND metric = 'content_actioned'")
        assert len(rows) == 35 and not rows.period.duplicated().any()  # 2017Q4 to 2026Q2, one figure each
        assert set(rows.policy_label) == {"Hate Speech"}
        by_period = dict(zip(rows.period, rows.value, strict=True))
        assert (by_period["2018-Q1"], by_period["2026-Q2"]) == (2_500_000, 1_500_000)
        first = rows[rows.period == "2018-Q1"].iloc[0]
        assert "policy_area=Hateful Conduct" in first["locator"]  # the newest edition's row, its printed wording
        changes = store.changes(source="meta-cser")
        assert changes.empty  # every figure printed in both editions is equal: the rewording is no revision


def test_a_genuine_revision_across_the_rewording_is_listed(tmp_path):
    from reports.store.database import Store

    text = shared("meta-cser", "meta-2026-q2.csv").read_text(encoding="utf-8")
    old_line = 'Facebook,Hateful Conduct,Content Actioned,2018Q1,"2,500,000"'
    assert text.count(old_line) == 1
    with Store(two_editions(tmp_path, text.replace(old_line, old_line.replace("2,500,000", "2,600,000"))),
               read_only=True) as store:
        changes = store.changes(source="meta-cser")
        assert len(changes) == 1
        change = changes.iloc[0]
        assert (change.policy_label, change.period, change.old_value, change.new_value) == (
            "Hate Speech", "2018-Q1", 2_500_000, 2_600_000)
        assert (change.old_document_name, change.new_document_name) == ("meta-2024-q2.csv", "meta-2026-q2.csv")
        assert "Hate Speech" in change.old_locator and "Hateful Conduct" in change.new_locator


# -- a next edition nobody has seen: Meta's own file, changed the way publishers change files ----------------------

def real_2026() -> str:
    return shared("meta-cser", "meta-2026-q2.csv").read_text(encoding="utf-8")


def parse_text(tmp_path, text: str, name: str = "meta-2026-q2.csv"):
    from reports.ingest.register import register

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return REGISTRY["meta-cser"].read([register(path, REGISTRY["meta-cser"].card)])


def figures(df):
    """Every figure by what names it (the locator's line too), to compare two parses of one file."""
    keys = zip(df.platform, df.period, df.policy_label, df.policy_area, df.metric, df.metric_label, df.breakdown,
               df.locator.str.extract(r"^(line \d+)")[0], strict=True)
    return {k: (t, q, None if v != v else v) for k, t, q, v in zip(keys, df.value_text, df.qualifier, df.value,
                                                                   strict=True)}


def assert_others_exact(mutated, baseline, changed):
    """Every figure the mutation did not touch is exactly as in the real file."""
    ours, theirs = figures(mutated), figures(baseline)
    kept = {k: v for k, v in theirs.items() if not changed(k)}
    assert {k: v for k, v in ours.items() if k in kept} == kept
    assert len(kept) > 4000


def test_a_renamed_policy_is_kept_verbatim_and_flagged(tmp_path):
    _, baseline = parse("2026-q2")
    result = parse_text(tmp_path, real_2026().replace(",Bullying & Harassment,", ',"Bullying, Harassment & Threats",'))
    assert [(u.field, u.label) for u in result.unmapped] == [("policy_areas", "Bullying, Harassment & Threats")]
    assert "collectors/meta_cser/mappings/policy_areas.csv" in result.unmapped[0].mapping_file
    df = result.observations
    renamed = df[df.policy_label == "Bullying, Harassment & Threats"]
    assert set(renamed.policy_area) == {"UNMAPPED"} and len(renamed) == (baseline.observations.policy_label
                                                                         == "Bullying & Harassment").sum()
    row = value(renamed, platform="facebook", metric="content_actioned", period="2024-Q2")
    assert (row["value"], row["value_text"]) == (7_800_000, "7,800,000")  # line 63 of the real file
    assert_others_exact(df, baseline.observations, lambda k: k[2] == "Bullying & Harassment")


def test_a_renamed_metric_is_kept_verbatim_and_flagged(tmp_path):
    _, baseline = parse("2026-q2")
    result = parse_text(tmp_path, real_2026().replace(",Content Appealed,", ",Appeals Received,"))
    assert [(u.field, u.label) for u in result.unmapped] == [("metrics", "Appeals Received")]
    df = result.observations
    appeals = df[df.metric_label == "Appeals Received"]
    assert set(appeals.metric) == {"unmapped"} and len(appeals) == (baseline.observations.metric_label
                                                                    == "Content Appealed").sum()
    row = value(appeals, platform="facebook", policy_label="Hate Speech", period="2024-Q2")
    was = value(baseline.observations, platform="facebook", policy_label="Hate Speech", metric="appealed_content",
                period="2024-Q2")
    assert (row["value"], row["unit"]) == (was["value"], "count")
    assert_others_exact(df, baseline.observations, lambda k: k[5] == "Content Appealed")


def test_a_new_app_becomes_its_slug_and_is_flagged(tmp_path):
    _, baseline = parse("2026-q2")
    text = real_2026().rstrip("\n") + "\n"
    added = [line.replace("Instagram,", "Threads,", 1) for line in text.splitlines() if line.startswith("Instagram,")]
    result = parse_text(tmp_path, text + "\n".join(added[:40]) + "\n")
    assert [(u.field, u.label) for u in result.unmapped] == [("platforms", "Threads")]
    threads = result.observations[result.observations.platform == "threads"]
    assert len(threads) == 40
    first = added[0].split(",")
    row = threads.iloc[0]
    assert row["locator"].endswith(f"(app=Threads, policy_area={first[1]}, metric={first[2]}, period={first[3]})")
    assert_others_exact(result.observations, baseline.observations, lambda k: False)


def test_an_added_column_and_reordered_columns_read_by_name(tmp_path):
    _, baseline = parse("2026-q2")
    lines = real_2026().splitlines()
    rows = list(csv.reader(lines))
    assert rows[0] == ["app", "policy_area", "metric", "period", "value"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Value", "Period", "Footnote", "Metric", "APP", "Policy Area"])
    for app, area, metric, period, printed in rows[1:]:
        writer.writerow([printed, period, "", metric, app, area])
    result = parse_text(tmp_path, out.getvalue())
    assert result.unmapped == []
    assert figures(result.observations) == figures(baseline.observations)
    assert any("'Footnote' not read" in n for n in result.notes)


def test_a_sentence_where_a_number_belongs_is_kept_as_text(tmp_path):
    _, baseline = parse("2026-q2")
    line = 'Facebook,Hateful Conduct,Content Actioned,2026Q2,"1,500,000"'
    sentence = "Facebook,Hateful Conduct,Content Actioned,2026Q2,\"See the report, figures delayed\""
    result = parse_text(tmp_path, real_2026().replace(line, sentence))
    assert result.unmapped == []
    row = value(result.observations, platform="facebook", policy_label="Hate Speech", metric="content_actioned",
                period="2026-Q2")
    assert (row["qualifier"], row["value_text"], row["unit"]) == ("text", "See the report, figures delayed", "count")
    assert row["value"] != row["value"]  # empty
    assert_others_exact(result.observations, baseline.observations,
                        lambda k: k[:3] == ("facebook", "2026-Q2", "Hate Speech") and k[4] == "content_actioned")


def test_the_build_stores_a_mutated_edition_and_lists_its_labels(tmp_path):
    from reports.ingest.build import build
    from reports.store.database import Store

    folder = tmp_path / "in" / "meta-cser"
    folder.mkdir(parents=True)
    (folder / "meta-2026-q2.csv").write_text(real_2026().replace(",Spam,", ",Spam and Scams,"), encoding="utf-8")
    db = tmp_path / "atlas.duckdb"
    summary = build(folder.parent, db, {"meta-cser": REGISTRY["meta-cser"]})
    assert summary.ok and [u.label.label for u in summary.unmapped] == ["Spam and Scams"]
    with Store(db, read_only=True) as store:
        assert set(store.latest("policy_label = 'Spam and Scams'").policy_area) == {"UNMAPPED"}
    strict = build(folder.parent, tmp_path / "strict.duckdb", {"meta-cser": REGISTRY["meta-cser"]}, strict=True)
    assert not strict.ok and "Spam and Scams" in strict.failed[0][1]


@pytest.mark.parametrize("header, missing", [
    ("app,policy_area,metric,period\n", "value"),
    ("app,policy,metric,period,value\n", "policy_area"),  # 'policy' holds no policy any mapping covers
])
def test_a_missing_column_fails_naming_it(tmp_path, header, missing):
    from reports.ingest.register import register
    from reports.model.errors import ParseError

    path = tmp_path / "meta.csv"
    path.write_text(header + "Facebook,A Policy Nobody Mapped,Content Actioned,2024Q2,5\n", encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        REGISTRY["meta-cser"].read([register(path, REGISTRY["meta-cser"].card)])
    assert "meta.csv: line 1: missing column(s) " + missing in str(caught.value)


@pytest.mark.parametrize("mark, least", [("\u00a0", 1_000), ("\u202f", 1_000), ("'", 1_000), ("\u2019", 1_000),
                                         (".", 1_000_000)])
def test_counts_grouped_with_another_thousands_mark_read_as_published(tmp_path, mark, least):
    """Meta's file with its counts grouped by a no-break space, a narrow no-break space, an apostrophe, or dots
    where there are two groups or more ("20.800.000"): every figure is the published one. A lone dot group
    ("1.234") stays a decimal point and is not rewritten here: it is one in every file we read."""
    _, baseline = parse("2026-q2")
    rows = list(csv.reader(io.StringIO(real_2026(), newline="")))
    at = rows[0].index("value")
    regrouped = 0
    for row in rows[1:]:
        printed = row[at].replace(",", "")
        if printed.isdigit() and int(printed) >= least:
            row[at], regrouped = f"{int(printed):,}".replace(",", mark), regrouped + 1
    assert regrouped > 100
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    result = parse_text(tmp_path, out.getvalue())
    ours, theirs = figures(result.observations), figures(baseline.observations)
    assert ours.keys() == theirs.keys()
    assert {k: (q, v) for k, (_, q, v) in ours.items()} == {k: (q, v) for k, (_, q, v) in theirs.items()}
    assert sum(ours[k][0] != theirs[k][0] for k in ours) == regrouped  # printed so, kept so in value_text


def test_figures_printed_with_a_footnote_mark_are_read_and_marked_footnoted(tmp_path):
    """Meta prints a footnote mark after some figures ("1,500,000*", "1,234\u00b9", "98.5%\u2020"): each is the number printed,
    qualified `footnoted`, the mark kept in value_text, and the build says so; every other figure is the real file's."""
    _, baseline = parse("2026-q2")
    text = real_2026()
    marks = {'Facebook,Hateful Conduct,Content Actioned,2026Q2,"1,500,000"': "*",
             'Instagram,Bullying & Harassment,Content Actioned,2026Q2,"924,000"': "\u00b9",
             "Facebook,Adult Nudity & Sexual Activity,Lowerbound Prevalence,2026Q2,0.07%": " \u2020"}
    for line, mark in marks.items():
        assert text.count(line + "\n") == 1
        text = text.replace(line + "\n", (line[:-1] + mark + '"' if line.endswith('"') else line + mark) + "\n")
    result = parse_text(tmp_path, text)
    df = result.observations
    footnoted = df[df.qualifier == "footnoted"].sort_values("value")
    assert footnoted[["platform", "period", "metric", "value", "value_text"]].values.tolist() == [
        ["facebook", "2026-Q2", "prevalence_lower", 0.0007, "0.07% \u2020"],
        ["instagram", "2026-Q2", "content_actioned", 924_000, "924,000\u00b9"],
        ["facebook", "2026-Q2", "content_actioned", 1_500_000, "1,500,000*"]]
    assert result.unmapped == []
    changed = {(p, label, m) for p, label, m in footnoted[["platform", "policy_label", "metric_label"]].values}
    assert_others_exact(df, baseline.observations, lambda k: k[1] == "2026-Q2" and (k[0], k[2], k[5]) in changed)
    from reports.ingest.build import text_notes

    [note] = text_notes(df, "meta-2026-q2.csv")
    assert note.startswith("meta-2026-q2.csv: 3 figure(s) printed with a footnote mark")


@pytest.mark.parametrize("renames", [
    {"app": "Platform"}, {"value": "Figure"}, {"policy_area": "Policy"}, {"metric": "Measure"}, {"period": "Quarter"},
    {"app": "Service", "policy_area": "Community Standard", "metric": "Measure", "period": "Time", "value": "Count"},
])
def test_a_renamed_header_is_read_from_what_its_column_holds_and_flagged(tmp_path, renames):
    """Meta renames its headers: each renamed column is found by what it holds (apps, policies and measures its
    mappings cover, periods, figures), every figure is the real file's, and each new header is flagged with the
    row of mappings/columns.csv that would name it."""
    _, baseline = parse("2026-q2")
    header, _, rest = real_2026().partition("\n")
    assert header.lstrip("\ufeff") == "app,policy_area,metric,period,value"
    result = parse_text(tmp_path, ",".join(renames.get(h, h) for h in header.lstrip("\ufeff").split(",")) + "\n" + rest)
    assert figures(result.observations) == figures(baseline.observations)
    assert sorted((u.field, u.label, u.suggestion) for u in result.unmapped) == sorted(
        ("columns", new, f"{new},{old},") for old, new in renames.items())
    assert all("collectors/meta_cser/mappings/columns.csv" in u.mapping_file for u in result.unmapped)

