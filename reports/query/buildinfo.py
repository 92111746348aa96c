"""Which atlas a figure comes from: the version of the code and the set of documents the store holds."""
from __future__ import annotations

import hashlib
import importlib.metadata

from reports.store.database import Store


def atlas_version() -> str:
    try:
        return importlib.metadata.version("transparency-atlas")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def atlas_build(store: Store) -> dict:
    """Which build of the atlas figures come from: when its newest document arrived, and a fingerprint of all."""
    documents, built, shas = store.con.execute(
        "SELECT count(*), strftime(max(first_seen), '%Y-%m-%dT%H:%M:%SZ'), "
        "coalesce(string_agg(sha256, chr(10) ORDER BY sha256), '') FROM documents").fetchone()
    return {
        "label": store.label,
        "version": atlas_version(),
        "built": built or "unknown",
        "documents": documents,
        # The same set of documents always gives the same fingerprint, whoever built the store.
        "fingerprint": hashlib.sha256(shas.encode()).hexdigest(),
    }
