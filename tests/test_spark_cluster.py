"""`tatlas sor ingest --engine spark` on a real Spark standalone cluster: a master and a worker started with pyspark's
own `spark-class`, every process bound to 127.0.0.1, each step bounded in time, all stopped at the end (even when
the test fails). The executors read, inflate, parse and count the dump; the counts must be exactly DuckDB's."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from reports.store.database import Store
from tatlas.sor_synth import synth
from tests.conftest import free_port, needs_pyspark

STARTUP_SECONDS = 120
INGEST_SECONDS = 600


def wait_for(what: str, ready, log: Path, seconds: float = STARTUP_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = ready()
        if answer:
            return answer
        time.sleep(0.5)
    raise AssertionError(f"{what} not ready within {seconds} s; its log ends:\n{log.read_text()[-3000:]}")


def master_state(ui_port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=5) as answer:
            return json.loads(answer.read())
    except OSError:
        return None


@pytest.fixture
def cluster(tmp_path):
    """A standalone master and one worker (2 cores) on the loopback interface; yields the master URL."""
    needs_pyspark()
    import pyspark

    home = Path(pyspark.__file__).parent
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_MASTER_HOST": "127.0.0.1",
           "SPARK_DAEMON_MEMORY": "256m", "SPARK_LOG_DIR": str(tmp_path / "logs"), "PYSPARK_PYTHON": sys.executable,
           "SPARK_WORKER_DIR": str(tmp_path / "work")}
    port, ui_port, worker_ui = free_port(), free_port(), free_port()
    started: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> Path:
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:  # its own session, so the whole process group can be stopped
            started.append(subprocess.Popen([str(home / "bin" / "spark-class"), *args], env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True))
        return log

    try:
        master_log = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                           str(port), "--webui-port", str(ui_port))
        wait_for("the Spark master", lambda: master_state(ui_port), master_log)
        worker_log = start("worker", "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}", "--host",
                           "127.0.0.1", "--webui-port", str(worker_ui), "--cores", "2", "--memory", "1g",
                           "--work-dir", str(tmp_path / "work"))
        wait_for("the Spark worker", lambda: (master_state(ui_port) or {}).get("aliveworkers", 0) >= 1, worker_log)
        yield f"spark://127.0.0.1:{port}"
    finally:
        for process in reversed(started):
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """Stop one process this test started, with everything it started (its process group), by its id."""
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def stored_counts(db: Path) -> list[tuple]:
    with Store(db, read_only=True) as store:
        return store.query("SELECT platform, policy_area, breakdown, value FROM observations "
                           "ORDER BY platform, policy_area, breakdown").values.tolist()


@pytest.mark.spark
def test_a_standalone_cluster_counts_a_dump_exactly_as_duckdb(cluster, tmp_path):
    dump = synth(30_000, date(2025, 7, 2), tmp_path / "dumps", seed=5, part_rows=4_000)  # 8 parts in 1 inner archive
    counts = {}
    for engine in ("duckdb", "spark"):
        db = tmp_path / f"{engine}.duckdb"
        args = [sys.executable, "-c", "from tatlas.cli import main; main()", "sor", "ingest", str(dump), "--db", str(db),
                "--engine", engine]
        if engine == "spark":
            args += ["--master", cluster]
        result = subprocess.run(args, capture_output=True, text=True, timeout=INGEST_SECONDS,
                                cwd=Path(__file__).resolve().parents[1])
        assert result.returncode == 0, result.stderr[-3000:]
        assert "30000 row(s) read" in stored_notes(db)
        counts[engine] = stored_counts(db)
    truth = json.loads(dump.with_name(dump.name + ".truth.json").read_text())
    assert counts["spark"] == counts["duckdb"]
    totals = sum(v for _, area, breakdown, v in counts["spark"] if area == "ALL" and breakdown == "")
    assert totals == truth["statements"]


def stored_notes(db: Path) -> str:
    with Store(db, read_only=True) as store:
        return store.query("SELECT notes FROM documents").iloc[0, 0]
