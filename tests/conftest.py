"""Shared test helpers: where the real published files are, and a skip when they are absent."""
from __future__ import annotations

import functools
import os
import socket
from pathlib import Path

import pytest

# Tests never touch the internet: Selenium's driver manager must neither look up drivers nor send usage stats.
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TATLAS_SHARED_DATA", REPO.parent / "shared" / "data"))


# Under CI the real files must be there: their absence fails the run instead of skipping most of it.
IN_CI = os.environ.get("CI", "").lower() == "true"


def shared(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with a clear reason when the real files are absent (fails
    under CI=true, where they must be present)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        reason = f"real published data not available: {path} is absent (it lives in ../shared/data)"
        if IN_CI:
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@functools.cache
def parse_real(source_id: str, *parts: str):
    """Register one real published file under ../shared/data and parse it with its collector (once per session)."""
    from collectors import REGISTRY
    from reports.ingest.register import register

    doc = register(shared(*parts), REGISTRY[source_id].card)
    return doc, REGISTRY[source_id].read([doc])


def only_row(df, **where):
    """The one row whose columns equal the given values; fails naming the filter when there are none or several."""
    rows = df
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows.iloc[0]


@pytest.fixture
def shared_data() -> Path:
    return shared()


@pytest.fixture(scope="session")
def real_atlas(tmp_path_factory):
    """A store built once per test session from all of ../shared/data with --strict (skipped where it is absent):
    every label of every real file must be mapped, and every file must build."""
    from collectors import REGISTRY
    from reports.ingest.build import build
    from reports.store.database import Store

    root = shared()
    db = tmp_path_factory.mktemp("atlas") / "atlas.duckdb"
    summary = build(root, db, REGISTRY, strict=True)
    store = Store(db, read_only=True)
    store.summary = summary
    yield store
    store.close()


def needs_pyspark() -> None:
    """Skip a Spark test where pyspark is not installed (the `spark` extra); under CI=true it must be."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        reason = "pyspark is not installed: pip install -e '.[test,spark]' (Java 17 too)"
        if IN_CI:
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)


def free_port() -> int:
    """A port free on the loopback, for a server a test starts (every test server binds 127.0.0.1 only)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
