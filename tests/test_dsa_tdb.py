"""EU DSA Transparency Database: the daily statistics import, and `tatlas sor ingest` / `synth` on real and synthetic dumps."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from collectors.dsa_tdb.dumps import V1_HEADER, V2_HEADER, count_dump, parse_dump_name
from collectors.dsa_tdb.engines import make_engine
from reports.model.errors import AtlasError, ParseError
from reports.store.database import Store
from tatlas.sor import ingest_dumps as ingest
from tatlas.sor_synth import synth, write_dump
from tests.conftest import needs_pyspark, shared

KEYS = ["platform_name", "category", "cut", "val"]


# -- helpers ---------------------------------------------------------------------------------------
def inner(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def real_dump(tmp_path: Path, day: str, layout: list[list[str]]) -> Path:
    """A dump in the real layout around the real CSV parts from ../shared/data/dsa-sor (built at test time)."""
    stem = f"sor-global-{day}-full"
    inners = [inner({name: shared("dsa-sor", name).read_bytes() for name in names}) for names in layout]
    return write_dump(tmp_path, stem, inners)


def csv_part(header: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in header})
    return out.getvalue().encode()


def statement(uuid: str, category: str, platform: str = "Twitch") -> dict:
    return {"uuid": uuid, "decision_visibility": '["DECISION_VISIBILITY_CONTENT_REMOVED"]',
            "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT", "category": category,
            "content_type": '["CONTENT_TYPE_VIDEO"]', "territorial_scope": '["DE","FR"]',
            "source_type": "SOURCE_VOLUNTARY", "automated_detection": "No",
            "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED", "platform_name": platform,
            "created_at": "2024-03-14 10:00:00"}


def small_dump(tmp_path: Path, day: str, part: bytes, *, name: str | None = None) -> Path:
    stem = f"sor-global-{day}-full"
    return write_dump(tmp_path, stem, [inner({name or f"{stem}-00000-00000.csv": part})])


def truth(path: Path) -> pd.DataFrame:
    data = json.loads(path.with_name(path.name + ".truth.json").read_text())
    return pd.DataFrame(data["counts"], columns=KEYS + ["n"])


def same_counts(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    got = got[KEYS + ["n"]].astype({"n": "int64"}).sort_values(KEYS).reset_index(drop=True)
    expected = expected[KEYS + ["n"]].astype({"n": "int64"}).sort_values(KEYS).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)


def store_state(db: Path) -> tuple:
    with Store(db, read_only=True) as store:
        return (store.counts(), store.query("SELECT sha256, notes FROM documents ORDER BY sha256").values.tolist(),
                store.query("SELECT sum(value) FROM observations").iloc[0, 0])


def value(db: Path, where: str) -> float:
    with Store(db, read_only=True) as store:
        return store.query(f"SELECT sum(value) AS v FROM latest WHERE source = 'dsa-tdb' AND {where}").iloc[0, 0]


# -- real sample rows ------------------------------------------------------------------------------
def test_real_v1_rows_count_as_counted_by_hand(tmp_path):
    # The three real parts of 2024-03-14 in their real layout: inner zip 00000 holds parts 00000-00000 and
    # 00000-00001, inner zip 00001 holds 00001-00001.
    dump = real_dump(tmp_path, "2024-03-14", [
        ["sor-global-2024-03-14-full-00000-00000.csv", "sor-global-2024-03-14-full-00000-00001.csv"],
        ["sor-global-2024-03-14-full-00001-00001.csv"]])
    db = tmp_path / "atlas.duckdb"
    summary = ingest([dump], db)
    # By hand: 150 rows (50 per part); in part 00000-00000 the TikTok row with uuid
    # 03b1b1c9-a860-4bf6-afff-0d8f0d944871 appears twice verbatim, so 149 statements.
    assert summary.ingested[0][1]["statements"] == 149
    cat = "policy_area = 'STATEMENT_CATEGORY_{}' AND platform = '{}' AND breakdown = ''"
    # Rows per platform and category, counted from the three files (category column, platform_name column):
    assert value(db, cat.format("SCOPE_OF_PLATFORM_SERVICE", "google-shopping")) == 79
    assert value(db, cat.format("PROTECTION_OF_MINORS", "google-shopping")) == 1
    assert value(db, cat.format("SCAMS_AND_FRAUD", "aliexpress")) == 6
    assert value(db, cat.format("PORNOGRAPHY_OR_SEXUALIZED_CONTENT", "pinterest")) == 11
    assert value(db, cat.format("SELF_HARM", "pinterest")) == 2
    assert value(db, cat.format("PROTECTION_OF_MINORS", "snapchat")) == 2
    assert value(db, cat.format("PROTECTION_OF_MINORS", "tiktok")) == 5  # 6 rows, one the verbatim repeat
    assert value(db, cat.format("SCOPE_OF_PLATFORM_SERVICE", "tiktok")) == 30
    assert value(db, cat.format("ILLEGAL_OR_HARMFUL_SPEECH", "tiktok")) == 9
    assert value(db, "policy_area = 'ALL' AND platform = 'tiktok' AND breakdown = ''") == 48
    # Cuts, summed over categories: TikTok's automated_decision is FULLY in 47 statements and NOT_AUTOMATED in 1;
    # its territorial_scope lists the EEA without Iceland (29 codes) 45 times and the whole EEA (30) 3 times.
    cut = "platform = 'tiktok' AND policy_area <> 'ALL' AND breakdown = '{}'"
    assert value(db, cut.format("automated_decision=AUTOMATED_DECISION_FULLY")) == 47
    assert value(db, cut.format("automated_decision=AUTOMATED_DECISION_NOT_AUTOMATED")) == 1
    assert value(db, cut.format("territorial_scope=EEA_no_IS")) == 45
    assert value(db, cut.format("territorial_scope=EEA")) == 3
    assert value(db, cut.format("decision_visibility=DECISION_VISIBILITY_OTHER")) == 13
    assert value(db, cut.format("decision_type=vis")) == 48
    # Google Shopping, scope of platform service: content_type ["CONTENT_TYPE_PRODUCT"] 76 times and
    # ["CONTENT_TYPE_IMAGE","CONTENT_TYPE_TEXT"] 3 times (a list cell counts for each of its values).
    gs = "platform = 'google-shopping' AND policy_area = 'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE' AND breakdown = '{}'"
    assert value(db, gs.format("content_type=CONTENT_TYPE_PRODUCT")) == 76
    assert value(db, gs.format("content_type=CONTENT_TYPE_IMAGE")) == 3
    assert value(db, gs.format("content_type=CONTENT_TYPE_TEXT")) == 3
    assert value(db, gs.format("automated_detection=Yes")) == 79


def test_real_v2_rows_count_as_counted_by_hand(tmp_path):
    dump = real_dump(tmp_path, "2025-07-01", [["sor-global-2025-07-01-full-00000-00000.csv"]])
    db = tmp_path / "atlas.duckdb"
    assert ingest([dump], db).ingested[0][1]["statements"] == 50  # 50 rows, 50 distinct uuids
    cat = "policy_area = 'STATEMENT_CATEGORY_{}' AND platform = '{}' AND breakdown = ''"
    # 'Discord Netherlands B.V.' maps to discord (collectors/dsa_tdb/mappings/platforms.csv).
    assert value(db, cat.format("PROTECTION_OF_MINORS", "discord")) == 4
    assert value(db, cat.format("ILLEGAL_OR_HARMFUL_SPEECH", "hotel-hideaway")) == 36
    assert value(db, cat.format("CYBER_VIOLENCE", "hotel-hideaway")) == 2
    assert value(db, cat.format("OTHER_VIOLATION_TC", "hotel-hideaway")) == 1
    assert value(db, cat.format("SCAMS_AND_FRAUD", "kleinanzeigen")) == 2
    assert value(db, cat.format("INTELLECTUAL_PROPERTY_INFRINGEMENTS", "wallapop")) == 1


# -- synthetic dumps: true counts, both engines ----------------------------------------------------
@pytest.mark.parametrize("day", ["2024-03-14", "2025-07-02"])
def test_synthetic_dump_counts_equal_its_true_counts_on_duckdb(tmp_path, day):
    dump = synth(3_000, date.fromisoformat(day), tmp_path, seed=7)
    engine = make_engine("duckdb")
    counts, rows = count_dump(parse_dump_name(dump), engine)
    engine.close()
    assert rows == 3_000
    same_counts(counts, truth(dump))


def test_one_core_counts_every_part_in_this_process_and_gets_the_true_counts(tmp_path):
    """Where one process is all there is (a one-core machine), the parts are counted here, in order, by the same
    code: the counts are the dump's true counts."""
    from collectors.dsa_tdb.engines import DuckDBEngine
    from reports.ingest.parallel import Inline

    dump = synth(3_000, date(2025, 7, 2), tmp_path, seed=7, part_rows=1_000)
    engine = DuckDBEngine(workers=1)
    try:
        counts, rows = count_dump(parse_dump_name(dump), engine)
        assert isinstance(engine.pool, Inline)
    finally:
        engine.close()
    assert rows == 3_000
    same_counts(counts, truth(dump))


