"""The bundled atlas: committed, loadable without a build, small, and equal to a fresh build of ../shared/data."""
from __future__ import annotations

import duckdb

from reports.store.database import BUNDLE_TABLES, BUNDLED_DIR, Store

# Columns that depend on when or where a build ran, not on what was published.
BUILD_DEPENDENT = {"documents": "EXCLUDE (first_seen)", "observations": "", "skipped": "", "latest": "", "unmapped": "",
                   "sources": ""}


def test_the_bundled_atlas_loads_without_a_build_and_stays_small():
    size = sum((BUNDLED_DIR / f"{t}.parquet").stat().st_size for t in BUNDLE_TABLES)
    assert size <= 25 * 1024 * 1024, f"bundled atlas is {size / 1e6:.1f} MB"
    with Store.bundled() as store:
        counts = store.counts()
        assert counts["observations"] > 0 and counts["latest"] > 0
        orphans = store.query("SELECT count(*) AS n FROM observations o LEFT JOIN documents d "
                              "ON d.sha256 = o.document_sha256 WHERE d.sha256 IS NULL")
        assert orphans.n[0] == 0


def test_the_committed_atlas_equals_a_fresh_build(real_atlas, tmp_path):
    real_atlas.export_bundle(tmp_path)
    con = duckdb.connect()
    for table in BUNDLE_TABLES:
        columns = BUILD_DEPENDENT[table]
        fresh = f"SELECT * {columns} FROM read_parquet('{tmp_path / (table + '.parquet')}')"
        committed = f"SELECT * {columns} FROM read_parquet('{BUNDLED_DIR / (table + '.parquet')}')"
        only_fresh = con.execute(f"SELECT count(*) FROM ({fresh} EXCEPT ALL {committed})").fetchone()[0]
        only_committed = con.execute(f"SELECT count(*) FROM ({committed} EXCEPT ALL {fresh})").fetchone()[0]
        assert (only_fresh, only_committed) == (0, 0), (
            f"{table}: {only_fresh} row(s) only in a fresh build, {only_committed} only in the committed atlas; "
            "run `tatlas bundle` and commit reports/atlas/")
