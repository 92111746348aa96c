"""Exports of the latest observations: the contract columns first (../shared/DESIGN.md), then the licence
each figure's source stated, then extras; every export also writes a Frictionless `datapackage.json`.

Exports stream: DuckDB sorts the selection (spilling to a temporary folder past MEMORY_LIMIT) and the file is
written BATCH_ROWS at a time, so memory does not grow with the store. CSV lines are written by DuckDB itself, with
the same neutralising and quoting as `spreadsheet.write_csv` (a test holds the two byte-identical); JSON and Parquet
go through pandas a batch at a time, and so does XLSX (openpyxl's write-only workbook; a sheet holds at most
XLSX_MAX_ROWS rows)."""
from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import duckdb
import numpy as np
import pyarrow as pa

from reports.model.errors import AtlasError
from reports.model.licences import licence_statement
from reports.model.overlaps import counted_in_sql
from reports.model.schema import (
    COLUMNS,
    CONTRACT_COLUMNS,
    EXTRA_COLUMNS,
    FIELDS_BY_NAME,
    NO_LICENCE,
    UNMAPPED_AREA,
    UNMAPPED_METRIC,
)
from reports.model.selection import Selection
from reports.publish.package import (
    check_output,
    confirm_earlier_export,
    package_path,
    write_package,
    written_in_place_of,
)
from reports.publish.spreadsheet import DATA_SHEET, SOURCES_SHEET, csv_lines_sql, write_xlsx
from reports.query.figures import SOURCE_COLUMNS, sources_of
from reports.store.database import Store

if TYPE_CHECKING:  # imported where needed: an export to CSV runs without pandas (a third of its time)
    import pandas as pd

FORMATS = ("csv", "parquet", "xlsx", "json")
TEXT_FORMATS = ("csv", "json")  # those that can go to standard output
# The licence travels with each figure, right after the contract columns; `harmonised` says which figures are the
# publisher's own labels that no mapping covers yet; `counted_in` what else counts a figure (never add the two).
EXPORT_COLUMNS = CONTRACT_COLUMNS + ["license"] + EXTRA_COLUMNS + ["harmonised", "counted_in"]
PER_MILLION_COLUMNS = ["recipients", "value_per_million_recipients"]
NUMBER_COLUMNS = {"value", *PER_MILLION_COLUMNS}
XLSX_MAX_ROWS = 1_048_576  # a sheet's rows, the header included
BATCH_ROWS = 10_000
PARTITION_ROWS = 100_000  # figures sorted at a time
SORTING_THREADS = 2  # partitions a CSV export sorts and formats at once, PARTITION_ROWS in all
MEMORY_LIMIT = "200MB"  # DuckDB's share while it sorts an export; past it, it spills to a temporary folder
# A total order: the same store gives the same bytes.
ORDER = ["source", "platform", "metric", "policy_area", "region", "breakdown", "period_start", "period_end",
         "policy_label", "metric_label", "document_sha256", "locator"]