@pytest.mark.spark
def test_spark_and_duckdb_give_the_true_counts(tmp_path):
    needs_pyspark()
    dump = synth(2_000, date(2025, 7, 2), tmp_path, seed=3)
    results = {}
    for name in ("duckdb", "spark"):
        engine = make_engine(name)
        try:
            results[name], _ = count_dump(parse_dump_name(dump), engine)
        finally:
            engine.close()
    same_counts(results["spark"], truth(dump))
    same_counts(results["duckdb"], results["spark"])


def test_synth_writes_the_real_layout(tmp_path):
    dump = synth(2_501, date(2024, 3, 14), tmp_path, part_rows=1_000)  # real parts hold 100,000 rows
    assert dump.name == "sor-global-2024-03-14-full.zip"
    assert hashlib.sha1(dump.read_bytes()).hexdigest() == (tmp_path / f"{dump.name}.sha1").read_text().split()[0]
    with zipfile.ZipFile(dump) as outer:
        assert outer.namelist() == ["sor-global-2024-03-14-full-00000.csv.zip"]
        with zipfile.ZipFile(io.BytesIO(outer.read(outer.namelist()[0]))) as archive:
            names = archive.namelist()
            assert names == [f"sor-global-2024-03-14-full-00000-0000{i}.csv" for i in range(3)]
            head = archive.read(names[0]).split(b"\n", 1)[0].decode()
    assert head.split(",") == V1_HEADER


