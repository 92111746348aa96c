"""Count a dump with DuckDB on this machine (default) or with Spark (local mode or a cluster: collectors/dsa_tdb/spark.py).

Both engines count each CSV part per combination of its raw fields (collectors/dsa_tdb/parts.py), then turn the
groups into counts in long form with one SQL text, written in each engine's dialect: platform_name, category, cut,
val, n. `cut` is '' for the total of a platform and category; otherwise the field (decision_ground, content_type,
...) and `val` its value.
"""
from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import pyarrow as pa

from collectors.dsa_tdb import COUNTING_MODULES
from collectors.dsa_tdb.cuts import EEA, EEA_NO_IS, EU27, RESULT_COLUMNS, cuts_sql
from collectors.dsa_tdb.layout import LIST_CUTS, NEEDED, SCALAR_CUTS, Dump
from collectors.dsa_tdb.parts import Window, count_at, inner_archives, located, merge, part_entries
from reports.ingest.parallel import Inline, fresh_workers, start_fork_server
from reports.model.errors import AtlasError, ParseError

if TYPE_CHECKING:  # the engine starts its workers before this process imports pandas (`tatlas sor ingest`)
    import pandas as pd

__all__ = ["NEEDED", "SCALAR_CUTS", "LIST_CUTS", "RESULT_COLUMNS", "EU27", "EEA", "EEA_NO_IS", "DuckDBEngine",
           "make_engine", "cuts_sql"]

MERGE_EVERY = 32
# Worker processes at most by default: each holds about 210 MB at its peak, so memory stays under 1 GB.
WORKERS = 3

Progress = Callable[[str], None]


class Totals:
    """The counts of the parts counted so far, merged every MERGE_EVERY parts, the rows read, and the peak resident
    memory of each worker process."""

    def __init__(self, dump: Dump, progress: Progress):
        self.dump, self.progress = dump, progress
        self.partials: list[pa.Table] = []
        self.rows = self.parts = 0
        self.peaks: dict[int, int] = {}

    def add(self, counted: tuple) -> None:
        """One part's result from parts.count_at: its counts, or the error that stopped it (raised here)."""
        groups, rows, (pid, peak), error = counted
        self.peaks[pid] = max(peak, self.peaks.get(pid, 0))
        if error is not None:
            kind, message, fields = error
            raise (ParseError if kind != "AtlasError" else AtlasError)(message, **fields)
        self.partials.append(groups)
        self.rows, self.parts = self.rows + rows, self.parts + 1
        if len(self.partials) >= MERGE_EVERY:
            self.partials = [merge(self.partials)]
        if self.parts % 10 == 0:
            self.progress(f"{self.dump.path.name}: {self.parts} part(s), {self.rows} row(s) so far")

    def groups(self) -> pa.Table:
        if not self.partials:
            raise ParseError("the dump holds no CSV part", file=self.dump.path)
        return merge(self.partials)


class DuckDBEngine:
    """This machine: parts counted in `workers` processes at once (Python's threads measured no faster than one:
    the streaming reader and the inflater hold the GIL), the groups turned into counts by DuckDB.

    The workers are forked from a fresh server process (never from this one, which may hold DuckDB's and Arrow's
    threads) that imported the counting code (collectors/dsa_tdb/parts.py) once, so none imports it again; each
    part's counts come back, a few thousand rows."""

    name = "duckdb"

    def __init__(self, workers: int | None = None):
        self.workers = workers or min(WORKERS, os.cpu_count() or 1)
        self.pool = None  # started on the first dump, kept for the next ones

    def start(self) -> None:
        """Start the workers' server: it imports the counting code while the caller goes on."""
        if self.pool is None and self.workers > 1:
            start_fork_server(COUNTING_MODULES)
            self.pool = ProcessPoolExecutor(self.workers, fresh_workers(count_at, COUNTING_MODULES))
        elif self.pool is None:
            self.pool = Inline()

    def count(self, dump: Dump, progress: Progress = lambda m: None) -> tuple[pd.DataFrame, int]:
        """Counts of the dump in long form (RESULT_COLUMNS) and the number of rows read.

        Memory holds the parts in hand (`workers` of them, each a window of rows and its uuids) and the counts so
        far; never a whole part, an inner archive or the dump."""
        self.start()
        totals = Totals(dump, progress)
        pending: deque = deque()
        try:
            for inner in inner_archives(dump):
                self._submit(self.pool, pending, dump, inner, totals)
            while pending:
                totals.add(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()
        peaks = ", ".join(f"{peak / 1e6:.0f}" for peak in totals.peaks.values())
        progress(f"{dump.path.name}: {totals.parts} part(s) counted in {len(totals.peaks)} process(es), peak "
                 f"resident memory of each: {peaks} MB")
        return cuts(totals.groups()), totals.rows

    def _submit(self, pool, pending: deque, dump: Dump, inner, totals: Totals) -> None:
        """Hand each part of an inner archive to the pool, one queued beyond those in hand."""
        inner_name = f"{dump.path}!{inner.name}"
        with located(dump, inner) as where:
            with Window(*where) as archive:
                entries = part_entries(archive, inner_name)
            for info in entries:
                pending.append(pool.submit(count_at, where, info, inner_name, dump))
                while len(pending) > self.workers:
                    totals.add(pending.popleft().result())
            if not inner.stored:  # its temporary copy goes when the block ends
                while pending:
                    totals.add(pending.popleft().result())

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


def cuts(groups: pa.Table) -> pd.DataFrame:
    """The long-form counts of the groups, by DuckDB."""
    import duckdb

    con = duckdb.connect(config={"threads": 1, "memory_limit": "256MB"})  # a few thousand groups
    try:
        con.register("g", groups)
        return con.execute(cuts_sql("duckdb")).fetchdf()[RESULT_COLUMNS]
    finally:
        con.close()


def make_engine(name: str, master: str | None = None):
    """The engine by name: `duckdb` or `spark` (with an optional master URL)."""
    if name == "spark":
        from collectors.dsa_tdb.spark import SparkEngine

        return SparkEngine(master or "local[2]")
    return DuckDBEngine()