# -- what an export holds ------------------------------------------------------------------------------
class Figures:
    """The latest figures of a selection as an export holds them (EXPORT_COLUMNS, and the derived per-million
    columns when asked for), in export order, read from the store a batch at a time."""

    def __init__(self, store: Store, selection: Selection | None = None, *, per_million: bool = False,
                 per: str | None = None):
        self.store, self.per_million, self._bounded = store, per_million, False
        self.where, self.params = (selection or Selection()).where()
        self.whole = None
        if per:  # sums per month or year need every day of their period: built in memory
            from reports.publish.rolled_up import rolled_up_frame

            self.whole = rolled_up_frame(store, selection or Selection(), per_million=per_million, per=per)
        docs = store.con.execute("SELECT sha256, license FROM documents").fetchall()
        # Made by DuckDB: Arrow would import pandas to read Python lists.
        self.licences = store.con.sql("SELECT unnest($1::VARCHAR[]) AS sha256, unnest($2::VARCHAR[]) AS license",
                                      params=[[sha for sha, _ in docs],
                                              [licence_statement(text) for _, text in docs]]).to_arrow_table()
        columns = [f"strftime(o.{c}, '%Y-%m-%d') AS {c}" if c in ("period_start", "period_end") else f"o.{c}"
                   for c in COLUMNS]
        columns.insert(len(CONTRACT_COLUMNS), f"coalesce(l.license, '{NO_LICENCE}') AS license")
        columns.append(f"CASE WHEN o.policy_area = '{UNMAPPED_AREA}' OR o.metric = '{UNMAPPED_METRIC}' "
                       "THEN 'not yet' ELSE 'yes' END AS harmonised")
        columns.append(f"{counted_in_sql('o')} AS counted_in")  # overlaps declared as data: what else counts it
        self.select = f"SELECT {', '.join(columns)} FROM latest o LEFT JOIN export_licences l ON l.sha256 = o.document_sha256"
        self.relation = self.select + (f" WHERE {self.where}" if self.where else "")
        self.columns = (list(self.whole.columns) if self.whole is not None
                        else EXPORT_COLUMNS + (PER_MILLION_COLUMNS if per_million else []))

    @contextmanager
    def bounded(self) -> Iterator[None]:
        """DuckDB's memory bounded (spilling to a folder of this process's past MEMORY_LIMIT) while the block runs,
        however many queries run in it; the store's own limit is back afterwards."""
        if self._bounded:
            yield
            return
        con = self.store.con.cursor()
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        try:
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            if not con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0].startswith(_spill_root()):
                # One folder of this process's, removed when it ends (DuckDB cannot switch back to a folder once
                # it has used it, so it is never switched back); a store that has spilled already keeps its own.
                with contextlib.suppress(duckdb.NotImplementedException):
                    con.execute(f"SET temp_directory = '{_spill_root()}'")
            self._bounded = True
            yield
        finally:
            self._bounded = False
            con.execute(f"SET memory_limit = '{limit}'")
            con.close()

    @contextmanager
    def query(self, sql: str, params: list | None = None) -> Iterator:
        """Run `sql` (over `export_licences`) with DuckDB's memory bounded; its result as a relation."""
        # Its own cursor: while the result streams, the store's connection stays free (per-million lookups), and
        # queries of other threads run beside it.
        with self.bounded():
            con = self.store.con.cursor()
            try:
                con.register("export_licences", self.licences)
                yield con.sql(sql, params=self.params if params is None else params)
            finally:
                con.close()

    def summary(self) -> tuple[int, dict[str, int], bool]:
        """(figures, figures per document sha256, whether any measure is unmapped), without reading the figures."""
        if self.whole is not None:
            counts = self.whole["document_sha256"].value_counts().to_dict()
            return len(self.whole), counts, bool((self.whole["metric"] == UNMAPPED_METRIC).any())
        with self.query(f"SELECT document_sha256, count(*) AS n, bool_or(metric = '{UNMAPPED_METRIC}') AS unmapped "
                        f"FROM ({self.relation}) GROUP BY 1") as result:
            rows = result.fetchall()
        counts = {sha: n for sha, n, _ in rows}
        return sum(counts.values()), counts, any(unmapped for *_, unmapped in rows)

    def partitions(self, rows: int = PARTITION_ROWS) -> Iterator[tuple[str, list, int]]:
        """The selection in export order as (relation, parameters, figures), each of consecutive (source, platform)
        pairs holding at most `rows` figures (or one pair): DuckDB sorts one at a time, so what it holds is bounded
        by the largest, never by the store. (Strings sort byte by byte, so `source NUL platform` orders as the pair
        does.)"""
        where = f"WHERE {self.where}" if self.where else ""
        pairs = self.store.con.execute(f"SELECT source || chr(0) || platform AS pair, count(*) FROM latest o {where} "
                                       "GROUP BY 1 ORDER BY 1", self.params).fetchall()
        chunks: list[list[str]] = []
        held: list[int] = []
        for pair, count in pairs:
            if not held or held[-1] + count > rows:
                chunks.append([])
                held.append(0)
            chunks[-1].append(pair)
            held[-1] += count
        # From the first pair to the last, compared column by column (the store skips blocks of other sources).
        condition = "o.source BETWEEN ? AND ? AND (o.source > ? OR o.platform >= ?) AND (o.source < ? OR o.platform <= ?)"
        for chunk, count in zip(chunks, held, strict=True):
            (first_source, first_platform), (last_source, last_platform) = chunk[0].split("\0"), chunk[-1].split("\0")
            bounds = [first_source, last_source, first_source, first_platform, last_source, last_platform]
            yield f"{self.select} WHERE {condition}{(' AND ' + self.where) if self.where else ''}", [
                *bounds, *self.params], count

    def frames(self) -> Iterator[pd.DataFrame]:
        """The figures as pandas frames of at most BATCH_ROWS rows (with the derived columns when asked for)."""
        if self.whole is not None:
            for start in range(0, max(len(self.whole), 1), BATCH_ROWS):
                yield self.whole.iloc[start:start + BATCH_ROWS]
            return
        order, empty = ", ".join(ORDER), True
        for relation, params, _ in self.partitions():
            with self.query(f"SELECT * FROM ({relation}) ORDER BY {order}", params) as result:
                reader = result.to_arrow_reader(BATCH_ROWS)
                for batch in reader:
                    if batch.num_rows:
                        yield self._finished(batch.to_pandas())
                        empty = False
        if empty:
            with self.query(f"SELECT * FROM ({self.relation}) LIMIT 0") as result:
                yield self._finished(result.df())

    def _finished(self, df: pd.DataFrame) -> pd.DataFrame:
        """A batch with the derived per-million columns, which need the store's audience figures."""
        from reports.query.normalise import add_per_million

        return add_per_million(self.store, df) if self.per_million else df

    def _table(self, sql: str, params: list) -> pa.Table:
        with self.query(sql, params) as result:
            return result.to_arrow_table()

    def _csv_partitions(self) -> Iterator[memoryview]:
        """The lines of the figures, partition by partition. Each partition is sorted and formatted by one thread
        of DuckDB's (its figures lie together in the store), so SORTING_THREADS smaller ones are prepared at once
        (holding what one partition of PARTITION_ROWS would) while the one before them is written; a larger one (a
        single pair) is sorted alone and streamed out a batch at a time, never held whole."""
        plain = {c for c in self.columns if FIELDS_BY_NAME[c].csv_plain()}
        share = PARTITION_ROWS // SORTING_THREADS
        with self.bounded(), ThreadPoolExecutor(SORTING_THREADS) as pool:
            pending: deque = deque()
            for relation, params, count in self.partitions(share):
                sql = csv_lines_sql(relation, self.columns, NUMBER_COLUMNS, ORDER, plain)
                if count > share:
                    while pending:
                        yield from _lines(pending.popleft().result().to_batches())
                    with self.query(sql, params) as result:
                        yield from _lines(result.to_arrow_reader(BATCH_ROWS))
                    continue
                pending.append(pool.submit(self._table, sql, params))
                if len(pending) > SORTING_THREADS:
                    yield from _lines(pending.popleft().result().to_batches())
            while pending:
                yield from _lines(pending.popleft().result().to_batches())

    def csv_chunks(self) -> Iterator[memoryview]:
        """The CSV file's bytes, header first, in chunks of BATCH_ROWS lines, formatted by DuckDB. The figures stream
        from the store straight into their lines; batches that pandas completes (per million, sums of daily counts)
        go back to DuckDB to be formatted."""
        yield memoryview((",".join(self.columns) + "\n").encode())
        if self.whole is None and not self.per_million:
            yield from self._csv_partitions()
            return
        for frame in self.frames():
            self.store.con.register("export_batch", frame)
            try:
                yield from _lines(self.store.con.sql(csv_lines_sql("SELECT * FROM export_batch", self.columns,
                                                                   NUMBER_COLUMNS)).to_arrow_reader(BATCH_ROWS))
            finally:
                self.store.con.unregister("export_batch")