# -- incremental, resumable, errors ----------------------------------------------------------------
def test_ingest_is_incremental(tmp_path):
    dump = synth(500, date(2025, 7, 2), tmp_path / "dumps")
    db = tmp_path / "atlas.duckdb"
    assert len(ingest([dump], db).ingested) == 1
    before = store_state(db)
    again = ingest([dump], db)
    assert [k.name for k in again.skipped] == [dump.name] and not again.ingested
    assert store_state(db) == before


@pytest.fixture
def stored(tmp_path):
    """A store already holding one good dump, to show that a bad one changes nothing."""
    db = tmp_path / "atlas.duckdb"
    ingest([synth(300, date(2025, 7, 2), tmp_path / "good")], db)
    return db, store_state(db)


def refused(db, before, dump, error, message):
    with pytest.raises(error) as caught:
        ingest([dump], db)
    assert store_state(db) == before
    assert message in str(caught.value)
    return str(caught.value)


def test_wrong_sha1_is_refused(stored, tmp_path):
    db, before = stored
    dump = synth(200, date(2024, 3, 14), tmp_path / "bad")
    (tmp_path / "bad" / f"{dump.name}.sha1").write_text("0" * 40 + "  " + dump.name + "\n")
    text = refused(db, before, dump, AtlasError, "sha1 mismatch: sor-global-2024-03-14-full.zip.sha1 says "
                   + "0" * 40)
    assert "refusing a dump that is not the published one" in text


