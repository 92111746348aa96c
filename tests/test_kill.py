"""Kill `tatlas build` and `tatlas collect` at random moments: the store and the archive always pass `tatlas check`.

The runs are forked child processes executing the real CLI commands (fork: the child starts in milliseconds
with everything already imported, so eight kills stay cheap); each is killed with SIGKILL, which no code
can intercept, at a random delay drawn from a fixed seed.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Response

from reports.fetch.archive import Archive
from reports.store.checking import check_store
from reports.store.database import Store
from tatlas.cli import main
from tests.conftest import shared
from tests.faults import write_plan

KILLS = 8
EDITIONS = ("2021-q2", "2021-q3", "2022-q4", "2023-q1", "2024-q2")


def run_killed(args: list[str], delay: float) -> int | None:
    """Run `tatlas <args>` in a forked child; SIGKILL it after delay seconds. Exit status, or None if killed."""
    pid = os.fork()
    if pid == 0:  # the child: run the command and leave without pytest's teardown
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            main.main(args=args, prog_name="tatlas", standalone_mode=False)
            code = 0
        except BaseException:  # noqa: B036, BLE001 -- whatever happens, the child must not return into pytest
            code = 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def documents(db: Path) -> set[str]:
    if not db.exists():
        return set()
    with Store(db, read_only=True) as store:
        return set(store.query("SELECT sha256 FROM documents").sha256)


def snapshot_files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.glob("*/*/*") if p.is_file() and not p.parent.name.startswith(".")}


def assert_checks(db: Path, archive: Path | None = None) -> None:
    """What `tatlas check` runs; no problem may be found (leftover temp files are only notes)."""
    problems, _ = check_store(db) if db.exists() else ([], [])
    if archive is not None and archive.exists():
        problems += Archive(archive).check()[0]
    assert problems == []


def test_killing_build_at_random_points_never_breaks_the_store_or_loses_a_document(tmp_path):
    sources, db = tmp_path / "sources", tmp_path / "atlas.duckdb"
    (sources / "meta-cser").mkdir(parents=True)
    files = [shared("meta-cser", f"meta-{e}.csv") for e in EDITIONS]
    shutil.copy(files[0], sources / "meta-cser")
    args = ["build", "--sources", str(sources), "--db", str(db), "--only", "meta-cser"]
    started = time.perf_counter()
    assert run_killed(args, 120) == 0
    # Kills fall around the time one edition took here (most before it, a few after), so runs with a new edition
    # to store are killed mid-way however fast this machine is, and some finish.
    one_edition = time.perf_counter() - started
    held, waiting = documents(db), files[1:]
    rng = random.Random(7)
    outcomes = []
    for _ in range(KILLS):
        if waiting and len(documents(db)) == len(list((sources / "meta-cser").iterdir())):
            shutil.copy(waiting.pop(0), sources / "meta-cser")  # new work for the next run to be killed in
        outcomes.append(run_killed(args, rng.uniform(0.05, 1.5) * one_edition))
        assert_checks(db)
        now = documents(db)
        assert held <= now, "a document stored before the kill is gone"
        held = now
    assert None in outcomes  # at least one run really was killed mid-way
    assert run_killed(args, 120) == 0
    assert_checks(db)
    with Store(db, read_only=True) as store:
        assert store.counts()["documents"] == len(list((sources / "meta-cser").iterdir()))


def test_killing_collect_at_random_points_never_breaks_the_archive_or_the_store(tmp_path, httpserver):
    editions = [shared("meta-cser", f"meta-{e}.csv").read_bytes() for e in EDITIONS]
    serving = {"edition": 0}

    def slow_csv(request):
        """Meta's fixed link, streamed in small slow chunks so kills land mid-download too."""
        data = editions[serving["edition"]]
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})

        def chunks():
            step = len(data) // 8 + 1
            for at in range(0, len(data), step):
                time.sleep(0.04)
                yield data[at:at + step]
        return Response(chunks(), headers={"ETag": etag, "Content-Type": "text/csv", "Content-Length": str(len(data))})

    httpserver.expect_request("/sr/community-standards/").respond_with_handler(slow_csv)
    plan = write_plan(tmp_path / "plan.toml", {"meta-cser": {
        "page": httpserver.url_for("/sr/"), "expect": "csv",
        "files": [{"url": httpserver.url_for("/sr/community-standards/"), "name": "meta-cser-latest.csv"}]}})
    archive, db = tmp_path / "archive", tmp_path / "atlas.duckdb"
    args = ["collect", "--plan", str(plan), "--archive", str(archive), "--db", str(db), "--source", "meta-cser"]
    assert run_killed(args, 120) == 0
    held_docs, held_files = documents(db), snapshot_files(archive)
    rng = random.Random(11)
    outcomes = []
    for _ in range(KILLS):
        new_edition = len(documents(db)) == serving["edition"] + 1 and serving["edition"] + 1 < len(editions)
        if new_edition:
            serving["edition"] += 1  # Meta publishes a new edition at the same URL
        # Its download alone takes 0.32 s (8 chunks, 0.04 s apart): a kill within that lands mid-way for sure,
        # whatever the machine's load; other runs are killed at any point, or finish.
        outcomes.append(run_killed(args, rng.uniform(0.05, 0.3) if new_edition else rng.uniform(0.05, 2.0)))
        assert_checks(db, archive)
        docs, files = documents(db), snapshot_files(archive)
        assert held_docs <= docs and held_files.items() <= files.items(), "something stored before the kill is gone"
        held_docs, held_files = docs, files
    assert None in outcomes
    assert run_killed(args, 120) == 0
    assert_checks(db, archive)
    assert len(snapshot_files(archive)) == 2 * (serving["edition"] + 1)  # each edition: file + sidecar
    assert len(documents(db)) == serving["edition"] + 1
    result = CliRunner().invoke(main, ["check", "--db", str(db), "--archive", str(archive)])
    assert result.exit_code == 0 and result.output.strip().endswith("are consistent"), result.output


