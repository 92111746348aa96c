"""`tatlas sor ingest`: verify a daily dump of statements of reasons, stream it, aggregate it, store the counts.

A dump is `sor-<global|platform>-YYYY-MM-DD-<full|light>.zip` with `<dump>.sha1` beside it: a ZIP of
`...-NNNNN.csv.zip` ZIPs, each holding CSV parts of up to 100,000 rows with a header. Nothing is unpacked to
disk: each inner ZIP is read from the outer one into memory (at most two at a time) and its CSV parts are
inflated, parsed (only the fields the counts need) and counted on two threads at once, one part each (zlib, Arrow
and DuckDB all release the GIL), so memory depends on the size of an inner ZIP and of two parts, never on the
size of the dump. Each part's counts are merged into the running total as they come.

Each row is one statement. Rows repeated with the same uuid (the real dumps hold literal duplicates, e.g. in
sor-global-2024-03-14-full-00000-00000.csv) are one statement and counted once; the check runs within each CSV
part, where the duplicates we have seen sit, because a day-wide set of uuids would grow with the dump.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

try:  # ISA-L's inflate: the same bytes as zlib's, about twice as fast
    from isal import isal_zlib as inflate
except ImportError:  # pragma: no cover
    import zlib as inflate

from collectors.dsa_tdb.engines import NEEDED, make_engine
from collectors.dsa_tdb.stats import FOLDER, METRIC_LABEL, SOURCE_ID, platform_slug
from reports.ingest.build import Known, Prepared
from reports.ingest.collector import edition_meta
from reports.ingest.safezip import DUMP_LIMITS, open_member, open_zip, safe_members
from reports.model.documents import Document, load_card
from reports.model.errors import AtlasError, ParseError
from reports.model.schema import COLUMNS, coerce, validate
from reports.model.vocab import policy_areas

VERSION = "1"
DUMP_NAME = re.compile(r"^sor-(?P<scope>[a-z0-9]+(?:-[a-z0-9]+)*?)-(?P<day>\d{4}-\d{2}-\d{2})-(?P<kind>full|light)\.zip$")
V2_FROM = date(2025, 7, 1)
V1_HEADER = [
    "uuid", "decision_visibility", "decision_visibility_other", "end_date_visibility_restriction",
    "decision_monetary", "decision_monetary_other", "end_date_monetary_restriction", "decision_provision",
    "end_date_service_restriction", "decision_account", "end_date_account_restriction", "account_type",
    "decision_ground", "decision_ground_reference_url", "illegal_content_legal_ground", "illegal_content_explanation",
    "incompatible_content_ground", "incompatible_content_explanation", "incompatible_content_illegal", "category",
    "category_addition", "category_specification", "category_specification_other", "content_type",
    "content_type_other", "content_language", "content_date", "territorial_scope", "application_date",
    "decision_facts", "source_type", "source_identity", "automated_detection", "automated_decision", "platform_name",
    "platform_uid", "created_at",
]
V2_HEADER = V1_HEADER[:V1_HEADER.index("content_date") + 1] + ["content_id_ean"] + V1_HEADER[
    V1_HEADER.index("content_date") + 1:]


def schema_categories(version: str) -> frozenset[str]:
    """The statement categories of one database schema ('v1', 'v2'), as the policy-area vocabulary marks them."""
    return frozenset(code for code, row in policy_areas().items() if version in row["dsa_schema"].split())


V1_CATEGORIES, V2_CATEGORIES = schema_categories("v1"), schema_categories("v2")
SCHEMAS = {"v1": (V1_HEADER, V1_CATEGORIES), "v2": (V2_HEADER, V2_CATEGORIES)}

Progress = Callable[[str], None]
MERGE_EVERY = 32


@dataclass(frozen=True)
class Dump:
    """One daily dump file and what its name says."""

    path: Path
    scope: str
    day: date
    kind: str

    @property
    def schema(self) -> str:
        return "v2" if self.day >= V2_FROM else "v1"

    @property
    def sha1_path(self) -> Path:
        return self.path.with_name(self.path.name + ".sha1")


def parse_dump_name(path: Path) -> Dump:
    """Read scope, day and kind from `sor-global-2024-03-14-full.zip`; refuse any other name."""
    match = DUMP_NAME.match(path.name)
    if not match:
        raise AtlasError("not a Transparency Database dump name (expected sor-<scope>-YYYY-MM-DD-<full|light>.zip)",
                         file=path, source=SOURCE_ID)
    try:
        day = date.fromisoformat(match["day"])
    except ValueError:
        raise AtlasError(f"no such day {match['day']!r}", file=path, source=SOURCE_ID) from None
    return Dump(path, match["scope"], day, match["kind"])


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


def file_digests(path: Path) -> tuple[str, str]:
    """sha1 (to check against the published one) and sha256 (our document id) in one pass over the file."""
    sha1, sha256 = hashlib.sha1(), hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            sha1.update(chunk)
            sha256.update(chunk)
    return sha1.hexdigest(), sha256.hexdigest()


def verify(dump: Dump) -> tuple[str, str]:
    """Refuse a dump whose bytes do not match its published sha1; return (sha1, sha256)."""
    published = expected_sha1(dump)
    sha1, sha256 = file_digests(dump.path)
    if sha1 != published:
        raise AtlasError(f"sha1 mismatch: {dump.sha1_path.name} says {published}, the file is {sha1}; refusing "
                         "a dump that is not the published one", file=dump.path, source=SOURCE_ID)
    return sha1, sha256


def iter_parts(dump: Dump) -> Iterator[tuple[str, bytes, zipfile.ZipInfo]]:
    """Each CSV part of the dump as (inner archive name, the inner archive's bytes, the part's entry), in order.

    Every archive, outer and inner, passes safezip (readable, names, sizes, ratios) before any part is read."""
    name = str(dump.path)
    with open_zip(dump.path, name=name) as outer:
        for info in safe_members(outer, name=name, limits=DUMP_LIMITS):
            if not info.filename.endswith(".csv.zip"):
                raise ParseError("expected only inner .csv.zip archives in the dump", file=name, place=info.filename)
            inner_name = f"{name}!{info.filename}"
            with open_member(outer, info, name=name) as handle:  # stored in the outer ZIP: a read and a CRC check
                data = handle.read(info.file_size + 1)  # in one call, not in 8 KB steps
            if len(data) != info.file_size:
                raise ParseError(f"member holds {len(data)} bytes, its header says {info.file_size}", file=name,
                                 place=info.filename)
            with open_zip(io.BytesIO(data), name=inner_name) as inner:
                parts = safe_members(inner, name=inner_name, limits=DUMP_LIMITS)
            for part in parts:
                if not part.filename.endswith(".csv"):
                    raise ParseError("expected only .csv parts", file=inner_name, place=part.filename)
                yield inner_name, data, part


def read_whole(archive: bytes, info: zipfile.ZipInfo, name: str) -> bytes:
    """A part's bytes, inflated straight from the inner archive's bytes, checked against its size and CRC-32.

    The entry passed safezip's checks (name, declared size, ratio); inflating here rather than through zipfile's
    stream lets ISA-L's inflate (python-isal, same output as zlib, about twice as fast) do the work that
    dominates an ingest, capped at the declared size so a lying header cannot inflate a bomb."""
    def corrupt(why: str) -> ParseError:
        return ParseError(f"truncated or corrupt member ({why})", file=name, place=info.filename)

    start = info.header_offset
    local = archive[start:start + 30]
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise corrupt("no local file header")
    if info.flag_bits & 0x1:
        raise corrupt("encrypted")
    begin = start + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
    packed = memoryview(archive)[begin:begin + info.compress_size]
    if len(packed) != info.compress_size:
        raise corrupt("the archive ends inside it")
    if info.compress_type == zipfile.ZIP_STORED:
        data = bytes(packed)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = inflate.decompressobj(-15)
        try:
            data = inflater.decompress(packed, info.file_size + 1)
        except inflate.error as exc:
            raise corrupt(str(exc)) from None
        if not inflater.eof and len(data) <= info.file_size:
            raise corrupt("the deflate stream ends early")
    else:
        raise corrupt(f"compression method {info.compress_type}")
    if len(data) != info.file_size:
        raise ParseError(f"member holds {len(data)} or more bytes, its header says {info.file_size}", file=name,
                         place=info.filename)
    if inflate.crc32(data) != info.CRC:
        raise ParseError(f"Bad CRC-32 for file {info.filename!r}", file=name, place=info.filename)
    return data


def check_header(header: list[str], dump: Dump, place: str) -> None:
    """A part's header must use the columns of its day's schema, in order; the light dump may leave texts out."""
    expected, _ = SCHEMAS[dump.schema]
    unknown = [c for c in header if c not in expected]
    if unknown:
        other = "v2" if dump.schema == "v1" else "v1"
        hint = (f" (a schema-{other} column; this {dump.day} dump follows schema {dump.schema})"
                if all(c in SCHEMAS[other][0] for c in unknown) else "")
        raise ParseError(f"unknown column(s) {unknown}{hint}", file=dump.path, place=f"{place} line 1")
    missing = [c for c in NEEDED if c not in header]
    if missing:
        raise ParseError(f"missing column(s) {missing}", file=dump.path, place=f"{place} line 1")
    if header != [c for c in expected if c in header]:
        raise ParseError(f"columns out of order for schema {dump.schema}: {header}", file=dump.path,
                         place=f"{place} line 1")


def read_part(data: bytes, dump: Dump, place: str) -> pa.Table:
    """Parse one CSV part (at most 100,000 rows), keeping only the fields the counts need, all as text."""
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)].decode("utf-8-sig", errors="replace")
    if not first.strip():
        raise ParseError("empty CSV part (no header)", file=dump.path, place=place)
    header = next(csv.reader([first]))
    check_header(header, dump, place)
    try:
        return pacsv.read_csv(
            pa.py_buffer(data),
            # One thread per part: parts are parsed two at a time, and Arrow's own threads measured slower.
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=4 << 20, use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(include_columns=NEEDED,
                                                 column_types={c: pa.string() for c in NEEDED}))
    except pa.ArrowInvalid as exc:
        raise ParseError(f"malformed CSV ({exc})", file=dump.path, place=place) from None


def count_dump(dump: Dump, engine, progress: Progress = lambda m: None, *, workers: int = 2
               ) -> tuple[pd.DataFrame, int]:
    """Counts of the dump in long form (platform_name, category, cut, val, n) and the number of rows read.

    `workers` parts are inflated, parsed and counted at once (one per core here); memory holds those parts and
    the inner archives they come from, and the counts so far (merged every MERGE_EVERY parts)."""
    _, categories = SCHEMAS[dump.schema]
    workers = workers if getattr(engine, "threadsafe", False) else 1
    partials: list[pd.DataFrame] = []
    rows = 0

    def work(number: int, inner_name: str, archive: bytes, info: zipfile.ZipInfo) -> tuple[pd.DataFrame, int]:
        place = f"{inner_name.rsplit('!', 1)[-1]}/{info.filename}"
        table = read_part(read_whole(archive, info, inner_name), dump, place)
        table = table.append_column("part", pa.array(np.full(table.num_rows, number, dtype=np.int32)))
        counts = engine.aggregate(table)
        check_counts(counts, dump, place, categories)
        return counts.drop(columns="part"), table.num_rows

    def collect(future) -> None:
        nonlocal rows, partials
        counts, n = future.result()
        partials.append(counts)
        rows += n
        if len(partials) >= MERGE_EVERY:
            partials = [merge(partials)]

    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for number, (inner_name, archive, info) in enumerate(iter_parts(dump)):
                pending.append(pool.submit(work, number, inner_name, archive, info))
                if len(pending) >= workers:  # bounded: the next part waits until one in hand is counted
                    collect(pending.popleft())
                    if number % 10 == 0:
                        progress(f"{inner_name}: {rows} row(s) so far")
            while pending:
                collect(pending.popleft())
        finally:
            for future in pending:
                future.cancel()
    if not partials:
        raise ParseError("the dump holds no CSV part", file=dump.path)
    return merge(partials), rows


def merge(partials: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum counts of several parts into one frame."""
    merged = pd.concat(partials, ignore_index=True)
    return merged.groupby(["platform_name", "category", "cut", "val"], as_index=False, dropna=False)["n"].sum()


