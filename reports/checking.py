"""Consistency checks of a store: every figure has its document, and the latest view matches the history."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from reports.errors import AtlasError
from reports.schema import COLUMNS
from reports.store import Store


def check_store(path: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) for the store file at path; a missing store is a problem, a stale temp copy a note."""
    problems, notes = [], []
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        notes.append(f"{tmp}: a copy left by an interrupted build (the next build removes it)")
    if not path.exists():
        return [f"{path}: no store here"], notes
    try:
        store = Store(path, read_only=True)
    except AtlasError as exc:
        return [f"{path}: {exc.message}"], notes
    with store:
        problems += _orphans(store, "observations", "document_sha256")
        problems += _orphans(store, "skipped", "document_sha256")
        empty = store.query("SELECT name, sha256 FROM documents d WHERE NOT EXISTS (SELECT 1 FROM observations o "
                            "WHERE o.document_sha256 = d.sha256) AND NOT EXISTS (SELECT 1 FROM skipped s "
                            "WHERE s.document_sha256 = d.sha256)")
        notes += [f"{path}: document {r.name} ({r.sha256[:12]}) holds no figure" for r in empty.itertuples()]
    problems += _latest_differs(path)
    return [f"{path}: {p}" for p in problems], notes


def _orphans(store: Store, table: str, column: str) -> list[str]:
    rows = store.query(f"SELECT {column} AS sha, count(*) AS n FROM {table} t WHERE NOT EXISTS "
                       f"(SELECT 1 FROM documents d WHERE d.sha256 = t.{column}) GROUP BY 1 ORDER BY 1")
    return [f"{r.n} row(s) of {table} point to document {r.sha} that the store does not hold" for r in rows.itertuples()]


def _latest_differs(path: Path) -> list[str]:
    """Recompute the latest view on a scratch copy (with the store's own query) and compare it row for row."""
    columns = ", ".join(COLUMNS)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / path.name
        shutil.copyfile(path, copy)
        with Store(copy) as store:
            store.con.execute("ALTER TABLE latest RENAME TO latest_stored")
            store.refresh_latest()
            missing, extra = (store.con.execute(f"SELECT count(*) FROM (SELECT {columns} FROM {a} EXCEPT ALL "
                                                f"SELECT {columns} FROM {b})").fetchone()[0]
                              for a, b in (("latest", "latest_stored"), ("latest_stored", "latest")))
    if missing or extra:
        return [f"the latest view is stale: {missing} figure version(s) missing, {extra} not newest or orphaned"]
    return []
