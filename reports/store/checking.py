"""Consistency checks of a store: every figure has its document, and the latest view matches the history."""
from __future__ import annotations

from pathlib import Path

import duckdb

from reports.model.errors import AtlasError
from reports.store.database import Store
from reports.store.versions import base_table, stale_marks, wrong_key_hashes


def check_store(path: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) for the store file at path; a missing store is a problem, a stale temp copy a note."""
    notes: list[str] = []
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
        try:
            return _check_tables(store, path, notes)
        except duckdb.Error as exc:  # a store damaged or of another shape: a problem to name, not a traceback
            return [f"{path}: damaged store ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})"], notes


def _check_tables(store: Store, path: Path, notes: list[str]) -> tuple[list[str], list[str]]:
    """Every row points at a document the store holds, and `latest` equals a fresh recomputation."""
    problems = []
    for table in ("observations", "skipped", "unmapped"):
        problems += _orphans(store, table, "document_sha256")
    empty = store.query("SELECT name, sha256 FROM documents d WHERE NOT EXISTS (SELECT 1 FROM observations o "
                        "WHERE o.document_sha256 = d.sha256) AND NOT EXISTS (SELECT 1 FROM skipped s "
                        "WHERE s.document_sha256 = d.sha256)")
    notes += [f"{path}: document {r.name} ({r.sha256[:12]}) holds no figure" for r in empty.itertuples()]
    # A store written before the newest versions were marked in place holds every version in `observations`.
    missing, extra = stale_marks(store.con, "figures" if base_table(store.con, "figures") else "observations")
    if missing or extra:
        problems.append(f"the latest view is stale: {missing} figure version(s) missing, {extra} not newest or "
                        "orphaned")
    if wrong := wrong_key_hashes(store.con):
        problems.append(f"{wrong} figure(s) stored with a key hash that is not their key's: a later write would "
                        "not find their other versions")
    return [f"{path}: {p}" for p in problems], notes


def _orphans(store: Store, table: str, column: str) -> list[str]:
    rows = store.query(f"SELECT {column} AS sha, count(*) AS n FROM {table} t WHERE NOT EXISTS "
                       f"(SELECT 1 FROM documents d WHERE d.sha256 = t.{column}) GROUP BY 1 ORDER BY 1")
    return [f"{r.n} row(s) of {table} point to document {r.sha} that the store does not hold" for r in rows.itertuples()]
