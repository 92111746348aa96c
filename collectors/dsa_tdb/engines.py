"""The statements-of-reasons aggregation, one SQL text run by DuckDB (default) or by Spark (local or a cluster).

An engine takes a batch of parsed CSV parts (an Arrow table with a `part` column naming each row's part) and
returns counts in long form: part, platform_name, category, cut, val, n. `cut` is '' for the total of a
platform and category; otherwise the field (decision_ground, content_type, ...) and `val` its value.
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa

# The fields the aggregation reads; everything else in a dump (texts, dates, ids) is never materialised.
NEEDED = ["uuid", "platform_name", "category", "decision_visibility", "decision_monetary", "decision_provision",
          "decision_account", "decision_ground", "content_type", "automated_detection", "automated_decision",
          "source_type", "account_type", "territorial_scope"]
SCALAR_CUTS = ["decision_ground", "decision_monetary", "decision_provision", "decision_account",
               "automated_detection", "automated_decision", "source_type", "account_type"]
LIST_CUTS = ["decision_visibility", "content_type"]
RESULT_COLUMNS = ["part", "platform_name", "category", "cut", "val", "n"]
NO_VALUE = "none"

EU27 = sorted("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
EEA = sorted(EU27 + ["IS", "LI", "NO"])
EEA_NO_IS = sorted(EU27 + ["LI", "NO"])

# The few functions whose names differ between the two SQL dialects.
DIALECTS = {
    "duckdb": {"split": "string_split", "explode": "unnest", "sort": "list_sort", "join": "array_to_string"},
    "spark": {"split": "split", "explode": "explode", "sort": "array_sort", "join": "array_join"},
}


def aggregation_sql(dialect: str, table: str = "batch") -> str:
    """Count statements per part, platform and category, and per value of every cut; a uuid counts once per part.

    The rows are first grouped by the raw fields (a few thousand distinct combinations per part), so the
    string work on JSON arrays runs on those groups, not on every statement."""
    f = DIALECTS[dialect]

    def items(column: str) -> str:
        # A JSON array of strings in one cell: '["A","B"]' -> ['A', 'B'] (['none'] when empty or missing).
        return (f"CASE WHEN {column} IS NULL OR length({column}) <= 4 THEN {f['split']}('{NO_VALUE}', ',') "
                f"ELSE {f['split']}(substring({column}, 3, length({column}) - 4), '\",\"') END")

    def json(codes: list[str]) -> str:
        return '[' + ','.join(f'"{c}"' for c in codes) + ']'

    # Territorial scope collapsed as shantay does: the whole EEA, the EEA without Iceland, the EU27; else states.
    # The database writes these lists in alphabetical order, so the collapse compares the cell as written.
    scope = (f"CASE territorial_scope WHEN '{json(EEA)}' THEN {f['split']}('EEA', ',') "
             f"WHEN '{json(EEA_NO_IS)}' THEN {f['split']}('EEA_no_IS', ',') "
             f"WHEN '{json(EU27)}' THEN {f['split']}('EU', ',') ELSE {items('territorial_scope')} END")

    def present(column: str) -> str:
        return f"({column} IS NOT NULL AND length({column}) > 0 AND {column} <> '[]')"

    decision_type = ("coalesce(nullif(concat_ws('_', "
                     + ", ".join(f"CASE WHEN {present(c)} THEN '{short}' END" for c, short in (
                         ("decision_visibility", "vis"), ("decision_monetary", "mon"),
                         ("decision_provision", "pro"), ("decision_account", "acc")))
                     + "), ''), 'is_null')")
    raw = ", ".join(["part", "platform_name", "category"] + SCALAR_CUTS + LIST_CUTS + ["territorial_scope"])
    keys = "part, platform_name, category"
    selects = [f"SELECT {keys}, '' AS cut, '' AS val, n FROM g"]
    selects += [f"SELECT {keys}, '{c}', coalesce(nullif({c}, ''), '{NO_VALUE}'), n FROM g" for c in SCALAR_CUTS]
    selects.append(f"SELECT {keys}, 'decision_type', {decision_type}, n FROM g")
    selects += [f"SELECT {keys}, '{c}', {f['explode']}({items(c)}), n FROM g" for c in LIST_CUTS]
    selects.append(f"SELECT {keys}, 'territorial_scope', {f['explode']}({scope}), n FROM g")
    union = "\n UNION ALL ".join(selects)
    # A uuid counts once per part. Repeats are rare (a few per part), so rather than numbering every row, the rows
    # of repeated uuids are found by one grouping, and their copies after the first are subtracted from the groups.
    return f"""
        WITH dup AS (SELECT part, uuid FROM {table} GROUP BY part, uuid HAVING count(*) > 1),
        numbered AS (SELECT b.*, row_number() OVER (PARTITION BY b.part, b.uuid ORDER BY b.uuid) AS copy
                     FROM {table} b JOIN dup d ON b.part = d.part AND b.uuid = d.uuid),
        weighted AS (SELECT {raw}, 1 AS w FROM {table} UNION ALL SELECT {raw}, -1 AS w FROM numbered WHERE copy > 1),
        g AS (SELECT {raw}, sum(w) AS n FROM weighted GROUP BY {raw} HAVING sum(w) > 0),
        cuts AS ({union})
        SELECT part, platform_name, category, cut, val, sum(n) AS n FROM cuts GROUP BY part, platform_name, category,
               cut, val"""


class DuckDBEngine:
    """One in-process DuckDB connection; each batch is queried straight from Arrow memory."""

    name = "duckdb"
    threadsafe = True

    def __init__(self, threads: int | None = 1):
        import duckdb

        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.sql = aggregation_sql("duckdb")

    def aggregate(self, batch: pa.Table) -> pd.DataFrame:
        cursor = self.con.cursor()  # one per call, so parts can be counted from several threads at once
        try:
            cursor.register("batch", batch)
            return cursor.execute(self.sql).fetchdf()[RESULT_COLUMNS]
        finally:
            cursor.close()

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """PySpark in local mode (`local[*]`) or on a cluster (`spark://host:7077`): the same SQL, Spark's dialect."""

    name = "spark"

    def __init__(self, master: str = "local[2]"):
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # the optional extra
            from reports.model.errors import AtlasError

            raise AtlasError("--engine spark needs pyspark: pip install 'transparency-atlas[spark]'") from exc
        self.spark = (SparkSession.builder.master(master).appName("tatlas-sor")
                      .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                      .config("spark.sql.shuffle.partitions", "4")
                      .config("spark.ui.enabled", "false")
                      .getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self.sql = aggregation_sql("spark")

    def aggregate(self, batch: pa.Table) -> pd.DataFrame:
        from pyspark.sql.types import StringType, StructField, StructType

        # An explicit all-text schema: Spark cannot infer a type for a column that is empty in this batch.
        schema = StructType([StructField(name, StringType(), True) for name in batch.column_names])
        frame = self.spark.createDataFrame(batch.cast(pa.schema([(n, pa.string()) for n in batch.column_names]))
                                           .to_pandas(), schema=schema)
        frame.createOrReplaceTempView("batch")
        result = self.spark.sql(self.sql).toPandas()
        result["n"] = result["n"].astype("int64")
        return result[RESULT_COLUMNS]

    def close(self) -> None:
        self.spark.stop()


def make_engine(name: str, master: str | None = None):
    """The engine by name: `duckdb` or `spark` (with an optional master URL)."""
    if name == "spark":
        return SparkEngine(master or "local[2]")
    return DuckDBEngine()