def test_a_dump_its_check_refuses_is_not_counted_to_the_end(tmp_path, monkeypatch):
    """The check runs while the parts are counted: once it has refused the dump, the counting stops at the
    engine's next word of progress, and the check's error is the one raised."""
    import threading

    from collectors.dsa_tdb import dumps

    refused = threading.Event()

    def check(dump):
        refused.set()
        raise AtlasError("sha1 mismatch: refusing a dump that is not the published one", file=dump.path)

    class Engine:
        """Counts a dump that never ends, telling its progress all the while."""

        words = 0

        def count(self, dump, progress):
            assert refused.wait(10)
            for self.words in range(1, 1_000_001):
                progress(f"{self.words} part(s) so far")
            return pd.DataFrame(), 0

    monkeypatch.setattr(dumps, "verify", check)
    engine = Engine()
    with pytest.raises(AtlasError, match="sha1 mismatch"):
        dumps.verified_counts(parse_dump_name(synth(50, date(2024, 3, 14), tmp_path)), engine, lambda message: None)
    assert engine.words < 1_000_000


def test_corrupted_dump_is_refused(stored, tmp_path):
    db, before = stored
    dump = synth(200, date(2024, 3, 14), tmp_path / "bad")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the stored inner zip
    dump.write_bytes(bytes(data))
    (tmp_path / "bad" / f"{dump.name}.sha1").write_text(hashlib.sha1(data).hexdigest())  # published as such
    refused(db, before, dump, ParseError, "Bad CRC-32 for file 'sor-global-2024-03-14-full-00000.csv.zip'")


