"""`tatlas sor ingest`: verify a daily dump of statements of reasons, count it, and prepare its counts for the store.

A dump is `sor-<global|platform>-YYYY-MM-DD-<full|light>.zip` with `<dump>.sha1` beside it (collectors/dsa_tdb/layout.py).
One pass over the file checks it against the published sha1, gives its sha256 (our document id) and checks the CRC-32
of each inner archive the outer ZIP stores; nothing is unpacked to disk. Meanwhile the parts are streamed and counted
(collectors/dsa_tdb/parts.py) by an engine (engines.py: DuckDB here; spark.py: Spark, local or on a cluster), so
memory does not grow with the size of a part or of the dump.

Each row is one statement. Rows repeated with the same uuid (the real dumps hold literal duplicates, e.g. in
sor-global-2024-03-14-full-00000-00000.csv) are one statement and counted once; the check runs within each CSV
part, where the duplicates we have seen sit, because a day-wide set of uuids would grow with the dump.
"""
from __future__ import annotations

import csv
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

try:  # ISA-L's CRC-32: the same value as zlib's, faster
    from isal.isal_zlib import crc32
except ImportError:  # pragma: no cover
    from zlib import crc32

from collectors.dsa_tdb.engines import make_engine
from collectors.dsa_tdb.layout import (  # noqa: F401 -- the names other modules and the tests import from here
    KNOWN_CATEGORIES,
    SCHEMAS,
    V1_HEADER,
    V2_FROM,
    V2_HEADER,
    Dump,
    check_header,
    parse_dump_name,
)
from collectors.dsa_tdb.parts import Inner, PartStream, Window, inner_archives, located, part_entries
from collectors.dsa_tdb.stats import FOLDER, METRIC_LABEL, SOURCE_ID, platform_slug
from reports import PACKAGE_DIR
from reports.ingest.collector import edition_meta
from reports.ingest.prepared import Known, Prepared
from reports.model.documents import Document, load_card
from reports.model.errors import AtlasError, ParseError
from reports.model.schema import COLUMNS, coerce, validate
from reports.model.vocab import UNMAPPED_AREA, VOCAB_DIR

VERSION = "1"
Progress = Callable[[str], None]


def expected_sha1(dump: Dump) -> str:
    """The checksum published beside the dump (`<dump>.sha1`: the hex digest, optionally followed by a name)."""
    if not dump.sha1_path.exists():
        raise AtlasError(f"no checksum file {dump.sha1_path.name} beside the dump; refusing an unverified dump",
                         file=dump.path, source=SOURCE_ID)
    text = dump.sha1_path.read_text(encoding="utf-8", errors="replace").strip()
    digest = text.split()[0].lower() if text else ""
    if not re.fullmatch(r"[0-9a-f]{40}", digest):
        raise AtlasError(f"not a sha1 checksum: {text[:60]!r}", file=dump.sha1_path, source=SOURCE_ID)
    return digest


def file_digests(path: Path, inners: list[Inner] = ()) -> tuple[str, str, dict[str, int]]:
    """sha1 (to check against the published one), sha256 (our document id) and the CRC-32 of each stored inner
    archive's bytes, in one pass over the file."""
    sha1, sha256 = hashlib.sha1(), hashlib.sha256()
    ranges = sorted((i.offset, i.offset + i.size, i.name) for i in inners if i.stored)
    crcs = {name: 0 for _, _, name in ranges}
    at = 0
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            sha1.update(chunk)
            sha256.update(chunk)
            end = at + len(chunk)
            for start, stop, name in ranges:
                if start < end and stop > at:
                    crcs[name] = crc32(memoryview(chunk)[max(start, at) - at:min(stop, end) - at], crcs[name])
            at = end
    return sha1.hexdigest(), sha256.hexdigest(), crcs


