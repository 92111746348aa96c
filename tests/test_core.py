"""The core: periods, numbers, vocabularies, schema validation, and atomic builds that lose nothing."""
from __future__ import annotations

import os
import re
from datetime import date

import pandas as pd
import pytest

from collectors import REGISTRY
from reports.ingest.build import build
from reports.ingest.collector import Collector, ParseResult
from reports.model import periods, vocab
from reports.model.errors import ParseError, ValidationError
from reports.model.numbers import parse_figure, parse_number, parse_percent
from reports.model.periods import parse_period
from reports.model.schema import CONTRACT_COLUMNS, frame, observation, validate
from reports.store.database import Store


@pytest.mark.parametrize("text, start, end, label", [
    ("2017Q4", date(2017, 10, 1), date(2017, 12, 31), "2017-Q4"),
    ("2023-H1", date(2023, 1, 1), date(2023, 6, 30), "2023-H1"),
    ("H2 2024", date(2024, 7, 1), date(2024, 12, 31), "2024-H2"),
    ("2019", date(2019, 1, 1), date(2019, 12, 31), "2019"),
    ("Jul-Sep 2020", date(2020, 7, 1), date(2020, 9, 30), "2020-Q3"),
    ("January - June 2025", date(2025, 1, 1), date(2025, 6, 30), "2025-H1"),
    ("Nov-Jan 2021", date(2020, 11, 1), date(2021, 1, 31), "2020-11-01/2021-01-31"),
    ("2023-11-05", date(2023, 11, 5), date(2023, 11, 5), "2023-11-05"),
    ("2026/04/01", date(2026, 4, 1), date(2026, 4, 1), "2026-04-01"),
    ("2025-07-01/2025-12-31", date(2025, 7, 1), date(2025, 12, 31), "2025-H2"),
    ("February 2024", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
])
def test_periods_parse_into_inclusive_dates_and_one_label(text, start, end, label):
    period = parse_period(text)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_an_unreadable_period_names_file_and_place():
    with pytest.raises(ParseError) as err:
        parse_period("sometime in 2020", file="x.csv", place="line 7")
    assert str(err.value).startswith("x.csv: line 7: cannot read period 'sometime in 2020'")


def test_numbers_as_publishers_print_them():
    assert parse_number('"20,800,000"') == 20_800_000
    assert parse_number("1 234") == 1234
    for grouped in ("1\u00a0234\u00a0567", "1\u202f234\u202f567", "1'234'567", "1\u2019234\u2019567", "1.234.567"):
        assert parse_number(grouped) == 1_234_567, grouped
    assert parse_number("1.234") == 1.234 and parse_number("-1,234.5") == -1234.5  # a dot printed once is decimal
    for ambiguous in ("1 234,5", "2024.06.30", "1.234.5"):
        with pytest.raises(ParseError):
            parse_number(ambiguous)
    assert parse_number("N/A") is None and parse_number("--") is None and parse_number("") is None
    assert parse_number("0") == 0.0
    assert parse_percent("98.90%") == pytest.approx(0.989)
    assert [f.qualifier for f in parse_figure("4%-5%")] == ["range_lower", "range_upper"]
    assert parse_figure("<0.05%")[0].qualifier == "less_than"
    with pytest.raises(ParseError, match="not a number: '12,34,5'"):
        parse_number("12,34,5", file="f.csv", place="line 2")


def test_every_mapping_points_at_known_vocabulary():
    for collector in REGISTRY.values():
        for path in (collector.folder / "mappings").glob("*.csv"):
            collector.mapping(path.stem)  # raises on an unknown target


def test_an_unmapped_label_is_kept_verbatim_and_recorded_with_the_fix():
    with vocab.recording_unmapped() as found:
        row = REGISTRY["meta-cser"].mapping("metrics").lookup("Content  Teleported", file="m.csv", place="line 3")
        REGISTRY["meta-cser"].mapping("metrics").lookup("Content Teleported", file="m.csv", place="line 9")
        area = REGISTRY["meta-cser"].mapping("policy_areas").lookup("Lunar Conduct", file="m.csv", place="line 4")
        app = REGISTRY["meta-cser"].mapping("platforms").lookup("Threads, by Meta", file="m.csv", place="line 5")
    assert row["label"] == "Content Teleported" and row["metric"] == vocab.UNMAPPED_METRIC and row["breakdown"] == ""
    assert area["policy_area"] == vocab.UNMAPPED_AREA and app["platform"] == "threads-by-meta"
    assert [(u.field, u.label, u.place) for u in found] == [
        ("metrics", "Content Teleported", "line 3"), ("policy_areas", "Lunar Conduct", "line 4"),
        ("platforms", "Threads, by Meta", "line 5")]
    assert found[0].mapping_file == "collectors/meta_cser/mappings/metrics.csv"
    assert found[0].suggestion == "Content Teleported,<metric>,,"
    assert found[2].suggestion == '"Threads, by Meta",<platform>,meta-cser,,'
    assert found[2].mapping_file == "reports/model/vocabularies/platform_names.csv"


def _row(**overrides):
    row = observation(platform="twitch", period=periods.half(2023, 1), metric="content_actioned",
                      metric_label="Enforcement actions", value=12.0, locator="line 2",
                      source_url="https://example.org/report", document_sha256="a" * 64)
    row.update({"source": "curated-twitch", **overrides})
    return row


def test_schema_accepts_a_good_row_and_names_what_is_wrong():
    assert list(validate(frame([_row()])).columns[:16]) == CONTRACT_COLUMNS
    with pytest.raises(ValidationError, match="policy_area"):
        validate(frame([_row(policy_area="VIOLENCE")]))
    with pytest.raises(ValidationError, match="region"):
        validate(frame([_row(region="Greece")]))
    with pytest.raises(ValidationError, match="period ends before it starts"):
        validate(frame([_row(period_end=pd.Timestamp("2022-01-01"))]))


# One wrong value per check of the schema, as a publisher's file or a collector's bug could give it.
WRONG_VALUES = [("platform", "Twitch TV"), ("source", ""), ("period_start", None), ("period", ""),
                ("region", "Europe"), ("region", "EU\n"), ("policy_area", "VIOLENCE"), ("metric", "actions"),
                ("metric_label", ""), ("unit", "furlongs"), ("source_url", "ftp://example.org/r"),
                ("document_sha256", "abc"), ("locator", ""), ("breakdown", "Country=FR"), ("qualifier", "maybe"),
                ("period_end", pd.Timestamp("2022-01-01"))]


def test_the_direct_check_of_the_schema_never_passes_what_pandera_refuses():
    """`validate` lets a frame through without pandera only when every value passes the fields' checks tested
    directly; each wrong value is caught by that check and refused by pandera too, with its column named."""
    from reports.model.schema import _schema, coerce, passes_directly

    good = coerce(frame([_row(), _row(locator="line 3", breakdown="country=FR", qualifier="approximate")]))
    assert passes_directly(good)
    _schema().validate(good, lazy=True)  # pandera agrees
    for column, wrong in WRONG_VALUES:
        bad = coerce(frame([_row(), _row(**{column: wrong})]))
        assert not passes_directly(bad), column
        with pytest.raises(ValidationError, match=f"{column}|period ends before it starts"):
            validate(bad)


class _FixtureCollector(Collector):
    """Reads tests' own files: `value[,policy label]` per file (the label through Meta's mapping); a file holding
    'boom' is bad input."""

    id = "meta-cser"  # borrows Meta's source card and mappings for provenance
    folder = REGISTRY["meta-cser"].folder

    def parse(self, documents):
        (doc,) = documents
        text = doc.read_bytes().decode().strip()
        if text == "boom":
            raise ParseError("cannot read this", file=doc.path, place="line 1")
        value, _, label = text.partition(",")
        area = self.mapping("policy_areas").lookup(label or "Spam", file=doc.path, place="line 1")
        return ParseResult(frame([_row(document_sha256="", value=float(value), locator=f"line 1 ({label})",
                                       policy_area=area["policy_area"], policy_label=label)]))


def _sources(tmp_path, **files: str):
    sources = tmp_path / "in" / "meta-cser"
    sources.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (sources / f"{name}.csv").write_text(text)
    return sources.parent


def test_a_broken_document_fails_alone_and_keeps_its_previous_version(tmp_path):
    db = tmp_path / "atlas.duckdb"
    collectors = {"meta-cser": _FixtureCollector()}
    first = build(_sources(tmp_path, a="5,Spam\n", b="7,Hate Speech\n"), db, collectors)
    assert first.observations == 2 and first.ok
    # b breaks (a new, unreadable version of it), c is new and good: c is stored, b keeps its earlier version.
    summary = build(_sources(tmp_path, b="boom\n", c="9,Fake Accounts\n"), db, collectors)
    assert not summary.ok and summary.parsed == ["c.csv"]
    assert [name for name, _ in summary.failed] == ["b.csv"]
    assert "b.csv: line 1: cannot read this" in summary.failed[0][1]
    assert any("FAILED" in line for line in summary.lines())
    with Store(db, read_only=True) as store:
        assert sorted(store.latest().value) == [5.0, 7.0, 9.0]
        assert sorted(store.documents().name) == ["a.csv", "b.csv", "c.csv"]
    assert not (tmp_path / "atlas.duckdb.tmp").exists()


def test_rebuilding_with_nothing_changed_skips_known_documents(tmp_path):
    sources = tmp_path / "in" / "meta-cser"
    sources.mkdir(parents=True)
    (sources / "a.csv").write_text("5\n")
    db = tmp_path / "atlas.duckdb"
    collectors = {"meta-cser": _FixtureCollector()}
    build(sources.parent, db, collectors)
    again = build(sources.parent, db, collectors)
    assert again.parsed == [] and again.unchanged == ["a.csv"]


def test_a_bug_in_a_parser_becomes_an_error_naming_the_file(tmp_path):
    class Broken(_FixtureCollector):
        def parse(self, documents):
            return {}["missing"]

    summary = build(_sources(tmp_path, a="5\n"), tmp_path / "db.duckdb", {"meta-cser": Broken()})
    assert [name for name, _ in summary.failed] == ["a.csv"]
    assert re.search(r"a\.csv: KeyError: 'missing'", summary.failed[0][1])


def test_an_unmapped_label_builds_flagged_and_strict_refuses_it_naming_them_all(tmp_path):
    db = tmp_path / "atlas.duckdb"
    collectors = {"meta-cser": _FixtureCollector()}
    root = _sources(tmp_path, a="5,Spam", b="6,Lunar Conduct", c="7,Orbital Hazards")
    strict = build(root, db, collectors, strict=True)
    assert strict.parsed == ["a.csv"] and sorted(name for name, _ in strict.failed) == ["b.csv", "c.csv"]
    assert all("--strict" in error for _, error in strict.failed)
    assert "'Lunar Conduct'" in strict.failed[0][1] and "'Orbital Hazards'" in strict.failed[1][1]
    summary = build(root, db, collectors)
    assert summary.ok and sorted(summary.parsed) == ["b.csv", "c.csv"]
    assert [(u.label.label, u.figures) for u in summary.unmapped] == [("Lunar Conduct", 1), ("Orbital Hazards", 1)]
    text = "\n".join(summary.lines())
    assert "meta-cser policy_areas 'Lunar Conduct': 1 figure(s), first at b.csv line 1 (Lunar Conduct)" in text
    assert "`Lunar Conduct,<policy_area>,,` in collectors/meta_cser/mappings/policy_areas.csv" in text
    with Store(db, read_only=True) as store:
        kept = store.latest().set_index("policy_label")
        assert kept.loc["Lunar Conduct", "policy_area"] == "UNMAPPED" and kept.loc["Lunar Conduct", "value"] == 6.0
        assert kept.loc["Spam", "policy_area"] == "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
        listed = store.unmapped()
    assert list(listed.label) == ["Lunar Conduct", "Orbital Hazards"] and list(listed.first_document) == ["b.csv", "c.csv"]


def test_the_pdf_opener_keeps_a_collectors_own_error_and_names_a_damaged_pdf():
    from reports.ingest.pdfio import open_pdf
    from tests.faults import tiny_pdf

    with pytest.raises(KeyError, match="column 'count'"):
        with open_pdf(tiny_pdf(["2023 CyberTipline Reports"]), file="r.pdf") as pdf:
            assert pdf.pages[0].extract_text().startswith("2023")
            {}["column 'count'"]  # a collector's own bug: not the PDF's fault
    damaged = tiny_pdf(["2023 CyberTipline Reports"]).replace(b"[0 0 612 792]", b"[0 0 612]")  # a short MediaBox
    with pytest.raises(ParseError, match=r"r\.pdf: damaged PDF") as err:
        with open_pdf(damaged, file="r.pdf") as pdf:
            pdf.pages[0].extract_text()
    assert err.value.__cause__ is not None


def test_the_schema_is_declared_once_and_the_store_pandera_and_packages_follow_it(tmp_path):
    from reports.model import schema
    from reports.publish.package import table_schema

    with Store(tmp_path / "s.duckdb") as store:
        columns = store.query("SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_name = 'observations' ORDER BY ordinal_position")
    assert list(columns.column_name) == schema.COLUMNS
    assert list(columns.data_type) == [schema.SQL_TYPES[f.type] for f in schema.OBSERVATION_FIELDS]
    assert list(schema._schema().columns) == schema.COLUMNS
    described = table_schema(schema.COLUMNS, schema.FIELDS_BY_NAME)["fields"]
    assert [(f["name"], f["type"]) for f in described] == [(f.name, f.type) for f in schema.OBSERVATION_FIELDS]
    region = next(f for f in described if f["name"] == "region")
    assert region["constraints"] == {"required": True, "pattern": schema.REGION_PATTERN}


def test_a_store_reached_through_a_symlink_is_locked_and_written_as_itself(tmp_path):
    from reports.model.errors import StoreError
    from reports.store.database import resolve_db
    from reports.store.locks import locked

    real = tmp_path / "real.duckdb"
    build(_sources(tmp_path, a="5,Spam\n"), real, {"meta-cser": _FixtureCollector()})
    link = tmp_path / "link.duckdb"
    link.symlink_to(real)
    assert resolve_db(link) == real.resolve()
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    child = os.fork()
    if child == 0:  # another run holding the real store's lock until told to stop
        with locked(real):
            os.write(ready_w, b"1")
            os.read(done_r, 1)
        os._exit(0)
    try:
        os.read(ready_r, 1)
        with pytest.raises(StoreError, match=f"another tatlas build/collect is running \\(pid {child}\\)"):
            with locked(link):
                pass
    finally:
        os.write(done_w, b"1")
        os.waitpid(child, 0)
    assert not (tmp_path / "link.duckdb.lock").exists()
    build(_sources(tmp_path, b="7,Hate Speech\n"), resolve_db(link), {"meta-cser": _FixtureCollector()})
    assert link.is_symlink()
    with Store(real, read_only=True) as store:
        assert sorted(store.latest().value) == [5.0, 7.0]


def test_text_readers_refuse_what_would_mislead_and_name_the_place():
    from reports.ingest.textio import csv_records, decode_text
    from reports.model.errors import AtlasError

    ok = decode_text(b"app,value\nFacebook,\"20,800,000\"\n", file="m.csv")
    assert csv_records(ok, file="m.csv") == [(1, ["app", "value"]), (2, ["Facebook", "20,800,000"])]
    assert csv_records('a,b\n1,"two\nlines"\n3,4', file="m.csv")[-1] == (4, ["3", "4"])
    with pytest.raises(ParseError, match=r"m\.csv: line 3: the file ends inside a quoted field"):
        csv_records('app,value\nFacebook,"20,800,000"\nInstagram,"31,8', file="m.csv")
    with pytest.raises(ParseError, match=r"line 2, column 9: not UTF-8 text: byte 0xe9 .*\(a stray byte"):
        decode_text("name,x\nFacebook\xe9,1\nCafé,2\n".encode().replace(b"\xc3\xa9,1", b"\xe9,1"),
                    file="m.csv", allow_cp1252=True)
    assert decode_text("name\nCaf\xe9\n".encode("cp1252"), file="m.csv", allow_cp1252=True) == "name\nCafé\n"
    assert decode_text("name\nCafé\n".encode("utf-16"), file="m.csv") == "name\nCafé\n"
    with pytest.raises(ParseError, match="an HTML page, not a data file"):
        decode_text(b"\n  <!DOCTYPE html><html><body>Sign in</body></html>", file="m.csv")
    with pytest.raises(ParseError, match=r"line 2 is 2,097,153 bytes long") as err:
        decode_text(b"a,b\n" + b"x" * (2 * 1024 * 1024 + 1) + b"\n", file="m.csv")
    assert len(str(err.value)) < 300
    long = AtlasError("header " + "h" * 2_000_000, file="m.csv", place="line 1")
    assert len(str(long)) < 3_000 and "more characters" in str(long)


def test_files_no_collector_reads_are_listed_with_the_reason_and_links_are_never_followed(tmp_path):
    from collectors import REGISTRY as real

    root = tmp_path / "in"
    (root / "x").mkdir(parents=True)
    (root / "x" / "x-2025-h1.csv").write_text("a,b\n")
    secret = tmp_path / "secret.csv"
    secret.write_text("app,policy_area,metric,period,value\n")
    (root / "meta-cser").mkdir()
    (root / "meta-cser" / "linked.csv").symlink_to(secret)
    (root / "dsa-sor").mkdir()
    (root / "dsa-sor" / "sor-global-2025-07-01-full-00000-00000.csv").write_text("uuid,platform_name\n")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "notes.csv").write_text("a,b\n")
    summary = build(root, tmp_path / "atlas.duckdb", {cid: real[cid] for cid in ("x", "meta-cser", "dsa-tdb")})
    assert sorted(summary.unclaimed) == [
        "dsa-sor/sor-global-2025-07-01-full-00000-00000.csv (dsa-tdb: statements of reasons from the daily dumps, "
        "read by `tatlas sor ingest`, not by the build)",
        "elsewhere/notes.csv (no collector recognises it)",
        "meta-cser/linked.csv (a symbolic link: not followed)",
        "x/x-2025-h1.csv (in x's folder, but not a file it reads (*.pdf))"]
    assert summary.parsed == [] and summary.ok


