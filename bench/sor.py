"""Benchmark `tatlas sor ingest` against what a user of Polars, pandas or PySpark would write, and the floor.

    python bench/sor.py [--rows 1000000] [--spark-rows 200000] [--date 2024-03-14] [--dir /tmp/sor-bench] [--skip spark]

Writes (or reuses) a synthetic dump in the real format (tatlas/sor_synth.py), then runs each contender as a whole
separate process on it, one after the other, and prints wall time, peak resident memory (of the largest process,
as GNU time reports it) and the ratios against ours measured in the same run:

- floor:  inflate every CSV part with the standard library (zipfile, zlib) on 2 threads, and nothing else;
- ours:   `tatlas sor ingest DUMP --db NEW` as a user runs it: sha1 check, counting, the store written;
- polars: each part read with `pl.read_csv(columns=NEEDED)`, its repeated uuids dropped, then one `group_by`
          over the fields the counts need;
- pandas: the same with `read_csv(usecols=NEEDED, dtype=str)`, `drop_duplicates` and one `groupby`;
- spark:  PySpark in local mode as its users write it (it cannot read a ZIP, so the parts are unpacked to a
          folder first): `spark.read.csv`, `dropDuplicates`, one `groupBy(...).count()`.

Each contender prints the statements it counted; the run stops if any differs from ours, so every time below is for
the same answer (Polars, pandas and Spark stop at the counts per combination of raw fields, from which the cuts
follow in a few milliseconds: ours goes on to the cuts and the store). Run by hand, not by tests. Default sizes
suit a small machine; --rows 2000000 is the size quoted in README.md.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CONTENDERS = ["floor", "ours", "polars", "pandas", "spark"]
TARGETS = {"floor": ("ours / floor", 1.4, "<="), "polars": ("polars / ours", 1.5, ">="),
           "pandas": ("pandas / ours", 1.0, ">=")}


def parts(dump: Path):
    """Each CSV part's bytes, inner archives read from the outer one a whole one at a time."""
    with zipfile.ZipFile(dump) as outer:
        for name in outer.namelist():
            with zipfile.ZipFile(io.BytesIO(outer.read(name))) as inner:
                for info in inner.infolist():
                    yield inner.read(info)


def run_floor(dump: Path) -> int:
    """Inflate every part (zlib releases the GIL: 2 threads), keeping nothing; the bytes inflated."""
    def inflated(item: tuple[zipfile.ZipFile, zipfile.ZipInfo]) -> int:
        inner, info = item
        size = 0
        with inner.open(info) as part:
            while chunk := part.read(1 << 20):
                size += len(chunk)
        return size

    def members():
        with zipfile.ZipFile(dump) as outer:
            for name in outer.namelist():
                inner = zipfile.ZipFile(io.BytesIO(outer.read(name)))
                yield from ((inner, info) for info in inner.infolist())

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sum(pool.map(inflated, members()))


def ours(dump: Path, db: Path) -> list[str]:
    """The whole CLI as a user runs it, into a new store."""
    return [sys.executable, "-c", "from tatlas.cli import main; main()", "sor", "ingest", str(dump), "--db", str(db)]


def stored_statements(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute("SELECT sum(value) FROM observations WHERE policy_area = 'ALL' "
                               "AND breakdown = ''").fetchone()[0])


def run_polars(dump: Path) -> int:
    import polars as pl

    from collectors.dsa_tdb.layout import NEEDED, RAW

    frames = [pl.read_csv(data, columns=NEEDED, infer_schema=False).unique("uuid") for data in parts(dump)]
    counts = pl.concat(frames).group_by(RAW).len()
    return int(counts["len"].sum())


def run_pandas(dump: Path) -> int:
    import pandas as pd

    from collectors.dsa_tdb.layout import NEEDED, RAW

    frames = [pd.read_csv(io.BytesIO(data), usecols=NEEDED, dtype=str, keep_default_na=False).drop_duplicates("uuid")
              for data in parts(dump)]
    counts = pd.concat(frames, ignore_index=True).groupby(RAW).size()
    return int(counts.sum())


