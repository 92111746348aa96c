"""Benchmark `tatlas build` over ../shared/data: a full build and a no-change rebuild.

Prints seconds and peak MB, and ratios against a baseline measured in the same run: the floor of
reading and checksumming every file the build reads (what any build must at least do).
Run: python bench/build.py [--sources DIR]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collectors import REGISTRY  # noqa: E402
from reports.ingest.build import build, discover  # noqa: E402
from reports.ingest.register import sha256_file  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(step):
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def main() -> None:
    """Time the floor, a full build and a no-change rebuild; print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    files = [p for cid, paths in discover(args.sources, REGISTRY).items() if cid for p in paths]
    floor, _ = timed(lambda: [sha256_file(p) for p in files])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        full, summary = timed(lambda: build(args.sources, db, REGISTRY))
        again, second = timed(lambda: build(args.sources, db, REGISTRY))
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"files read:            {len(files)} ({size:.1f} MB), {summary.observations} observations")
    print(f"baseline (read+sha256): {floor:8.2f} s")
    print(f"full build:             {full:8.2f} s   {full / floor:8.1f}x baseline   "
          f"{summary.observations / full:,.0f} observations/s")
    print(f"no-change rebuild:      {again:8.2f} s   {again / floor:8.1f}x baseline   "
          f"{again / full:.3f}x full build   ({len(second.unchanged)} documents skipped)")
    print(f"peak RSS:               {peak_mb():8.0f} MB")


if __name__ == "__main__":
    main()