def test_truncated_inner_zip_is_refused(stored, tmp_path):
    db, before = stored
    part = csv_part(V1_HEADER, [statement("a-1", "STATEMENT_CATEGORY_VIOLENCE")])
    whole = inner({"sor-global-2024-03-14-full-00000-00000.csv": part})
    dump = write_dump(tmp_path / "bad", "sor-global-2024-03-14-full", [whole[: len(whole) // 2]])
    text = refused(db, before, dump, ParseError, "sor-global-2024-03-14-full-00000.csv.zip: not a readable ZIP archive")
    assert text.startswith(f"{dump}!")


def later_schema(text: str, new_category: str, every: int) -> bytes:
    """A real part as a later schema might print it: a new column after the last, and a new category on every
    `every`-th statement (multi-line quoted cells written back as they were)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    at = rows[0].index("category")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0] + ["content_ai_generated"])
    for n, row in enumerate(rows[1:]):
        writer.writerow(row[:at] + [new_category if n % every == 0 else row[at]] + row[at + 1:] + ["No"])
    return out.getvalue().encode()


def test_a_real_part_with_its_columns_in_another_order_counts_the_same(tmp_path):
    """Fields are read by name: the real part with every column in reverse order gives the same counts."""
    name = "sor-global-2025-07-01-full-00000-00000.csv"
    real = shared("dsa-sor", name).read_bytes()
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        row[::-1] for row in csv.reader(io.StringIO(real.decode("utf-8"), newline="")))
    published = write_dump(tmp_path / "a", "sor-global-2025-07-01-full", [inner({name: real})])
    reversed_ = write_dump(tmp_path / "b", "sor-global-2025-07-01-full", [inner({name: out.getvalue().encode()})])
    engine = make_engine("duckdb")
    try:
        same_counts(count_dump(parse_dump_name(reversed_), engine)[0],
                    count_dump(parse_dump_name(published), engine)[0])
    finally:
        engine.close()


def test_a_later_schemas_column_and_category_are_kept_and_told_never_fatal(tmp_path):
    """The database adds a field and a category (as schema v2 did): the real statements are counted as before,
    the new column is not read and is named in the document's notes, and the statements of the new category are
    counted under its own name, policy area UNMAPPED, and listed as a label no mapping covers."""
    name = "sor-global-2025-07-01-full-00000-00000.csv"
    real = shared("dsa-sor", name).read_bytes()
    new = "STATEMENT_CATEGORY_AI_GENERATED_CONTENT"
    published = write_dump(tmp_path / "a", "sor-global-2025-07-01-full", [inner({name: real})])
    later = write_dump(tmp_path / "b", "sor-global-2025-07-01-full",
                       [inner({name: later_schema(real.decode("utf-8"), new, every=5)})])
    ingest([published], tmp_path / "a.duckdb")
    summary = ingest([later], tmp_path / "b.duckdb")
    assert len(summary.ingested) == 1
    with Store(tmp_path / "a.duckdb", read_only=True) as a, Store(tmp_path / "b.duckdb", read_only=True) as b:
        total = "SELECT platform, value FROM latest WHERE policy_area = 'ALL' AND breakdown = '' ORDER BY 1"
        assert b.query(total).equals(a.query(total)) and a.query(total)["value"].sum() == 50
        moved = b.query(f"SELECT policy_area, sum(value) AS n FROM latest WHERE policy_label = '{new}' "
                        "AND breakdown = '' GROUP BY 1")
        assert moved.values.tolist() == [["UNMAPPED", 10.0]]  # statements 1, 6, ..., 46 of the 50
        [[notes]] = b.query("SELECT notes FROM documents").values.tolist()
        assert "column(s) ['content_ai_generated'] are in no schema we know" in notes
        assert f"category '{new}' is in no schema we know" in notes
        flagged = b.unmapped()
        assert flagged[["field", "label"]].values.tolist() == [["policy_areas", new]]
        assert flagged["figures"].iloc[0] > 0 and a.unmapped().empty


def test_v2_column_in_a_v1_day_is_refused(stored, tmp_path):
    db, before = stored
    dump = small_dump(tmp_path / "bad", "2025-06-30", csv_part(V2_HEADER, [statement("a-1", "STATEMENT_CATEGORY_VIOLENCE")]))
    refused(db, before, dump, ParseError, "unknown column(s) ['content_id_ean'] (a schema-v2 column; this 2025-06-30 dump "
            "follows schema v1)")


def test_v2_category_in_a_v1_day_is_refused(stored, tmp_path):
    db, before = stored
    rows = [statement("a-1", "STATEMENT_CATEGORY_VIOLENCE"), statement("a-2", "STATEMENT_CATEGORY_CYBER_VIOLENCE")]
    dump = small_dump(tmp_path / "bad", "2025-06-30", csv_part(V1_HEADER, rows))
    refused(db, before, dump, ParseError, "column category: category STATEMENT_CATEGORY_CYBER_VIOLENCE is a schema-v2 "
            "value, but this 2025-06-30 dump follows schema v1")


def test_an_ingest_that_fails_midway_keeps_the_dumps_before_it(tmp_path):
    good = synth(300, date(2025, 7, 2), tmp_path / "good")
    bad = small_dump(tmp_path / "bad", "2024-03-14", b"")
    db = tmp_path / "atlas.duckdb"
    with pytest.raises(ParseError, match="empty CSV part"):
        ingest([good, bad], db)
    assert store_state(db)[0]["documents"] == 1  # the good dump stays; a rerun skips it and retries the bad one
    with pytest.raises(ParseError):
        ingest([good, bad], db)


# -- the daily statistics (shantay) ----------------------------------------------------------------
@pytest.fixture(scope="module")
def stats_db(tmp_path_factory):
    from collectors import REGISTRY
    from reports.ingest.build import build

    root = shared()
    shared("dsa-tdb-stats")
    db = tmp_path_factory.mktemp("stats") / "atlas.duckdb"
    build(root, db, {"dsa-tdb": REGISTRY["dsa-tdb"]})
    return db


def test_statistics_give_daily_counts_per_platform_and_category(stats_db):
    # Read from shantay-builtin-2023-09-25_2026-01-10.parquet with DuckDB: platform 'Twitch', column 'category'
    # (variant = the code) and column 'rows' (the day's total), start_date as given.
    q = "platform = 'twitch' AND period = '{}' AND policy_area = '{}' AND breakdown = '' AND region = 'EU'"
    assert value(stats_db, q.format("2025-03-19", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS")) == 5
    assert value(stats_db, q.format("2025-07-01", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD")) == 126558
    assert value(stats_db, q.format("2025-07-01", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH")) == 272
    assert value(stats_db, q.format("2025-07-01", "ALL")) == 127063
    # Other cuts are monthly sums of the daily counts (column automated_decision, variant NOT_AUTOMATED, 2025-03).
    assert value(stats_db, "platform = 'twitch' AND period = '2025-03' AND "
                 "breakdown = 'automated_decision=AUTOMATED_DECISION_NOT_AUTOMATED'") == 175586


def test_monthly_sums_are_marked_as_ours_and_daily_counts_as_published(stats_db):
    from reports.store.database import Store

    with Store(stats_db, read_only=True) as store:
        kinds = store.query("SELECT period_start = period_end AS daily, qualifier, count(*) AS n FROM latest "
                            "GROUP BY ALL ORDER BY ALL")
    assert list(zip(kinds.daily, kinds.qualifier, strict=True)) == [(False, "derived"), (True, "")]


def test_statistics_break_at_schema_v2(stats_db):
    with Store(stats_db, read_only=True) as store:
        spans = store.query("SELECT policy_area, min(period_start) AS first, max(period_end) AS last FROM latest "
                            "WHERE source = 'dsa-tdb' AND breakdown = '' GROUP BY policy_area").set_index("policy_area")
    assert str(spans.loc["STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", "last"])[:10] == "2025-06-30"
    assert str(spans.loc["STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "first"])[:10] == "2025-07-01"


def test_statistics_fit_the_bundle_budget(stats_db, tmp_path):
    out = tmp_path / "sor.parquet"
    con = duckdb.connect(str(stats_db), read_only=True)
    con.execute(f"COPY (SELECT * FROM observations WHERE source = 'dsa-tdb' ORDER BY ALL) TO '{out}' "
                "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 9, ROW_GROUP_SIZE 250000)")
    con.close()
    assert out.stat().st_size < 12 * 1024 * 1024


def test_statistics_with_a_new_column_and_columns_reordered_give_the_same_figures(tmp_path):
    """shantay's statistics written again with its columns in another order and one more (a median): read by
    name, the same figures; the new column is named as not read, and so are the fields the import leaves out."""
    from collectors import REGISTRY
    from reports.ingest.register import register

    real = shared("dsa-tdb-stats", "shantay-builtin-2023-09-25_2026-01-10.parquet")
    changed = tmp_path / "dsa-tdb-stats" / real.name
    changed.parent.mkdir()
    duckdb.execute(f"COPY (SELECT max, mean, min, \"count\", text, variant, entity, \"column\", category, platform, "
                   f"tag, end_date, start_date, mean AS median FROM read_parquet('{real}')) TO '{changed}' (FORMAT parquet)")
    collector = REGISTRY["dsa-tdb"]
    published = collector.read([register(real, collector.card)])
    result = collector.read([register(changed, collector.card)])
    pd.testing.assert_frame_equal(result.observations.drop(columns="document_sha256"),
                                  published.observations.drop(columns="document_sha256"))
    assert len(published.observations) > 300_000
    assert any("column(s) ['median'] are new to us: not read" in n for n in result.notes)
    assert not any("new to us" in n for n in published.notes)
    [unread] = [n for n in published.notes if "are not imported" in n]
    assert "decision_facts" in unread and "decision_ground," not in unread


def test_uuid_keys_are_equal_exactly_when_the_uuids_are():
    """A part remembers its uuids as 16-byte keys; a value that is not a UUID keeps its printed bytes, so it can
    never equal a UUID's key (our own values, in the forms the dumps print and a few they do not)."""
    import pyarrow as pa

    from collectors.dsa_tdb.parts import uuid_keys

    printed = [b"0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b", b"0F8E2A4C-1B3D-4E5F-8A9B-0C1D2E3F4A5B",
               b"0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5c", b"0f8e2a4c1b3d4e5f8a9b0c1d2e3f4a5b",
               b"zz8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b", b"\x0f\x8e\x2a\x4c\x1b\x3d\x4e\x5f\x8a\x9b\x0c\x1d\x2e\x3f\x4a\x5b"]
    canonical = uuid_keys(pa.array(printed[:3], type=pa.binary())).to_pylist()
    mixed = uuid_keys(pa.array(printed, type=pa.binary())).to_pylist()
    assert canonical == mixed[:3] and canonical[0] == canonical[1] != canonical[2] and len(canonical[0]) == 16
    assert len(set(mixed[2:])) == 4 and canonical[0] not in mixed[3:]  # a 16-byte printed value is not a UUID's key
    # Every row printed like a UUID, one of them with letters that are not hex digits: that one keeps its bytes.
    alike = uuid_keys(pa.array([printed[0], printed[4]], type=pa.binary())).to_pylist()
    assert alike[0] == canonical[0] and alike[1] == mixed[4] and len(alike[1]) > 16
