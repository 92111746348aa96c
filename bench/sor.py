"""Benchmark `tatlas sor ingest`'s aggregation against plain pandas, Polars, PySpark and the decompression floor.

    /work/venv/bin/python bench/sor.py [--rows 5000000] [--spark-rows 1000000] [--date 2024-03-14] [--dir /tmp/sor-bench]
                                       [--skip spark]

Writes (or reuses) a synthetic dump, then runs each contender as a whole separate process on the same dump and
prints wall time, rows per second, peak RSS, and ratios. Spark runs on a smaller dump of `--spark-rows`
(0 = the full one) when the full one would take too long; ours is then timed on that dump too, and the Spark
ratio is computed at that size (the output says so). Every contender counts statements per platform and
category and per value of each cut, deduplicating uuids within a part, as the ingest does. Run by hand, not by tests.
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CONTENDERS = ["floor", "ours", "polars", "pandas", "spark"]


def parts(dump: Path):
    """(inner archive, member) for every CSV part, inner archives read into memory one at a time."""
    with zipfile.ZipFile(dump) as outer:
        for name in outer.namelist():
            inner = zipfile.ZipFile(io.BytesIO(outer.read(name)))
            yield from ((inner, info) for info in inner.infolist())


def run_floor(dump: Path) -> int:
    """Just decompress every part with the standard library, on 2 threads."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return sum(pool.map(lambda item: len(item[0].read(item[1])), parts(dump)))


def run_ours(dump: Path, engine: str = "duckdb") -> int:
    from collectors.dsa_tdb.dumps import count_dump, parse_dump_name
    from collectors.dsa_tdb.engines import make_engine

    runner = make_engine(engine)
    try:
        return count_dump(parse_dump_name(dump), runner)[1]
    finally:
        runner.close()


def run_pandas(dump: Path) -> int:
    import pandas as pd

    from collectors.dsa_tdb.engines import LIST_CUTS, NEEDED, SCALAR_CUTS

    results, rows = [], 0
    for inner, info in parts(dump):
        df = pd.read_csv(io.BytesIO(inner.read(info)), usecols=NEEDED, dtype=str, keep_default_na=False)
        rows += len(df)
        df = df.drop_duplicates("uuid")
        keys = ["platform_name", "category"]
        results.append(df.groupby(keys).size())
        for cut in SCALAR_CUTS:
            results.append(df.groupby(keys + [cut]).size())
        for cut in LIST_CUTS + ["territorial_scope"]:
            items = df[keys].assign(val=df[cut].str.strip('[]"').str.split('","')).explode("val")
            results.append(items.groupby(keys + ["val"]).size())
    return rows


def run_polars(dump: Path) -> int:
    import polars as pl

    from collectors.dsa_tdb.engines import LIST_CUTS, NEEDED, SCALAR_CUTS

    results, rows = [], 0
    for inner, info in parts(dump):
        df = pl.read_csv(inner.read(info), columns=NEEDED, infer_schema=False)
        rows += df.height
        df = df.unique("uuid")
        keys = ["platform_name", "category"]
        results.append(df.group_by(keys).len())
        for cut in SCALAR_CUTS:
            results.append(df.group_by(keys + [cut]).len())
        for cut in LIST_CUTS + ["territorial_scope"]:
            items = df.select(keys + [pl.col(cut).str.strip_chars('[]"').str.split('","').alias("val")]).explode("val")
            results.append(items.group_by(keys + ["val"]).len())
    return rows


