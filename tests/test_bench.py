"""The benchmark scripts stay runnable: each imports what it measures and answers --help (their timings are
printed by running them, never asserted here)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize("script", sorted(p.name for p in (REPO / "bench").glob("*.py")))
def test_every_benchmark_script_starts(script):
    result = subprocess.run([sys.executable, str(REPO / "bench" / script), "--help"], capture_output=True, text=True,
                            timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower()
