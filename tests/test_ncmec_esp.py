"""NCMEC CyberTipline reports by ESP: exact published values, every row read, rows adding up to the printed total."""
from __future__ import annotations

import csv
import re

import pytest

from collectors import REGISTRY
from collectors.ncmec_esp.parser import slug
from reports.ingest.register import register
from reports.model.errors import ParseError
from tests.conftest import only_row as value
from tests.conftest import parse_real, shared

YEARS = range(2019, 2024)
# ESP rows per PDF, counted in each PDF's text as lines ending in a count (wrapped names counted once),
# and the total each PDF prints on its last page.
ROWS = {2019: 148, 2020: 168, 2021: 230, 2022: 236, 2023: 247}
TOTALS = {2019: ("Totals:", 16_836_694), 2020: ("Totals:", 21_447_786), 2021: ("Total:", 29_157_083),
          2022: ("Total", 31_802_525), 2023: ("Total", 35_944_826)}


def parse(year: int):
    return parse_real("ncmec-esp", "ncmec", f"ncmec-by-esp-{year}.pdf")


def esp_row(df, esp: str):
    """The one row whose locator names this ESP verbatim (`page N, row M: <name> <count>[; footnote: ...]`)."""
    esps = df.locator.str.extract(r"^page \d+, row \d+: (.*) [\d,]+(?:; footnote: .*)?$")[0]
    rows = df[esps == esp]
    assert len(rows) == 1, f"{len(rows)} rows for ESP {esp!r}"
    return rows.iloc[0]