def test_a_malformed_provenance_sidecar_fails_its_document_naming_the_key(tmp_path):
    root = _sources(tmp_path, a="5,Spam\n", b="7,Hate Speech\n")
    (root / "meta-cser" / "b.csv.provenance.json").write_text('{"url": "https://x.example", "published": "last week"}')
    summary = build(root, tmp_path / "atlas.duckdb", {"meta-cser": _FixtureCollector()})
    assert summary.parsed == ["a.csv"] and len(summary.failed) == 1
    assert "b.csv.provenance.json: published: published 'last week' is not an ISO date" in summary.failed[0][1]


def test_a_full_disk_stops_the_build_clearly_and_keeps_what_was_stored(tmp_path, monkeypatch):
    import duckdb

    from reports.model.errors import StoreError

    db = tmp_path / "atlas.duckdb"
    build(_sources(tmp_path, a="5,Spam\n"), db, {"meta-cser": _FixtureCollector()})

    def full(*args, **kwargs):
        raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr(Store, "replace_bundles", full)
    with pytest.raises(StoreError, match=r"cannot write the store while storing b\.csv .*No space left on device"):
        build(_sources(tmp_path, b="7,Hate Speech\n"), db, {"meta-cser": _FixtureCollector()})
    monkeypatch.undo()
    with Store(db, read_only=True) as store:
        assert list(store.latest().value) == [5.0]