def verify(dump: Dump) -> tuple[str, str]:
    """Refuse a dump whose bytes do not match its published sha1, or whose stored inner archives fail their CRC-32;
    return (sha1, sha256)."""
    published = expected_sha1(dump)
    try:
        inners, unreadable = inner_archives(dump), None
    except ParseError as exc:  # said after the checksum: a dump that is not the published one is refused as such
        inners, unreadable = [], exc
    sha1, sha256, crcs = file_digests(dump.path, inners)
    if sha1 != published:
        raise AtlasError(f"sha1 mismatch: {dump.sha1_path.name} says {published}, the file is {sha1}; refusing "
                         "a dump that is not the published one", file=dump.path, source=SOURCE_ID)
    if unreadable is not None:
        raise unreadable
    for inner in inners:
        if inner.stored and crcs[inner.name] != inner.crc:
            raise ParseError(f"truncated or corrupt member (Bad CRC-32 for file {inner.name!r})", file=dump.path,
                             place=inner.name)
    return sha1, sha256


def verified_counts(dump: Dump, engine, progress: Progress) -> tuple[str, str, pd.DataFrame, int]:
    """(sha1, sha256, counts, rows read): the dump checked against its published sha1 while the engine counts it
    (hashing releases the GIL: it runs beside the workers). Where both fail, the check's error is the one raised:
    a dump that is not the published one is refused as such, whatever its parts hold. Once the check has refused
    it, the counting stops at the engine's next word of progress (a damaged download of gigabytes is not counted
    to its end first)."""
    with ThreadPoolExecutor(1) as checker:
        checked = checker.submit(verify, dump)

        def progress_unless_refused(message: str) -> None:
            if checked.done():
                checked.result()  # raises the check's error, if it failed
            progress(message)

        try:
            counts, rows = count_dump(dump, engine, progress_unless_refused)
        except AtlasError:
            checked.result()
            raise
        return *checked.result(), counts, rows


def count_dump(dump: Dump, engine, progress: Progress = lambda m: None) -> tuple[pd.DataFrame, int]:
    """Counts of the dump in long form (platform_name, category, cut, val, n) and the number of rows read."""
    return engine.count(dump, progress)


def observations(counts: pd.DataFrame, dump: Dump, sha256: str) -> pd.DataFrame:
    """Rows of the common schema: totals per platform and category, per platform (ALL), and every cut."""
    counts = counts.copy()
    counts["platform"] = counts["platform_name"].map({n: platform_slug(n) for n in counts["platform_name"].unique()})
    by_category = counts.groupby(["platform", "category", "cut", "val"], as_index=False)["n"].sum()
    over_all = (counts[counts["cut"] == ""].groupby("platform", as_index=False)["n"].sum()
                .assign(category="ALL", cut="", val=""))
    df = pd.concat([by_category, over_all], ignore_index=True)
    # a category no schema we know lists keeps its name as the label, under the policy area of what is unmapped
    known = df["category"].isin(KNOWN_CATEGORIES) | (df["category"] == "ALL")
    total = df["cut"] == ""
    day = pd.Timestamp(dump.day)
    out = pd.DataFrame({
        "platform": df["platform"], "source": SOURCE_ID, "period_start": day, "period_end": day,
        "period": dump.day.isoformat(), "region": "EU", "policy_area": df["category"].where(known, UNMAPPED_AREA),
        "policy_label": df["category"].where(df["category"] != "ALL", ""), "metric": "sor_count",
        "metric_label": METRIC_LABEL, "value": df["n"].astype(float), "unit": "count",
        "source_url": load_card(FOLDER / "card.toml", SOURCE_ID).url, "document_sha256": sha256,
        "locator": dump.path.name + ": platform=" + df["platform"] + " category=" + df["category"]
                   + (" " + df["cut"] + "=" + df["val"]).where(~total, ""),
        "breakdown": (df["cut"] + "=" + df["val"].str.replace(";", ",").str.replace("=", ":")).where(~total, ""),
        "value_text": df["n"].astype("int64").astype(str), "qualifier": "",
    })
    return coerce(out[COLUMNS])