def run_spark(dump: Path) -> int:
    """The same counts written plainly with PySpark in local mode, as dsa-tdb does: unpack the parts to disk,
    then `spark.read.csv` and DataFrame group-bys."""
    import shutil
    import tempfile

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from collectors.dsa_tdb.engines import LIST_CUTS, NEEDED, SCALAR_CUTS

    folder = Path(tempfile.mkdtemp(prefix="sor-spark-"))
    try:
        for number, (inner, info) in enumerate(parts(dump)):
            (folder / f"{number:05d}.csv").write_bytes(inner.read(info))
        spark = (SparkSession.builder.master("local[2]").appName("sor-bench")
                 .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.shuffle.partitions", "4").getOrCreate())
        df = (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
              .csv(str(folder)).select(*NEEDED).dropDuplicates(["uuid"]).cache())
        rows = df.count()
        keys = ["platform_name", "category"]
        df.groupBy(*keys).count().collect()
        for cut in SCALAR_CUTS:
            df.groupBy(*keys, cut).count().collect()
        for cut in LIST_CUTS + ["territorial_scope"]:
            values = F.explode(F.split(F.regexp_replace(F.col(cut), r'^\["|"\]$', ""), '","')).alias("val")
            df.select(*keys, values).groupBy(*keys, "val").count().collect()
        spark.stop()
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def child(name: str, dump: Path) -> None:
    started = time.perf_counter()
    rows = {"floor": run_floor, "ours": run_ours, "pandas": run_pandas, "polars": run_polars,
            "spark": run_spark}[name](dump)
    print(f"{rows} {time.perf_counter() - started:.3f}")


def measure(name: str, dump: Path) -> tuple[float, float, int]:
    """Wall time of the whole process, its peak RSS in MB, and what it reported (rows, or bytes for the floor)."""
    # GNU time reports the peak RSS of the contender alone (rusage of a child forked from this big process
    # would count the pages it inherited).
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", sys.executable, __file__, "--child", name, str(dump)],
                          capture_output=True, cwd=REPO)
    wall = time.perf_counter() - started
    out = proc.stdout.decode().split()
    peak = [line for line in proc.stderr.decode().splitlines() if line.startswith("MAXRSS")]
    if proc.returncode != 0 or not out or not peak:
        raise SystemExit(f"{name} failed: {proc.stderr.decode()[-500:]}")
    return wall, int(peak[-1].split()[1]) / 1024, int(out[0])


def dump_of(rows: int, day: date, folder: Path) -> Path:
    """The synthetic dump of `rows` rows in `folder`, written unless already there."""
    from tatlas.sor_synth import synth

    dump = folder / f"sor-global-{day}-full.zip"
    truth = dump.with_name(dump.name + ".truth.json")
    if not (dump.exists() and truth.exists() and f'"rows": {rows},' in truth.read_text()[:300]):
        started = time.perf_counter()
        synth(rows, day, folder, shared=REPO.parent / "shared" / "data")
        print(f"synthesised {rows} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return dump


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--spark-rows", type=int, default=1_000_000, help="rows of Spark's dump (0 = the full dump)")
    parser.add_argument("--date", default="2024-03-14")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/sor-bench"))
    parser.add_argument("--skip", action="append", default=[], choices=CONTENDERS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    day = date.fromisoformat(args.date)
    dump = dump_of(args.rows, day, args.dir)
    csv_bytes = run_floor(dump)
    print(f"dump {dump} ({dump.stat().st_size / 1e6:.0f} MB zipped, {csv_bytes / 1e9:.2f} GB of CSV, "
          f"{csv_bytes / args.rows:.0f} bytes a row, {args.rows} rows); {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.1f} before the run")
    results = {}
    for name in CONTENDERS:
        if name in args.skip or name == "spark":
            continue
        wall, peak, _ = measure(name, dump)
        results[name] = wall
        print(f"{name:7s} {wall:8.2f} s  {args.rows / wall:12,.0f} rows/s  peak {peak:7.0f} MB", flush=True)
    ours = results.get("ours")
    if ours:
        targets = {"floor": 1 / 1.4, "polars": 1.5, "pandas": 3.0}
        for name, target in targets.items():
            if name in results:
                ratio = results[name] / ours
                print(f"{name:7s} / ours = {ratio:5.2f}x  (target >= {target:.2f}x: {'met' if ratio >= target else 'missed'})")
    if "spark" not in args.skip:
        rows = args.spark_rows or args.rows
        small = dump if rows == args.rows else dump_of(rows, day, args.dir / f"spark-{rows}")
        spark, peak, _ = measure("spark", small)
        print(f"spark   {spark:8.2f} s  {rows / spark:12,.0f} rows/s  peak {peak:7.0f} MB  (on {rows} rows)", flush=True)
        mine = ours if small == dump else measure("ours", small)[0]
        if small != dump:
            print(f"ours    {mine:8.2f} s  {rows / mine:12,.0f} rows/s  (on the same {rows} rows, for the Spark ratio)")
        ratio = spark / mine
        print(f"spark   / ours = {ratio:5.2f}x  at {rows} rows (target >= 8.00x: {'met' if ratio >= 8 else 'missed'})")


if __name__ == "__main__":
    main()