@functools.cache
def _spill_root() -> str:
    """A temporary folder where DuckDB may spill while it sorts an export (the store's own folder may be read-only,
    as the bundled atlas is), removed when this process ends."""
    root = tempfile.mkdtemp(prefix="tatlas-export-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def _lines(reader) -> Iterator[memoryview]:
    """The bytes of each batch of a `line` column, as they lie in Arrow's buffer (no copy)."""
    for batch in reader:
        column = batch.column(0)
        if not len(column):
            continue
        if pa.types.is_string_view(column.type):
            column = column.cast(pa.large_string())
        width = np.int64 if pa.types.is_large_string(column.type) else np.int32
        offsets = np.frombuffer(column.buffers()[1], dtype=width)
        start, end = int(offsets[column.offset]), int(offsets[column.offset + len(column)])
        yield memoryview(column.buffers()[2])[start:end]


def export_frame(store: Store, selection: Selection | None = None, *, per_million: bool = False,
                 per: str | None = None) -> pd.DataFrame:
    """The latest figures of a selection in export order, in one frame: contract columns, `license`, extras (and
    derived ones). `per` ('month' or 'year') replaces daily counts by their sums per calendar month or year (derived;
    `coverage` says whether the daily figures cover the whole period). For exports, `Figures` streams the same rows."""
    import pandas as pd

    return pd.concat(list(Figures(store, selection, per_million=per_million, per=per).frames()), ignore_index=True)


# -- writing -------------------------------------------------------------------------------------------
def write(figures: Figures, out: Path | TextIO, fmt: str, sources: list[dict] | None = None) -> str | None:
    """Write figures in one of FORMATS to a file or a text stream (standard output: csv and json only; XLSX: a data
    sheet, and a sources sheet when given; `export` checks first that the format holds them all); the file's sha256
    where it was computed while writing."""
    if not hasattr(out, "write"):
        out.parent.mkdir(parents=True, exist_ok=True)
    elif fmt not in TEXT_FORMATS:
        raise AtlasError(f"{fmt} cannot go to a text stream: give a file (--out) or use {' or '.join(TEXT_FORMATS)}")
    if fmt == "csv":
        return _write_chunks(figures.csv_chunks(), out)
    elif fmt == "parquet":
        _write_parquet(figures, out)
    elif fmt == "json":
        return _write_chunks(_json_chunks(figures), out)
    elif fmt == "xlsx":
        import pandas as pd

        sheets = {DATA_SHEET: figures.frames()}
        if sources is not None:
            sheets[SOURCES_SHEET] = [pd.DataFrame(sources, columns=SOURCE_COLUMNS)]
        write_xlsx(sheets, out)
    else:
        raise AtlasError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}", file=out)
    return None