def prepare_dumps(paths: list[Path], *, engine: str = "duckdb", master: str | None = None,
                  known: Callable[[str, str], bool] = lambda name, sha1: False,
                  progress: Progress = lambda m: None, runner=None) -> Iterator[Prepared | Known]:
    """Each dump, verified and counted, as a document with its observations ready to store (or Known, where
    `known(name, sha1)` says the store already holds it). Nothing here writes the store: the build does, one dump
    at a time, so a crash loses at most the dump in hand and a rerun resumes. `runner`: an engine already started
    (closed here at the end), instead of one made on the first dump to count."""
    try:
        dumps = [parse_dump_name(Path(p)) for p in paths]
        for dump in dumps:
            if not dump.path.is_file():
                raise AtlasError("no such dump", file=dump.path, source=SOURCE_ID)
        for dump in dumps:
            if known(dump.path.name, expected_sha1(dump)):
                yield Known(dump.path.name, "already ingested with the same sha1")
                continue
            started = time.perf_counter()
            runner = runner or make_engine(engine, master)
            if hasattr(runner, "start"):
                runner.start()  # its workers start while the dump is checked
            sha1, sha256, counts, rows = verified_counts(dump, runner, progress)
            df = validate(observations(counts, dump, sha256), file=str(dump.path), source=SOURCE_ID)
            statements = int(counts.loc[counts["cut"] == "", "n"].sum())
            notes = [f"sha1={sha1}", f"schema {dump.schema}; {rows} row(s) read, {statements} statement(s) after "
                     f"counting rows repeated with the same uuid once; engine {runner.name}"]
            unmapped = beyond_schema(dump, df, notes)
            progress(f"{dump.path.name}: {statements} statement(s) in {time.perf_counter() - started:.1f} s")
            yield Prepared(dump_document(dump, sha256), df, relative_path=str(dump.path),
                           fingerprint=f"sor-ingest:{VERSION}", meta=edition_meta(dump.path.stem, dump.day),
                           notes=notes, facts={"statements": statements}, card=load_card(FOLDER / "card.toml", SOURCE_ID),
                           unmapped=unmapped)
    finally:
        if runner is not None:
            runner.close()


def dump_document(dump: Dump, sha256: str) -> Document:
    card = load_card(FOLDER / "card.toml", SOURCE_ID)
    return Document(path=dump.path, source=SOURCE_ID, sha256=sha256, size=dump.path.stat().st_size,
                    media_type="application/zip", source_url=card.url, publisher="European Commission, DG CONNECT",
                    license="CC BY 4.0", title=f"Statements of reasons {dump.scope} {dump.day} ({dump.kind} dump)")


def beyond_schema(dump: Dump, df: pd.DataFrame, notes: list[str]) -> list[dict]:
    """What a dump holds that no schema we know lists, as notes and unmapped rows: its columns (not read) and its
    categories (counted under their own names, policy area UNMAPPED)."""
    columns = [c for c in first_header(dump) if c not in SCHEMAS[dump.schema][0]]
    if columns:
        notes.append(f"column(s) {columns} are in no schema we know (a later one?): not read; the counts use the "
                     "fields they always did")
    vocabulary = VOCAB_DIR / "policy_areas.csv"
    rows = []
    for category in sorted(set(df.loc[df["policy_area"] == UNMAPPED_AREA, "policy_label"])):
        carries = df[df["policy_label"] == category]
        notes.append(f"category {category!r} is in no schema we know: {len(carries)} figure(s) kept under its own "
                     "name (policy area UNMAPPED)")
        rows.append({"document_sha256": carries["document_sha256"].iloc[0], "source": SOURCE_ID,
                     "field": "policy_areas", "label": category, "figures": len(carries), "first_place": "category",
                     "first_locator": carries["locator"].iloc[0], "mapping_file": str(vocabulary.relative_to(PACKAGE_DIR.parent)),
                     "suggestion": f"{category},<title>,...,<dsa_schema> (a row of the policy-area vocabulary)"})
    return rows


def first_header(dump: Dump) -> list[str]:
    """The header of the dump's first CSV part, read here (what the user is told of the dump's columns; every
    part's own header is checked where it is counted)."""
    inners = inner_archives(dump)
    if not inners:
        return []
    inner_name = f"{dump.path}!{inners[0].name}"
    with located(dump, inners[0]) as where, Window(*where) as archive:
        entries = part_entries(archive, inner_name)
        if not entries:
            return []
        line = PartStream(archive, entries[0], inner_name).first_line()
    return next(csv.reader([line.decode("utf-8-sig", errors="replace")]), [])