def run_spark(dump: Path) -> int:
    import shutil

    from pyspark.sql import SparkSession

    from collectors.dsa_tdb.layout import NEEDED, RAW

    folder = Path(tempfile.mkdtemp(prefix="sor-spark-"))
    try:
        for number, data in enumerate(parts(dump)):
            (folder / f"{number:05d}.csv").write_bytes(data)
        spark = (SparkSession.builder.master("local[2]").appName("sor-bench")
                 .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                 .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.shuffle.partitions", "4").getOrCreate())
        df = (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
              .csv(str(folder)).select(*NEEDED).dropDuplicates(["uuid"]))
        total = sum(row["count"] for row in df.groupBy(*RAW).count().collect())
        spark.stop()
        return total
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# Every contender runs as its user's Python does by default: caching compiled bytecode (a session that sets
# PYTHONDONTWRITEBYTECODE would recompile the project's modules at every start, and not the installed libraries').
USER_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def child(name: str, dump: Path) -> None:
    runs = {"floor": run_floor, "pandas": run_pandas, "polars": run_polars, "spark": run_spark}
    print(runs[name](dump))


def measure(name: str, dump: Path) -> tuple[float, float, int]:
    """Wall time of the whole process, the peak RSS of its largest process in MB, and its answer."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "atlas.duckdb"
        command = ours(dump, db) if name == "ours" else [sys.executable, __file__, "--child", name, str(dump)]
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", *command], capture_output=True, cwd=REPO,
                              env=USER_ENV)
        wall = time.perf_counter() - started
        peak = [line for line in proc.stderr.decode().splitlines() if line.startswith("MAXRSS")]
        out = proc.stdout.decode().split()
        if proc.returncode != 0 or not peak or not (out or name == "ours"):
            raise SystemExit(f"{name} failed: {proc.stderr.decode()[-1500:]}")
        answer = stored_statements(db) if name == "ours" else int(out[-1])
    return wall, int(peak[-1].split()[1]) / 1024, answer


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


def machine() -> str:
    memory = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    return (f"{os.cpu_count()} cores ({model}), {memory / 1024:.0f} GB, Python {platform.python_version()}; "
            f"load average {os.getloadavg()[0]:.1f} before the run")


def compare(results: dict[str, float]) -> None:
    ours = results["ours"]
    for name, (label, target, sense) in TARGETS.items():
        if name not in results:
            continue
        ratio = ours / results[name] if name == "floor" else results[name] / ours
        met = ratio <= target if sense == "<=" else ratio >= target
        print(f"{label:14s} = {ratio:5.2f}x  (target {sense} {target:.2f}x: {'met' if met else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--spark-rows", type=int, default=200_000, help="rows of Spark's dump (0 = the full dump)")
    parser.add_argument("--date", default="2024-03-14")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/sor-bench"))
    parser.add_argument("--skip", action="append", default=[], choices=CONTENDERS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    day = date.fromisoformat(args.date)
    dump = dump_of(args.rows, day, args.dir / str(args.rows))
    print(f"dump {dump.name}: {args.rows} rows, {dump.stat().st_size / 1e6:.0f} MB; {machine()}")
    runs = [(name, dump, args.rows) for name in CONTENDERS if name not in args.skip and name != "spark"]
    if "spark" not in args.skip:  # Spark, and ours again, on a dump of --spark-rows
        rows = args.spark_rows or args.rows
        small = dump if rows == args.rows else dump_of(rows, day, args.dir / str(rows))
        runs += [("spark", small, rows)] + ([("ours", small, rows)] if small != dump else [])
    results, answers = {}, {}
    for name, where, rows in runs:
        wall, peak, answer = measure(name, where)
        key = name if where == dump else f"{name}@{rows}"
        results[key], answers[key] = wall, answer
        print(f"{key:14s} {wall:8.2f} s  {rows / wall:12,.0f} rows/s  peak {peak:6.0f} MB  -> {answer}", flush=True)
    statements = {k: v for k, v in answers.items() if not k.startswith("floor")}
    if len({v for k, v in statements.items() if "@" not in k}) > 1 or len(
            {v for k, v in statements.items() if "@" in k}) > 1:
        raise SystemExit(f"the contenders disagree on the statements counted: {statements}")
    if "ours" in results:
        compare({k: v for k, v in results.items() if "@" not in k})
    spark = [k for k in results if k.startswith("spark")]
    if spark:
        mine = results[spark[0].replace("spark", "ours")]
        ratio = results[spark[0]] / mine
        print(f"spark / ours   = {ratio:5.2f}x  on {spark[0].partition('@')[2] or args.rows} rows "
              f"(target >= 1.00x: {'met' if ratio >= 1 else 'NOT met'})")


if __name__ == "__main__":
    main()
