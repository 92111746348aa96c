"""`tatlas sor ingest` streams the parts of a dump: two CSV parts that inflate to 1.6 GB each are counted exactly in
a process that may not map more than 2 GB (RLIMIT_AS, a hard limit: a part held whole cannot fit beside the rest)
and whose peak resident memory, its worker processes' included, stays under 1 GB.

The dump is made here from a synthetic part of 100,000 rows (tatlas/sor_synth.py) written 20 times into each of
two parts, each copy's uuids made its own (their first two characters), so each part holds 2,000,000 statements and
its true counts are 40 times the synthetic part's."""
from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from reports.store.database import Store
from tatlas.sor_synth import synth

COPIES = 20
PARTS = 2
ADDRESS_SPACE = 2 << 30
RESIDENT = 1 << 30


def copies_of(part: bytes) -> tuple[bytes, list[bytes]]:
    """The header, and COPIES copies of the rows, each with its own uuids (the rows have no line breaks inside)."""
    end = part.index(b"\n") + 1
    rows = np.frombuffer(part[end:], dtype=np.uint8)
    starts = np.concatenate([[0], np.flatnonzero(rows == ord("\n"))[:-1] + 1])
    out = []
    for copy in range(COPIES):
        mine = rows.copy()
        mine[starts], mine[starts + 1] = ord("0123456789abcdef"[copy // 16]), ord("0123456789abcdef"[copy % 16])
        out.append(mine.tobytes())
    return part[:end], out


def isal_compressor(compress_type, compresslevel=None):
    """zipfile's compressor with ISA-L's deflate (the same format, ten times faster than zlib's), so writing 3.2 GB
    takes seconds."""
    from isal import isal_zlib

    return isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15) if compress_type == zipfile.ZIP_DEFLATED else None


@pytest.fixture
def giant_dump(tmp_path, monkeypatch) -> tuple[Path, dict]:
    base = synth(100_000, date(2024, 3, 14), tmp_path / "base", seed=11)
    with zipfile.ZipFile(base) as outer, zipfile.ZipFile(outer.open(outer.namelist()[0])) as inner:
        header, rows = copies_of(inner.read(inner.namelist()[0]))
    stem = "sor-global-2024-03-14-full"
    monkeypatch.setattr(zipfile, "_get_compressor", isal_compressor)
    inner_path = tmp_path / f"{stem}-00000.csv.zip"
    with zipfile.ZipFile(inner_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(PARTS):
            with archive.open(f"{stem}-00000-{number:05d}.csv", "w", force_zip64=True) as part:
                part.write(header)
                for copy in rows:
                    part.write(copy)
    with zipfile.ZipFile(inner_path) as archive:
        assert all(info.file_size > 1_550_000_000 for info in archive.infolist())  # 1.6 GB each
    dump = tmp_path / "dump" / f"{stem}.zip"
    dump.parent.mkdir()
    with zipfile.ZipFile(dump, "w", zipfile.ZIP_STORED) as archive:
        archive.write(inner_path, inner_path.name)
    inner_path.unlink()
    import hashlib

    digest = hashlib.sha1()
    with dump.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    dump.with_name(dump.name + ".sha1").write_text(digest.hexdigest())
    truth = json.loads(base.with_name(base.name + ".truth.json").read_text())
    return dump, truth


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def test_parts_of_1_6_gb_are_streamed_in_bounded_memory(giant_dump, tmp_path):
    dump, truth = giant_dump
    db = tmp_path / "atlas.duckdb"
    # glibc gives each thread its own malloc arena, address space reserved but never used: two keep the limit about
    # memory, not reservations.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    log = tmp_path / "ingest.log"
    with log.open("wb") as out:
        child = subprocess.Popen([sys.executable, "-c", "from tatlas.cli import main; main()", "sor", "ingest",
                                  str(dump), "--db", str(db)], env=env, preexec_fn=limited, stdout=out,
                                 stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[1])
    watchdog = threading.Timer(900, child.kill)  # bounded in time
    watchdog.start()
    try:
        _, status, usage = os.wait4(child.pid, 0)  # this child's own resource usage
    finally:
        watchdog.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, log.read_text()[-3000:]
    # The parts are counted in worker processes: the bound is the ingest's own peak plus each worker's, as the ingest
    # reports them (VmHWM: wait4's ru_maxrss would count pytest's pages, inherited when the child was started); the
    # sum of the peaks is at least the peak of the sum.
    text = log.read_text()
    said = re.search(r"counted in (\d+) process\(es\), peak resident memory of each: ([\d, ]+) MB", text)
    own = re.search(r"peak resident memory of this process: (\d+) MB", text)
    assert said and own, text[-3000:]
    workers = [int(mb) for mb in said[2].split(", ")]
    assert len(workers) == int(said[1]) >= 1
    bound = (int(own[1]) + sum(workers)) * 1_000_000
    print(f"peak resident memory at most {bound / 1e6:.0f} MB: {own[1]} MB + workers {said[2]} MB "
          f"(wait4: {usage.ru_maxrss / 1024:.0f} MB)")
    assert bound < RESIDENT, f"peak resident memory up to {bound / 1e6:.0f} MB"
    expected = {(platform, category, cut, val): n * COPIES * PARTS for platform, category, cut, val, n in truth["counts"]}
    with Store(db, read_only=True) as store:
        notes = store.query("SELECT notes FROM documents").iloc[0, 0]
        total = store.query("SELECT sum(value) FROM observations WHERE policy_area = 'ALL' AND breakdown = ''").iloc[0, 0]
        by_category = store.query("SELECT policy_area, sum(value) AS n FROM observations WHERE policy_area <> 'ALL' "
                                  "AND breakdown = '' GROUP BY 1").set_index("policy_area")["n"].to_dict()
    assert f"{COPIES * PARTS * 100_000} row(s) read" in notes
    assert total == truth["statements"] * COPIES * PARTS
    categories: dict[str, int] = {}
    for (_, category, cut, _), n in expected.items():
        if cut == "":
            categories[category] = categories.get(category, 0) + n
    assert by_category == categories
