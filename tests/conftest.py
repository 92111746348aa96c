"""Shared test helpers: where the real published files are, and a skip when they are absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TATLAS_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with a clear reason when the real files are absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real published data not available: {path} is absent (it lives in ../shared/data)")
    return path


@pytest.fixture
def shared_data() -> Path:
    return shared()


@pytest.fixture(scope="session")
def real_atlas(tmp_path_factory):
    """A store built once per test session from all of ../shared/data (skipped where it is absent)."""
    from collectors import REGISTRY
    from reports.build import build
    from reports.store import Store

    root = shared()
    db = tmp_path_factory.mktemp("atlas") / "atlas.duckdb"
    summary = build(root, db, REGISTRY)
    store = Store(db, read_only=True)
    store.summary = summary
    yield store
    store.close()
