"""Count a dump with Spark, in local mode or on a cluster: the executors do the work, the driver gets only counts.

The driver reads the outer ZIP's directory (a few KB) and hands Spark one task per inner archive: the dump's path
and where the archive's bytes lie. Each executor lists that archive's CSV parts, inflates, parses and counts them
with the same code as the DuckDB engine (collectors/dsa_tdb/parts.py, in `mapInArrow`), and returns counts per
combination of raw fields; Spark SQL turns them into the long-form counts (engines.cuts_sql, Spark's dialect) and
only those come back. So a cluster adds the cores of its executors, and the data never passes through the driver.

Every executor must read the dump at the same path (a shared file system) and run Python with this project
installed: the executors run `sys.executable` (PYSPARK_PYTHON), the driver's own interpreter. When the master is
on this machine (local mode, or spark://127.0.0.1:PORT), the driver binds the loopback interface only.
"""
from __future__ import annotations

import ipaddress
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pyarrow as pa

from collectors.dsa_tdb.cuts import RESULT_COLUMNS, cuts_sql
from collectors.dsa_tdb.layout import RAW, Dump, parse_dump_name
from collectors.dsa_tdb.parts import Inner, count_inner, inner_archives
from reports.model.errors import AtlasError, ParseError

# What an executor returns: counts per raw-field combination (kind 'groups'), rows read per part ('rows', in n),
# or the error that stopped an inner archive ('error': the error's fields as JSON, the archive's number in n).
OUTPUT = pa.schema([(name, pa.string()) for name in RAW] + [("n", pa.int64()), ("kind", pa.string()),
                                                              ("error", pa.string())])
TASK_FIELDS = ["path", "index", "name", "header_offset", "stored", "offset", "size", "crc"]

Progress = Callable[[str], None]


def is_loopback(master: str) -> bool:
    """Whether the master runs on this machine: local mode, or a spark:// URL naming a loopback host."""
    if master.startswith("local"):
        return True
    host = urlparse(master).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SparkEngine:
    """PySpark in local mode (`local[2]`) or on a cluster (`spark://host:7077`)."""

    name = "spark"

    def __init__(self, master: str = "local[2]"):
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # the optional extra
            raise AtlasError("--engine spark needs pyspark: pip install 'transparency-atlas[spark]'") from exc
        os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors run this project's Python
        builder = (SparkSession.builder.master(master).appName("tatlas-sor")
                   .config("spark.pyspark.python", sys.executable)
                   .config("spark.pyspark.driver.python", sys.executable)
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false"))
        if is_loopback(master):
            builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")

    def count(self, dump: Dump, progress: Progress = lambda m: None) -> tuple[pd.DataFrame, int]:
        """Counts of the dump in long form (engines.RESULT_COLUMNS) and the number of rows read."""
        from pyspark import StorageLevel

        inners = inner_archives(dump)
        if not inners:
            raise ParseError("the dump holds no CSV part", file=dump.path)
        path = str(dump.path.resolve())
        tasks = self.spark.createDataFrame(
            [(path, i.index, i.name, i.header_offset, i.stored, i.offset, i.size, i.crc) for i in inners],
            "path string, index long, name string, header_offset long, stored boolean, offset long, size long, "
            "crc long").repartition(len(inners))
        progress(f"{dump.path.name}: {len(inners)} inner archive(s) sent to the executors")
        parts = tasks.mapInArrow(count_tasks, _spark_schema()).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            facts = parts.where("kind <> 'groups'").select("kind", "n", "error").collect()  # a row per part
            errors = sorted((r["n"], r["error"]) for r in facts if r["kind"] == "error")
            if errors:  # the first archive's, as the DuckDB engine would stop on it
                raise _error(errors[0][1])
            parts.where("kind = 'groups'").createOrReplaceTempView("g")
            counts = self.spark.sql(cuts_sql("spark", "g")).toPandas()
        finally:
            parts.unpersist()
        rows = sum(r["n"] for r in facts if r["kind"] == "rows")
        if not rows and counts.empty:
            raise ParseError("the dump holds no CSV part", file=dump.path)
        counts["n"] = counts["n"].astype("int64")
        return counts[RESULT_COLUMNS], rows

    def close(self) -> None:
        self.spark.stop()


def _spark_schema():
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    return StructType([StructField(f.name, LongType() if f.type == pa.int64() else StringType(), True) for f in OUTPUT])


def _error(text: str) -> AtlasError:
    fields = json.loads(text)
    kind = ParseError if fields.pop("kind") == "ParseError" else AtlasError
    return kind(fields.pop("message"), **fields)


def count_tasks(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """In an executor: count every inner archive of its tasks, part by part (mapInArrow's function)."""
    for batch in batches:
        for task in batch.to_pylist():
            yield from count_task(task)


def count_task(task: dict) -> Iterator[pa.RecordBatch]:
    dump = parse_dump_name(Path(task["path"]))
    inner = Inner(**{k: task[k] for k in TASK_FIELDS if k != "path"})
    try:
        for _, groups, rows in count_inner(dump, inner):
            yield from _with_kind(groups, "groups").to_batches()
            yield _single("rows", rows)
    except AtlasError as exc:
        error = {"kind": type(exc).__name__ if isinstance(exc, ParseError) else "AtlasError", "message": exc.message,
                 "file": exc.file, "place": exc.place, "source": exc.source}
        yield _single("error", inner.index, json.dumps(error))


def _with_kind(groups: pa.Table, kind: str) -> pa.Table:
    return groups.append_column("kind", pa.array([kind] * groups.num_rows, pa.string())).append_column(
        "error", pa.nulls(groups.num_rows, pa.string())).cast(OUTPUT)


def _single(kind: str, n: int, error: str | None = None) -> pa.RecordBatch:
    row = {name: [None] for name in RAW} | {"n": [n], "kind": [kind], "error": [error]}
    return pa.RecordBatch.from_pydict(row, schema=OUTPUT)
