"""Documents parsed in worker processes are stored exactly as if they were parsed one by one here: in the same order,
with the same figures, and a file that cannot be read still fails alone."""
from __future__ import annotations

import math
import shutil

import pytest

from reports.ingest import build as build_module
from reports.ingest import parallel
from reports.store.database import Store
from tests.conftest import shared


@pytest.mark.parametrize("workers", [0, 2])
def test_results_come_back_in_the_order_of_the_inputs_each_error_with_its_own(workers):
    inputs = [(float(n),) for n in range(30)]
    inputs[17] = (-1.0,)  # math.sqrt raises ValueError for it, and for it alone
    results = []
    for future in parallel.in_order(math.sqrt, inputs, workers):
        try:
            results.append(future.result())
        except ValueError as exc:
            results.append(f"error: {exc}")
    assert results[:17] == [math.sqrt(n) for n in range(17)]
    assert results[17] == "error: math domain error"
    assert results[18:] == [math.sqrt(n) for n in range(18, 30)]


class _Result:
    def __init__(self, ready: bool):
        self._ready = ready

    def ready(self) -> bool:
        return self._ready


def test_results_in_hand_are_grouped_behind_the_one_waited_for():
    items = [("a", _Result(False)), ("b", _Result(True)), ("c", _Result(True)), ("d", _Result(False)),
             ("e", _Result(False)), ("f", _Result(True))]
    groups = [[name for name, _ in group] for group in parallel.ready_together(iter(items))]
    assert groups == [["a", "b", "c"], ["d"], ["e", "f"]]
    assert list(parallel.ready_together(iter([]))) == []


@pytest.mark.parametrize("workers", [0, 2])
def test_grouped_results_keep_the_order_of_the_inputs(workers):
    inputs = [(float(n),) for n in range(20)]
    pairs = zip(range(20), parallel.in_order(math.sqrt, inputs, workers), strict=True)
    groups = list(parallel.ready_together(pairs))
    assert [n for group in groups for n, _ in group] == list(range(20))
    assert [future.result() for group in groups for _, future in group] == [math.sqrt(n) for n in range(20)]
    if workers == 0:  # nothing is read before it is asked for: one at a time
        assert all(len(group) == 1 for group in groups)


def test_workers_start_only_where_there_is_enough_to_read(monkeypatch):
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 8)
    assert parallel.workers_for(parallel.MIN_INPUTS - 1) == 0
    assert parallel.workers_for(parallel.MIN_INPUTS) == parallel.MAX_WORKERS
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    assert parallel.workers_for(100) == 0


def _stored(db) -> list[tuple]:
    with Store(db, read_only=True) as store:
        return store.con.execute("SELECT * EXCLUDE (first_seen) FROM documents ORDER BY sha256").fetchall() + \
            store.con.execute("SELECT * FROM observations ORDER BY ALL").fetchall()


def test_a_build_read_by_workers_stores_what_a_build_read_here_stores_and_a_broken_file_fails_alone(
        tmp_path, monkeypatch):
    """Meta's twelve real editions, one of them cut off in the middle of a line: with two workers and with none,
    the eleven others are stored with the same figures, and the broken one is named as failed."""
    from collectors import REGISTRY

    sources = tmp_path / "data" / "meta-cser"
    shutil.copytree(shared("meta-cser"), sources)
    editions = sorted(sources.glob("*.csv"))
    assert len(editions) >= parallel.MIN_INPUTS
    broken = editions[len(editions) // 2]
    data = broken.read_bytes()
    broken.write_bytes(data[: len(data) // 2].rsplit(b"\n", 1)[0] + b'\n"Facebook","2')
    meta = {"meta-cser": REGISTRY["meta-cser"]}
    summaries = {}
    for workers in (2, 0):
        monkeypatch.setattr(build_module, "workers_for", lambda inputs, workers=workers: workers)
        summaries[workers] = build_module.build(tmp_path / "data", tmp_path / f"w{workers}.duckdb", meta)
    for summary in summaries.values():
        assert [names for names, _ in summary.failed] == [broken.name]
        assert len(summary.parsed) == len(editions) - 1
    assert summaries[2].failed == summaries[0].failed
    # Read largest first, told in the order found.
    assert summaries[2].parsed == summaries[0].parsed == [e.name for e in editions if e != broken]
    assert summaries[2].observations == summaries[0].observations > 1000
    assert _stored(tmp_path / "w2.duckdb") == _stored(tmp_path / "w0.duckdb")


def test_a_script_without_the_main_guard_still_builds_reading_here(tmp_path):
    """A user's script calls the build at its top level, without the `if __name__ == "__main__":` guard: the
    workers, started fresh, run the script again and die, so the pool breaks. The build then reads here, one
    document at a time, and stores what a build without workers stores."""
    import subprocess
    import sys

    from collectors import REGISTRY
    from tests.conftest import REPO

    sources = tmp_path / "data" / "meta-cser"
    shutil.copytree(shared("meta-cser"), sources)
    script = tmp_path / "my_script.py"
    script.write_text(
        "from pathlib import Path\n"
        "import reports.ingest.build as build_module\n"
        "from collectors import REGISTRY\n"
        "build_module.workers_for = lambda inputs: 2  # workers, whatever this machine's cores\n"
        f"summary = build_module.build(Path({str(sources.parent)!r}), Path({str(tmp_path / 'script.duckdb')!r}), "
        "{'meta-cser': REGISTRY['meta-cser']})\n"
        "print('parsed', len(summary.parsed), 'failed', len(summary.failed))\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"parsed {len(list(sources.glob('*.csv')))} failed 0" in run.stdout
    assert "bootstrapping phase" in run.stderr or "another tatlas build" in run.stderr  # the workers did die
    build_module.build(sources.parent, tmp_path / "here.duckdb", {"meta-cser": REGISTRY["meta-cser"]})
    assert _stored(tmp_path / "script.duckdb") == _stored(tmp_path / "here.duckdb")


def test_figures_read_in_a_worker_are_handed_over_in_a_file_that_is_mapped_then_removed(tmp_path):
    import pickle

    import pyarrow as pa

    from reports.ingest.handoff import Handed

    table = pa.table({"locator": [f"line {n}" for n in range(50_000)], "value": [float(n) for n in range(50_000)]})
    here = Handed(table)
    assert here.table() is table and here.rows == 50_000
    handed = pickle.loads(pickle.dumps(Handed(table, tmp_path)))  # as a worker's result travels
    assert len(pickle.dumps(handed)) < 1_000 and len(list(tmp_path.iterdir())) == 1  # the name travels, not the rows
    assert handed.table().equals(table) and handed.rows == 50_000
    assert list(tmp_path.iterdir()) == []  # mapped, then removed: the mapping keeps the table readable
    assert handed.table().column("value")[49_999].as_py() == 49_999.0
    # Where the file cannot be written (no room, no folder), the table travels whole, and nothing is left behind.
    whole = pickle.loads(pickle.dumps(Handed(table, tmp_path / "gone")))
    assert whole.table().equals(table) and not (tmp_path / "gone").exists()


def test_hand_off_folders_of_killed_builds_are_removed_and_those_of_running_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    from reports.ingest.handoff import PREFIX, remove_abandoned

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = tmp_path / f"{PREFIX}{ended.stdout.strip()}-abc"
    running = tmp_path / f"{PREFIX}{os.getpid()}-def"
    for folder in (killed, running):
        folder.mkdir()
        (folder / "figures.arrow").write_bytes(b"left behind")
    assert remove_abandoned(tmp_path) == [killed]
    assert not killed.exists() and (running / "figures.arrow").exists()