@pytest.fixture(autouse=True)
def _no_inherited_locks():
    """A forked child must not inherit a lock the test process holds (none should be held here)."""
    from reports.store import locks

    assert locks._HELD_LOCKS == {}
    yield


def ingest_killed(dumps: list[Path], db: Path, delay: float) -> int | None:
    """Run `tatlas sor ingest` as its own process group (it starts worker processes) and SIGKILL the whole group
    after delay seconds. Exit status, or None if killed."""
    import subprocess
    import sys

    before = semaphores()
    child = subprocess.Popen([sys.executable, "-c", "from tatlas.cli import main; main()", "sor", "ingest",
                              *map(str, dumps), "--db", str(db)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, cwd=Path(__file__).resolve().parents[1])
    try:
        return child.wait(delay)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the ingest and its workers, by the group this test started
        child.wait()
        remove_unmapped(semaphores() - before)
        return None


SHARED_MEMORY = Path("/dev/shm")


def semaphores() -> set[Path]:
    """multiprocessing's named semaphores (the workers' queues and locks)."""
    return set(SHARED_MEMORY.glob("sem.mp-*")) if SHARED_MEMORY.is_dir() else set()


def remove_unmapped(left: set[Path]) -> None:
    """Remove the named semaphores of `left` that no living process maps: what a killed group leaves behind (its
    resource tracker, which would have removed them, was killed with it)."""
    mapped: set[str] = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        try:
            mapped |= {line.split()[-1] for line in maps.read_text().splitlines() if "/dev/shm/sem." in line}
        except OSError:  # a process that ended meanwhile, or one not ours to read
            continue
    for semaphore in left:
        if str(semaphore) not in mapped:
            semaphore.unlink(missing_ok=True)


def test_killing_sor_ingest_at_random_points_never_breaks_the_store_or_loses_a_dump(tmp_path):
    from datetime import date

    from tatlas.sor_synth import synth

    days = [date(2024, 3, 14 + n) for n in range(3)]
    dumps = [synth(12_000, day, tmp_path / "dumps", seed=n, part_rows=3_000) for n, day in enumerate(days)]
    db = tmp_path / "atlas.duckdb"
    started = time.perf_counter()
    assert ingest_killed(dumps[:1], db, 300) == 0
    # Kills fall within the time one dump took here (start included), so the first run, with two dumps left, is
    # killed mid-way however fast this machine is; later runs may finish what is left.
    one_dump = time.perf_counter() - started
    held = documents(db)
    rng = random.Random(11)
    outcomes = []
    for _ in range(KILLS // 2):
        outcomes.append(ingest_killed(dumps, db, rng.uniform(0.1, 0.9) * one_dump))
        assert_checks(db)
        now = documents(db)
        assert held <= now, "a dump stored before the kill is gone"
        held = now
    assert None in outcomes  # at least one run really was killed mid-way
    assert ingest_killed(dumps, db, 300) == 0
    assert_checks(db)
    with Store(db, read_only=True) as store:
        stored = store.query("SELECT period, sum(value) AS n FROM observations WHERE policy_area = 'ALL' AND "
                             "breakdown = '' GROUP BY period ORDER BY period").values.tolist()
    truths = [json.loads(d.with_name(d.name + ".truth.json").read_text())["statements"] for d in dumps]
    assert stored == [[day.isoformat(), float(n)] for day, n in zip(days, truths, strict=True)]