def test_bundles_stored_together_are_each_whole_and_a_refused_write_names_its_document(tmp_path, monkeypatch):
    """Bundles a build's workers have ready are stored in one transaction. Stored together, they leave what storing
    them one by one leaves; where the store refuses the write, those before the refused one are stored on their own
    and the refused one is named, as a build storing one by one would have it."""
    import duckdb

    from reports.ingest import build as build_module
    from reports.model.errors import StoreError

    files = {"a": "5,Spam\n", "b": "7,Hate Speech\n", "c": "9,Fake Accounts\n", "d": "boom\n"}
    collectors = {"meta-cser": _FixtureCollector()}
    alone = build(_sources(tmp_path / "alone", **files), tmp_path / "alone.duckdb", collectors)
    monkeypatch.setattr(build_module, "ready_together", lambda items: iter([list(items)]))  # one group of all
    together = build(_sources(tmp_path / "together", **files), tmp_path / "together.duckdb", collectors)
    assert together.parsed == alone.parsed == ["a.csv", "b.csv", "c.csv"]
    assert [name for name, _ in together.failed] == ["d.csv"]  # unreadable: failed alone, the others stored
    for db in ("alone", "together"):
        with Store(tmp_path / f"{db}.duckdb", read_only=True) as store:
            assert sorted(store.latest().value) == [5.0, 7.0, 9.0]

    groups = []
    refuse = Store.replace_bundles

    def full_at_b(self, bundles):
        groups.append([entry["doc"].name for bundle in bundles for entry in bundle.entries])
        if "b.csv" in groups[-1]:
            raise duckdb.IOException("Could not write file: No space left on device")
        refuse(self, bundles)

    monkeypatch.setattr(Store, "replace_bundles", full_at_b)
    db = tmp_path / "refused.duckdb"
    with pytest.raises(StoreError, match=r"cannot write the store while storing b\.csv .*No space left on device"):
        build(_sources(tmp_path / "refused", **files), db, collectors)
    assert groups == [["c.csv", "b.csv", "a.csv"], ["c.csv"], ["b.csv"]]  # the largest file is read and stored first
    monkeypatch.undo()
    with Store(db, read_only=True) as store:
        assert list(store.latest().value) == [9.0]


