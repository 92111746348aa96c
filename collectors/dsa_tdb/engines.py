"""Count a dump with DuckDB on this machine (default) or with Spark (local mode or a cluster: collectors/dsa_tdb/spark.py).

Both engines count each CSV part per combination of its raw fields (collectors/dsa_tdb/parts.py), then turn the
groups into counts in long form with one SQL text, written in each engine's dialect: platform_name, category, cut,
val, n. `cut` is '' for the total of a platform and category; otherwise the field (decision_ground, content_type,
...) and `val` its value.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa

from collectors.dsa_tdb.cuts import EEA, EEA_NO_IS, EU27, RESULT_COLUMNS, cuts_sql
from collectors.dsa_tdb.layout import LIST_CUTS, NEEDED, SCALAR_CUTS, Dump
from collectors.dsa_tdb.parts import Window, count_part, inner_archives, located, merge, part_entries
from reports.model.errors import ParseError

__all__ = ["NEEDED", "SCALAR_CUTS", "LIST_CUTS", "RESULT_COLUMNS", "EU27", "EEA", "EEA_NO_IS", "DuckDBEngine",
           "make_engine", "cuts_sql"]

MERGE_EVERY = 32

Progress = Callable[[str], None]


class Totals:
    """The counts of the parts counted so far, merged every MERGE_EVERY parts, and the rows read."""

    def __init__(self, dump: Dump, progress: Progress):
        self.dump, self.progress = dump, progress
        self.partials: list[pa.Table] = []
        self.rows = self.parts = 0

    def add(self, groups: pa.Table, rows: int) -> None:
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


def _count_at(where: tuple[str, int, int], info, inner_name: str, dump: Dump) -> tuple[pa.Table, int]:
    with Window(*where) as archive:  # its own handle: parts are read on several threads at once
        return count_part(archive, info, inner_name, dump)


class DuckDBEngine:
    """This machine: parts counted on `workers` threads at once (ISA-L, Arrow and DuckDB release the GIL), the
    groups turned into counts by DuckDB."""

    name = "duckdb"

    def __init__(self, workers: int = 2):
        self.workers = workers

    def count(self, dump: Dump, progress: Progress = lambda m: None) -> tuple[pd.DataFrame, int]:
        """Counts of the dump in long form (RESULT_COLUMNS) and the number of rows read.

        Memory holds the parts in hand (`workers` of them, each a window of rows and its uuids) and the counts so
        far; never a whole part, an inner archive or the dump."""
        totals = Totals(dump, progress)
        pending: deque = deque()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            try:
                for inner in inner_archives(dump):
                    self._submit(pool, pending, dump, inner, totals)
                while pending:
                    totals.add(*pending.popleft().result())
            finally:
                for future in pending:
                    future.cancel()
        return cuts(totals.groups()), totals.rows

    def _submit(self, pool, pending: deque, dump: Dump, inner, totals: Totals) -> None:
        """Hand each part of an inner archive to the pool, one queued beyond those in hand."""
        inner_name = f"{dump.path}!{inner.name}"
        with located(dump, inner) as where:
            with Window(*where) as archive:
                entries = part_entries(archive, inner_name)
            for info in entries:
                pending.append(pool.submit(_count_at, where, info, inner_name, dump))
                while len(pending) > self.workers:
                    totals.add(*pending.popleft().result())
            if not inner.stored:  # its temporary copy goes when the block ends
                while pending:
                    totals.add(*pending.popleft().result())

    def close(self) -> None:
        pass


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