def check_counts(counts: pd.DataFrame, dump: Dump, place: str, categories: frozenset[str]) -> None:
    """Refuse a statement without platform or category, or with a category outside its day's schema."""
    if counts["platform_name"].isna().any() or (counts["platform_name"] == "").any():
        raise ParseError("a statement without platform_name", file=dump.path, place=place)
    found = set(counts["category"].fillna(""))
    wrong = sorted(found - categories)
    if not wrong:
        return
    other = "v2" if dump.schema == "v1" else "v1"
    if all(c in SCHEMAS[other][1] for c in wrong):
        raise ParseError(f"category {wrong[0]} is a schema-{other} value, but this {dump.day} dump follows schema "
                         f"{dump.schema}", file=dump.path, place=f"{place} column category")
    raise ParseError(f"unknown category {wrong[0]!r}", file=dump.path, place=f"{place} column category")


def observations(counts: pd.DataFrame, dump: Dump, sha256: str) -> pd.DataFrame:
    """Rows of the common schema: totals per platform and category, per platform (ALL), and every cut."""
    counts = counts.copy()
    counts["platform"] = counts["platform_name"].map({n: platform_slug(n) for n in counts["platform_name"].unique()})
    by_category = counts.groupby(["platform", "category", "cut", "val"], as_index=False)["n"].sum()
    over_all = (counts[counts["cut"] == ""].groupby("platform", as_index=False)["n"].sum()
                .assign(category="ALL", cut="", val=""))
    df = pd.concat([by_category, over_all], ignore_index=True)
    total = df["cut"] == ""
    day = pd.Timestamp(dump.day)
    out = pd.DataFrame({
        "platform": df["platform"], "source": SOURCE_ID, "period_start": day, "period_end": day,
        "period": dump.day.isoformat(), "region": "EU", "policy_area": df["category"],
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
                  progress: Progress = lambda m: None) -> Iterator[Prepared | Known]:
    """Each dump, verified and counted, as a document with its observations ready to store (or Known, where
    `known(name, sha1)` says the store already holds it). Nothing here writes the store: the build does, one dump
    at a time, so a crash loses at most the dump in hand and a rerun resumes."""
    dumps = [parse_dump_name(Path(p)) for p in paths]
    for dump in dumps:
        if not dump.path.is_file():
            raise AtlasError("no such dump", file=dump.path, source=SOURCE_ID)
    runner = None
    try:
        for dump in dumps:
            if known(dump.path.name, expected_sha1(dump)):
                yield Known(dump.path.name, "already ingested with the same sha1")
                continue
            started = time.perf_counter()
            sha1, sha256 = verify(dump)
            runner = runner or make_engine(engine, master)
            counts, rows = count_dump(dump, runner, progress)
            df = validate(observations(counts, dump, sha256), file=str(dump.path), source=SOURCE_ID)
            statements = int(counts.loc[counts["cut"] == "", "n"].sum())
            notes = [f"sha1={sha1}", f"schema {dump.schema}; {rows} row(s) read, {statements} statement(s) after "
                     f"counting rows repeated with the same uuid once; engine {runner.name}"]
            progress(f"{dump.path.name}: {statements} statement(s) in {time.perf_counter() - started:.1f} s")
            yield Prepared(dump_document(dump, sha256), df, relative_path=str(dump.path),
                           fingerprint=f"sor-ingest:{VERSION}", meta=edition_meta(dump.path.stem, dump.day),
                           notes=notes, facts={"statements": statements}, card=load_card(FOLDER / "card.toml", SOURCE_ID))
    finally:
        if runner is not None:
            runner.close()


def dump_document(dump: Dump, sha256: str) -> Document:
    card = load_card(FOLDER / "card.toml", SOURCE_ID)
    return Document(path=dump.path, source=SOURCE_ID, sha256=sha256, size=dump.path.stat().st_size,
                    media_type="application/zip", source_url=card.url, publisher="European Commission, DG CONNECT",
                    license="CC BY 4.0", title=f"Statements of reasons {dump.scope} {dump.day} ({dump.kind} dump)")