def test_a_store_of_the_earlier_layout_is_checked_as_it_is_and_its_first_write_brings_it_forward(tmp_path):
    """Earlier versions kept every version in a table `observations` and copied the newest into a table `latest`;
    now the newest versions are marked in place. Such a store passes `check` as it is, and the first write brings
    it to the new layout in one transaction, losing no figure."""
    from reports.model.schema import COLUMNS
    from reports.store.checking import check_store

    db = tmp_path / "atlas.duckdb"
    collectors = {"meta-cser": _FixtureCollector()}
    build(_sources(tmp_path, a="5,Spam\n", b="7,Hate Speech\n"), db, collectors)
    columns = ", ".join(COLUMNS)
    with Store(db) as store:  # laid out as the earlier versions wrote it
        for table in ("observations", "latest"):
            store.con.execute(f"CREATE TABLE earlier_{table} AS SELECT {columns} FROM {table}")
            store.con.execute(f"DROP VIEW {table}")
        store.con.execute("DROP TABLE figures")
        for table in ("observations", "latest"):
            store.con.execute(f"ALTER TABLE earlier_{table} RENAME TO {table}")
    assert check_store(db)[0] == []
    with Store(db, read_only=True) as store:
        assert sorted(store.latest().value) == [5.0, 7.0]

    summary = build(_sources(tmp_path, b="8,Hate Speech\n", c="9,Fake Accounts\n"), db, collectors)
    assert summary.ok and sorted(summary.parsed) == ["b.csv", "c.csv"]
    assert check_store(db)[0] == []
    with Store(db, read_only=True) as store:
        kinds = dict(store.con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        assert kinds["figures"] == "BASE TABLE" and kinds["observations"] == kinds["latest"] == "VIEW"
        assert sorted(store.latest().value) == [5.0, 8.0, 9.0]
        assert store.counts()["observations"] == 4  # every version is kept: b.csv as first read, and as now


def test_a_wrong_stored_key_hash_is_a_problem_and_another_duckdbs_hashes_are_computed_again(tmp_path):
    """A write finds the figures it touches by the key hash stored with each. `check` names a figure whose stored
    hash is not its key's; hashes another DuckDB computed are not judged, and the next write computes them all
    again before it stores anything, so a revised figure still replaces its earlier version."""
    from reports.store.checking import check_store
    from reports.store.versions import HASHED_BY

    db = tmp_path / "atlas.duckdb"
    collectors = {"meta-cser": _FixtureCollector()}
    build(_sources(tmp_path, a="5,Spam\n", b="7,Hate Speech\n"), db, collectors)
    with Store(db) as store:
        store.con.execute("UPDATE figures SET key_hash = 12345 WHERE value = 5")
    problems, _ = check_store(db)
    assert len(problems) == 1 and "1 figure(s) stored with a key hash that is not their key's" in problems[0]

    with Store(db) as store:  # as if another version of DuckDB had computed them
        store.con.execute("UPDATE store_info SET value = '0.0.1' WHERE name = ?", [HASHED_BY])
    with Store(db, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM figures WHERE key_hash = 12345").fetchall() == [(1,)]
    assert check_store(db)[0] == []
    build(_sources(tmp_path, a="6,Spam\n"), db, collectors)  # a revised edition of a.csv
    assert check_store(db)[0] == []
    with Store(db, read_only=True) as store:
        assert sorted(store.latest().value) == [6.0, 7.0]
        assert store.counts()["observations"] == 3


def test_documents_added_together_keep_the_last_read_of_each_and_the_day_each_was_first_seen(tmp_path):
    """A bundle's documents are stored in one query: a document given twice is stored once, as last given; one
    stored before is replaced with its figures gone and keeps the day it was first seen; none is nothing."""
    from pathlib import Path

    from reports.model.documents import Document

    def doc(sha: str) -> Document:
        return Document(path=Path(f"/nowhere/{sha[:4]}.csv"), source="meta-cser", sha256=sha, size=1,
                        media_type="text/csv", source_url="https://example.org/", publisher="Meta", license="none",
                        title="edition")

    a, b = "a" * 64, "b" * 64
    with Store(tmp_path / "s.duckdb") as store:
        store.add_documents([])
        store.add_documents([{"doc": doc(a), "relative_path": "a.csv", "fingerprint": "1", "meta": {"title": "first"}},
                             {"doc": doc(a), "relative_path": "a.csv", "fingerprint": "1", "meta": {"title": "again"}},
                             {"doc": doc(b), "relative_path": "b.csv", "fingerprint": "1"}])
        store.con.execute("UPDATE documents SET first_seen = TIMESTAMP '2020-01-02 03:04:05' WHERE sha256 = ?", [a])
        figure = frame([observation(platform="facebook", period=parse_period("2024Q1"), metric="content_actioned",
                                    metric_label="Content actioned", value=1, locator="line 2", document_sha256=a,
                                    source_url="https://example.org/")]).assign(source="meta-cser")
        store.add_observations(figure)
        store.add_documents([{"doc": doc(a), "relative_path": "a.csv", "fingerprint": "2", "meta": {"title": "later"}}])
        rows = store.con.execute("SELECT sha256, title, fingerprint, first_seen FROM documents ORDER BY 1").fetchall()
        assert [(r[0][:1], r[1], r[2]) for r in rows] == [("a", "later", "2"), ("b", "edition", "1")]
        assert str(rows[0][3]) == "2020-01-02 03:04:05"
        assert store.counts()["observations"] == 0


def test_check_names_a_damaged_store_as_a_problem(tmp_path):
    from reports.store.checking import check_store

    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"this is not a database" * 100)
    problems, _ = check_store(garbage)
    assert len(problems) == 1 and problems[0].startswith(f"{garbage}: ")
    import duckdb

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()  # a DuckDB file without the atlas's tables
    problems, _ = check_store(empty)
    assert len(problems) == 1 and "damaged store" in problems[0]


def test_country_names_come_from_one_shared_list_any_source_can_use():
    """ISO 3166 names (through pycountry) and the other names publishers print (country_aliases.csv): a Discord
    or TikTok edition naming a country neither has printed before still finds its code."""
    countries = REGISTRY["discord"].mapping("countries")
    assert countries.lookup("Germany")["region"] == "DE" and countries.lookup("Republic of Moldova")["region"] == "MD"
    assert countries.lookup("Czech Rebublic")["region"] == "CZ"  # Discord's misspelling, an alias
    assert REGISTRY["tiktok-cger"].mapping("countries").lookup("Kosovo")["region"] == "XK"
    with vocab.recording_unmapped() as found:
        assert countries.lookup("Atlantis")["region"] == ""
    assert found[0].mapping_file == "reports/model/vocabularies/country_aliases.csv"
