"""Hostile input cannot exhaust the machine: bombs and monster lines are refused from what they declare, before
they are inflated or parsed. Each case runs the real build in a child process under a memory cap (and a CPU cap as
a guard against a hang), so a regression fails instead of exhausting the machine."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, shared

MEMORY_CAP = 1536 << 20  # the child may use 1.5 GB at most


def build_capped(sources: Path, db: Path) -> subprocess.CompletedProcess:
    """`tatlas build` of a folder in a child process that cannot use more than MEMORY_CAP nor 120 s of CPU."""
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
        resource.setrlimit(resource.RLIMIT_CPU, (120, 120))
        from tatlas.cli import main
        sys.exit(main(["build", "--sources", {str(sources)!r}, "--db", {str(db)!r}]))
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=600)


def test_a_dsa_report_zip_padded_with_a_hundred_one_mib_members_is_refused_unread(tmp_path):
    folder = tmp_path / "in" / "dsa-reports"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "report.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(shared("dsa-reports", "snapchat").iterdir()):
            archive.write(part, part.name)
        for n in range(100):
            archive.writestr(f"padding/{n:03d}.csv", b"\0" * (1 << 20))
    result = build_capped(tmp_path / "in", tmp_path / "atlas.duckdb")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "refusing a likely ZIP bomb" in result.stdout and "report.zip" in result.stdout


def test_a_zip_of_gigabytes_of_zeros_is_refused_from_its_directory(tmp_path):
    folder = tmp_path / "in" / "dsa-reports"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("4_notices.csv", "w", force_zip64=True) as member:
            block = b"\0" * (64 << 20)
            for _ in range(64):  # 4 GiB of zeros, a few MB on disk
                member.write(block)
    result = build_capped(tmp_path / "in", tmp_path / "atlas.duckdb")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "refusing a likely ZIP bomb" in result.stdout


def test_a_csv_of_one_enormous_line_is_refused_with_a_short_error(tmp_path):
    folder = tmp_path / "in" / "meta-cser"
    folder.mkdir(parents=True)
    with (folder / "meta-2099-q1.csv").open("wb") as handle:
        handle.write(b"app,policy_area,metric,period,value\n")
        for _ in range(200):
            handle.write(b"x" * (1 << 20))
    result = build_capped(tmp_path / "in", tmp_path / "atlas.duckdb")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "line 2 is 209,715,200 bytes long" in result.stdout
    assert len(result.stdout) < 20_000


@pytest.mark.parametrize("width", [2 << 20])
def test_a_two_mib_header_gives_a_short_error(tmp_path, width):
    folder = tmp_path / "in" / "meta-cser"
    folder.mkdir(parents=True)
    (folder / "meta-2099-q1.csv").write_bytes(b"h" * width + b"\nFacebook,Spam,Content Actioned,2024Q1,5\n")
    result = build_capped(tmp_path / "in", tmp_path / "atlas.duckdb")
    assert result.returncode == 1 and len(result.stdout) < 20_000, result.stdout[-2000:]