def fits_format(fmt: str, rows: int, out: Path | TextIO) -> None:
    """Refuse an export that its format cannot hold: an XLSX sheet has at most XLSX_MAX_ROWS rows."""
    if fmt == "xlsx" and rows >= XLSX_MAX_ROWS:
        raise AtlasError(f"{rows} figures do not fit in one XLSX sheet ({XLSX_MAX_ROWS - 1} rows at most): "
                         "narrow the selection or use --format parquet or csv", file=out)


def _write_chunks(chunks: Iterator[memoryview | bytes], out: Path | TextIO) -> str | None:
    """Write the chunks to a text stream, or to a file (then its sha256, computed on the way)."""
    if hasattr(out, "write"):
        binary = getattr(out, "buffer", None)
        for chunk in chunks:
            if binary is not None:
                out.flush()
                binary.write(chunk)
            else:
                out.write(bytes(chunk).decode("utf-8"))
        out.flush()
        return None
    digest = hashlib.sha256()
    with open(out, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def _json_chunks(figures: Figures) -> Iterator[bytes]:
    """The records as pandas writes one frame (`to_json(orient='records', indent=1)`), a batch at a time."""
    first = True
    for frame in figures.frames():
        if frame.empty:
            continue
        text = frame.to_json(orient="records", indent=1, force_ascii=False)
        yield (("[\n" if first else ",\n") + text[2:-2]).encode("utf-8")
        first = False
    yield b"[]" if first else b"\n]"


def _write_parquet(figures: Figures, out: Path) -> None:
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.float64() if c in NUMBER_COLUMNS else pa.large_string()) for c in figures.columns])
    writer = None
    try:
        for frame in figures.frames():
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            writer = writer or pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


@dataclass
class Exported:
    """What an export wrote."""

    data: Path
    package: Path
    rows: int
    sources: int


def export(store: Store, out: Path, fmt: str, selection: Selection | None = None, *,
           per_million: bool = False, per: str | None = None) -> Exported:
    """Write a selection's figures and, beside them, a `datapackage.json` describing and checksumming them. The data
    goes to a new file that takes `out`'s place once whole: a failed or interrupted export leaves an earlier one as
    it was, still matching its descriptor. The earlier one is hashed, to confirm it is untouched, while the new one
    is written."""
    recorded = check_output(out, store.path)
    package_path(out)  # refuses before anything is written when no descriptor may be written
    selection = selection or Selection()
    figures = Figures(store, selection, per_million=per_million, per=per)
    rows, per_document, unmapped = figures.summary()
    fits_format(fmt, rows, out)
    sources = sources_of(store, per_document)
    out.parent.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(1) as pool, written_in_place_of(out) as partial:
        untouched = pool.submit(confirm_earlier_export, out, recorded)
        sha256 = write(figures, partial, fmt, sources)
        untouched.result()
    package = write_package(store, out, fmt, figures.columns, rows, unmapped, sources, selection, sha256)
    return Exported(data=out, package=package, rows=rows, sources=len(sources))