@pytest.mark.parametrize("year, esp, platform, expected, page", [
    (2022, "Twitch Interactive, Inc.", "twitch", 14_508, 7),
    (2023, "Facebook", "facebook", 17_838_422, 3),
    (2023, "Instagram, Inc.", "instagram", 11_430_007, 4),
    (2019, "TikTok", "tiktok", 596, 4),
    (2019, "Facebook*", "meta", 15_884_511, 2),
    (2020, "Facebook*", "meta", 20_307_216, 2),
    (2021, "WhatsApp", "whatsapp", 1_372_696, 7),
    (2021, "Twitch", "twitch", 6_629, 6),
    (2020, "TikTok*", "tiktok", 22_692, 5),
    (2023, "X Corp", "x", 273_416, 8),
    (2023, "Twitter, Inc. / Vine.co", "x", 597_087, 7),
    (2023, "Threads", "threads", 663, 7),
    (2022, "Microsoft - Xbox", "xbox", 1_185, 4),
    (2022, "Microsoft - Online Operations", "microsoft", 107_274, 4),
    (2019, "Apple Inc", "apple", 205, 1),
    (2020, "Apple", "apple", 265, 1),
    (2019, "Deluxe Corporation/ColoCrossing / HudsonValleyHost", "deluxe-corporation-colocrossing-hudsonvalleyhost", 22, 2),
    (2021, "EasyOnlineSolutions/MojoHost/ North Tone/Hosthead", "easyonlinesolutions-mojohost-north-tone-hosthead", 41, 2),
    (2021, "Web.com/Network Solutions/ Register/NameBargain", "web-com-network-solutions-register-namebargain", 3, 7),
])
def test_counts_equal_the_published_values(year, esp, platform, expected, page):
    _, result = parse(year)
    row = esp_row(result.observations, esp)
    assert row["platform"] == platform
    assert row["value"] == expected and row["unit"] == "count" and row["metric"] == "ncmec_reports"
    assert row["period"] == str(year) and row["region"] == "GLOBAL"
    assert row["policy_area"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert row["locator"].startswith(f"page {page}, row ")
    assert row["value_text"] == f"{expected:,}"


@pytest.mark.parametrize("year", YEARS)
def test_every_esp_row_is_read_once_and_they_add_up_to_the_printed_total(year):
    doc, result = parse(year)
    df = result.observations
    esps = df[df.platform != "all-esps"]
    # a row printed for several platforms together (2020's `Amazon / Twitch`) is stored once for each
    assert esps.locator.nunique() == ROWS[year]
    assert len(esps) == ROWS[year] + (1 if year == 2020 else 0)
    # a provider's row is its platform's total; only providers sharing a platform keep their name apart
    assert not esps.duplicated(["platform", "breakdown"]).any()
    shared = esps[esps.platform.duplicated(keep=False)]
    assert set(esps.qualifier) <= {"", "combined"}
    assert (esps.breakdown == "").sum() == len(esps) - len(shared) and shared.breakdown.str.startswith("esp=").all()
    assert not esps.value.isna().any()
    esps = esps.drop_duplicates("locator")  # counted once
    label, printed = TOTALS[year]
    total = value(df, platform="all-esps")
    assert total["value"] == printed and total["breakdown"] == "" and total["locator"].endswith(f"{label} {printed:,}")
    assert esps.value.sum() == printed
    assert result.notes == []  # a sum that differed from the printed total would be noted here
    meta = result.document_meta[doc.sha256]
    assert meta["edition"] == str(year) and meta["edition_date"].isoformat() == f"{year}-12-31"


def test_the_column_heading_is_the_metric_label_and_the_footnote_is_kept():
    _, old = parse(2019)
    _, new = parse(2023)
    assert set(old.observations.metric_label) == {"Number of Reports"}
    assert set(new.observations.metric_label) == {"Reports"}
    meta = value(old.observations, platform="meta")
    assert meta["breakdown"] == "" and meta["locator"].endswith(
        "Facebook* 15,884,511; footnote: Report totals for related platforms and companies have been combined.")
    assert value(new.observations, platform="facebook")["breakdown"] == ""
    x = new.observations[new.observations.platform == "x"].sort_values("breakdown")
    assert list(zip(x.breakdown, x.value, strict=True)) == [("esp=Twitter, Inc. / Vine.co", 597_087),
                                                            ("esp=X Corp", 273_416)]


def test_slugs_of_names_we_have_no_platform_for():
    assert slug("Some Company, Inc.") == "some-company-inc"
    assert slug("Alpha Exploration Co, Inc (d/b/a “Clubhouse)") == "alpha-exploration-co-inc-d-b-a-clubhouse"
    with pytest.raises(ParseError):
        slug("***")


def test_a_file_that_is_not_a_pdf_raises_a_parse_error_naming_it(tmp_path):
    bad = tmp_path / "ncmec-by-esp-2024.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    doc = register(bad, REGISTRY["ncmec-esp"].card)
    with pytest.raises(ParseError, match="ncmec-by-esp-2024.pdf"):
        REGISTRY["ncmec-esp"].parse([doc])


# -- the next year nobody has seen: the real PDF's words, changed the way NCMEC changes its layout -------------------

def read_changed(monkeypatch, year: int, change):
    """Parse the real PDF with the words pdfplumber extracts from each page changed by `change(page_number, words)`."""
    from pdfplumber.page import Page

    original = Page.extract_words

    def extract(self, *args, **kwargs):
        return change(self.page_number, [dict(w) for w in original(self, *args, **kwargs)])

    monkeypatch.setattr(Page, "extract_words", extract)
    doc = register(shared("ncmec", f"ncmec-by-esp-{year}.pdf"), REGISTRY["ncmec-esp"].card)
    return REGISTRY["ncmec-esp"].read([doc])


def word_at(words, text: str, near_top: float | None = None):
    (found,) = [w for w in words if w["text"] == text and (near_top is None or abs(w["top"] - near_top) < 2)]
    return found


def by_esp(df):
    return {(p, b): (loc, t, q, None if v != v else v) for p, b, loc, t, q, v in zip(
        df.platform, df.breakdown, df.locator, df.value_text, df.qualifier, df.value, strict=True)}


def test_a_changed_layout_and_new_words_keep_every_other_row_exact(monkeypatch):
    _, real = parse(2023)
    yelp_top = esp_row(real.observations, "Yelp Inc.")  # page 8: 'Yelp Inc. 3'

    def change(page: int, words):
        if page == 3:  # the column headings are not repeated on this page: rows still read as the table's
            words = [w for w in words if not (w["text"] in ("ESP", "Reports") and 80 < w["top"] < 90)]
        if page == 8:
            word_at(words, "Corp", near_top=108.5)["text"] = "Holdings"  # 'X Corp' renamed 'X Holdings'
            three = next(w for w in words if w["text"] == "3" and w["x1"] > 480 and w["top"] > 125)
            words.remove(three)  # the count beside 'Yelp Inc.' printed as words
            words += [{**three, "text": "Not", "x0": three["x1"] - 60, "x1": three["x1"] - 42},
                      {**three, "text": "reported", "x0": three["x1"] - 39}]
            total = word_at(words, "Total")
            words.append({**total, "text": "Grand", "x0": total["x0"] - 40, "x1": total["x0"] - 4})
            words += [{**total, "text": text, "top": total["top"] + 30, "bottom": total["bottom"] + 30, "x0": x0,
                       "x1": x0 + 40} for text, x0 in (("Figures", 122.2), ("are", 165.0), ("preliminary.", 190.0))]
        return words

    result = read_changed(monkeypatch, 2023, change)
    df = result.observations
    assert result.unmapped == []
    x = df[df.platform == "x"]
    assert list(zip(x.breakdown, x.value, strict=True)) == [("", 597_087)]  # 'Twitter, Inc. / Vine.co' alone now
    holdings = value(df, platform="x-holdings")
    assert (holdings["value"], holdings["locator"]) == (273_416, "page 8, row 1: X Holdings 273,416")
    yelp = value(df, platform="yelp-inc")
    assert (yelp["qualifier"], yelp["value_text"]) == ("text", "Not reported") and yelp["value"] != yelp["value"]
    total = value(df, platform="all-esps")
    assert (total["value"], total["locator"]) == (35_944_826, "page 8, row 10: Grand Total 35,944,826")
    assert any("'Figures are preliminary.'" in n for n in result.notes)
    assert any("sum to 35,944,823" in n for n in result.notes)  # without Yelp's 3, the rows no longer add up
    page3 = df[df.locator.str.startswith("page 3, ")]
    assert len(page3) == len(real.observations[real.observations.locator.str.startswith("page 3, ")]) > 20
    changed = {("x", "esp=X Corp"), ("x", "esp=Twitter, Inc. / Vine.co"), ("yelp-inc", ""), ("all-esps", "")}
    kept = {k: v for k, v in by_esp(real.observations).items() if k not in changed}
    # every row but X Corp, Twitter (no longer sharing platform x), Yelp and the total
    assert {k: v for k, v in by_esp(df).items() if k in kept} == kept and len(kept) == ROWS[2023] + 1 - 4
    assert yelp_top["value"] == 3


def test_a_renamed_count_heading_is_read_from_the_layout(monkeypatch):
    _, real = parse(2019)

    def change(page: int, words):
        for w in words:
            if w["text"] == "ESP" and w["x0"] < 150 and 60 < w["top"] < 600:
                w["text"] = "Company"  # 'ESP Number of Reports' -> 'Company Number of CyberTipline Reports'
            if w["text"] == "of" and w["x0"] > 300:
                w["text"] = "of CyberTipline"
        return words

    result = read_changed(monkeypatch, 2019, change)
    df = result.observations
    assert set(df.metric_label) == {"Number of CyberTipline Reports"}
    assert len(df) == len(real.observations) == ROWS[2019] + 1
    ours = {k: v[1:] for k, v in by_esp(df).items()}
    assert ours == {k: v[1:] for k, v in by_esp(real.observations).items()}


def test_a_row_printed_for_two_platforms_is_each_ones_figure_marked_combined():
    # NCMEC 2020 prints one row 'Amazon / Twitch 2,235' (page 1, row 8): Twitch's and Amazon's, never added twice.
    _, result = parse(2020)
    df = result.observations
    rows = df[df.locator == "page 1, row 8: Amazon / Twitch 2,235"].sort_values("platform")
    assert list(rows.platform) == ["amazon", "twitch"]
    assert set(rows.value) == {2_235} and set(rows.qualifier) == {"combined"} and set(rows.breakdown) == {""}
    assert "amazon-twitch" not in set(df.platform)


def _series(store, platform):
    rows = store.query("SELECT period, value, qualifier, locator FROM latest WHERE source = 'ncmec-esp' AND platform = ? "
                       "ORDER BY period", [platform])
    return rows


def test_a_provider_renamed_between_years_is_one_series(real_atlas):
    # NCMEC prints 'Apple Inc' (2019, 2022, 2023) and 'Apple' (2020, 2021): one platform.
    apple = _series(real_atlas, "apple")
    assert list(zip(apple.period, apple.value, strict=True)) == [
        ("2019", 205), ("2020", 265), ("2021", 160), ("2022", 234), ("2023", 267)]
    assert apple.locator.str.contains(": Apple Inc 2").sum() == 3
    # Microsoft: 'Microsoft*' (2019-2020), 'Microsoft' (2021), 'Microsoft - Online Operations' (2022-2023).
    microsoft = _series(real_atlas, "microsoft").set_index("period")["value"]
    assert microsoft["2021"] == 78_603 and microsoft["2022"] == 107_274 and microsoft["2023"] == 139_265
    held = set(real_atlas.query("SELECT DISTINCT platform FROM latest WHERE source = 'ncmec-esp'")["platform"])
    assert not held & {"apple-inc", "microsoft-online-operations", "amazon-twitch", "cloudflare-inc", "dropbox-inc"}


def test_twitchs_ncmec_series_includes_2020_counted_with_amazon(real_atlas):
    twitch = _series(real_atlas, "twitch")
    assert list(zip(twitch.period, twitch.value, twitch.qualifier, strict=True)) == [
        ("2019", 541, ""), ("2020", 2_235, "combined"), ("2021", 6_629, ""), ("2022", 14_508, ""), ("2023", 6_665, "")]
    assert twitch.locator.iloc[1] == "page 1, row 8: Amazon / Twitch 2,235"


def _legal_form_free(name: str) -> str:
    """A provider's name without case, punctuation, '*' or legal-form words ('Apple Inc' and 'Apple' are one)."""
    words = re.sub(r"[^a-z0-9]+", " ", name.lower().rstrip("*")).split()
    return "".join(w for w in words if w not in LEGAL_WORDS)


LEGAL_WORDS = {"inc", "llc", "ltd", "limited", "corp", "corporation", "co", "gmbh", "bv", "sa", "ag", "pty", "plc",
               "company", "incorporated", "com"}


def test_no_provider_is_split_by_a_legal_form_or_punctuation_in_its_name(real_atlas):
    """Every NCMEC name in the atlas: two platforms whose names differ only in legal-form words, case or punctuation
    are one provider that NCMEC spelled two ways; list the spellings in reports/model/vocabularies/platform_names.csv."""
    rows = real_atlas.query(r"""SELECT DISTINCT platform,
                                regexp_extract(locator, '^page \d+, row \d+: (.*) [\d,]+(; footnote: .*)?$', 1) AS name
                                FROM latest WHERE source = 'ncmec-esp' AND platform <> 'all-esps'
                                AND qualifier <> 'combined'""")
    rows["key"] = rows["name"].map(_legal_form_free)
    split = rows.groupby("key")["platform"].nunique()
    # Facebook* (2019-2020) is the company's row (meta), Facebook the brand's from 2021: told apart on purpose.
    assert sorted(split[split > 1].index) == ["facebook"]


def test_every_ncmec_name_in_the_registry_says_the_years_it_was_printed(real_atlas):
    from reports.model.vocab import PLATFORM_NAMES

    with PLATFORM_NAMES.open(encoding="utf-8") as handle:
        registry = [r for r in csv.DictReader(handle) if r["source"] == "ncmec-esp"]
    printed = real_atlas.query(r"""SELECT regexp_extract(locator, '^page \d+, row \d+: (.*) [\d,]+(; footnote: .*)?$', 1)
                                   AS name, list(DISTINCT period ORDER BY period) AS years
                                   FROM latest WHERE source = 'ncmec-esp' GROUP BY 1""")
    years = dict(zip(printed.name, printed.years, strict=True))
    for row in registry:
        assert row["name"] in years, f"{row['name']!r} is in the registry but printed in no NCMEC edition held"
        spans = [s.split("-") for s in row["years"].split(";")]
        listed = [str(y) for s in spans for y in range(int(s[0]), int(s[-1]) + 1)]
        assert listed == list(years[row["name"]]), row["name"]
