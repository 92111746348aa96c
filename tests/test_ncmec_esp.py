"""NCMEC CyberTipline reports by ESP: exact published values, every row read, rows adding up to the printed total."""
from __future__ import annotations

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
    (2022, "Microsoft - Online Operations", "microsoft-online-operations", 107_274, 4),
    (2020, "Amazon / Twitch", "amazon-twitch", 2_235, 1),
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
    assert len(esps) == ROWS[year]
    # a provider's row is its platform's total; only providers sharing a platform keep their name apart
    assert not esps.duplicated(["platform", "breakdown"]).any()
    shared = esps[esps.platform.duplicated(keep=False)]
    assert (esps.breakdown == "").sum() == len(esps) - len(shared) and shared.breakdown.str.startswith("esp=").all()
    assert not esps.value.isna().any()
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
