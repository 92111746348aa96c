"""Benchmark the atlas as a user runs it: full build, no-change rebuild, check, export of everything, and a day's
ingest into a store that already holds the atlas against one into an empty store.

    python bench/atlas.py [--sources ../shared/data] [--rows 200000] [--dir /tmp/atlas-bench]

Every step is a whole `tatlas` process (wall time, and peak resident memory of its largest process as GNU time
reports it), compared with a baseline measured in the same run: a Python process that only imports what the atlas
is built on, `python -c "import duckdb, pandas, pyarrow, plotly, dash"`. The ingest pair uses a synthetic dump
(tatlas/sor_synth.py) of --rows rows. Run by hand, not by tests.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.sor import USER_ENV, dump_of, machine  # noqa: E402

BASELINE = [sys.executable, "-c", "import duckdb, pandas, pyarrow, plotly, dash"]
TATLAS = [sys.executable, "-c", "from tatlas.cli import main; main()"]
# (step, at most this many baselines); the export's memory has its own target.
TARGETS = {"build": 8.0, "rebuild": 1.5, "check": 2.0, "export": 3.0}
EXPORT_PEAK_MB = 500
INGEST_RATIO = 1.3


def run(command: list[str], repeat: int = 1) -> tuple[float, float]:
    """The best wall time over `repeat` runs of a whole process, and its peak RSS in MB (of its largest process)."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", *command], capture_output=True, cwd=REPO,
                              env=USER_ENV)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command[3:])} failed: {proc.stderr.decode()[-1500:]}")
        maxrss = [line for line in proc.stderr.decode().splitlines() if line.startswith("MAXRSS")]
        best, peak = min(best, wall), max(peak, int(maxrss[-1].split()[1]) / 1024)
    return best, peak


def report(name: str, wall: float, peak: float, baseline: float, target: float | None = None) -> None:
    ratio = wall / baseline
    verdict = "" if target is None else f"  (target <= {target:.1f}x: {'met' if ratio <= target else 'NOT met'})"
    print(f"{name:28s} {wall:7.2f} s  peak {peak:6.0f} MB  {ratio:6.2f}x baseline{verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the dump ingested (0: no ingest pair)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/atlas-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of the quick steps, the best one kept")
    args = parser.parse_args()
    print(machine())
    baseline, peak = run(BASELINE, args.repeat)
    print(f"{'baseline (imports only)':28s} {baseline:7.2f} s  peak {peak:6.0f} MB")
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        db = Path(tmp) / "atlas.duckdb"
        wall, peak = run([*TATLAS, "build", "--sources", str(args.sources), "--db", str(db)])
        report("full build", wall, peak, baseline, TARGETS["build"])
        wall, peak = run([*TATLAS, "build", "--sources", str(args.sources), "--db", str(db)], args.repeat)
        report("no-change rebuild", wall, peak, baseline, TARGETS["rebuild"])
        archive = Path(tmp) / "archive"  # an empty one: the build read ../shared/data, not an archive
        archive.mkdir()
        wall, peak = run([*TATLAS, "check", "--db", str(db), "--archive", str(archive)], args.repeat)
        report("check", wall, peak, baseline, TARGETS["check"])
        out = Path(tmp) / "export" / "all.csv"
        wall, peak = run([*TATLAS, "export", "--out", str(out), "--db", str(db)], args.repeat)
        rows = sum(1 for _ in out.open("rb")) - 1
        report(f"export all to CSV ({rows} rows)", wall, peak, baseline, TARGETS["export"])
        print(f"{'export peak memory':28s} {peak:7.0f} MB (target < {EXPORT_PEAK_MB} MB: "
              f"{'met' if peak < EXPORT_PEAK_MB else 'NOT met'})")
        if args.rows:
            ingest_pair(args, db, Path(tmp), baseline)


def ingest_pair(args, atlas: Path, tmp: Path, baseline: float) -> None:
    """One dump into an empty store and into a copy of the atlas, alternately, the best of each kept."""
    dump = dump_of(args.rows, date(2024, 3, 14), args.dir / str(args.rows))
    times: dict[str, list[float]] = {"empty": [], "atlas": []}
    for _ in range(args.repeat):
        for kind in times:
            db = tmp / f"ingest-{kind}.duckdb"
            db.unlink(missing_ok=True)
            if kind == "atlas":
                shutil.copyfile(atlas, db)
            times[kind].append(run([*TATLAS, "sor", "ingest", str(dump), "--db", str(db)])[0])
    empty, full = min(times["empty"]), min(times["atlas"])
    print(f"{'ingest ' + str(args.rows) + ' rows, empty store':28s} {empty:7.2f} s")
    size = atlas.stat().st_size / 1e6
    ratio = full / empty
    print(f"{'same, into the atlas':28s} {full:7.2f} s  ({size:.0f} MB store)  {ratio:5.2f}x the empty store "
          f"(target <= {INGEST_RATIO:.1f}x: {'met' if ratio <= INGEST_RATIO else 'NOT met'})")


if __name__ == "__main__":
    main()
