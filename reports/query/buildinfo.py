"""Which atlas a figure comes from: the version of the code and the set of documents the store holds."""
from __future__ import annotations

import hashlib
import importlib.metadata

import pandas as pd

from reports.store.database import Store


def atlas_version() -> str:
    try:
        return importlib.metadata.version("transparency-atlas")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def atlas_build(store: Store) -> dict:
    """Which build of the atlas figures come from: when its newest document arrived, and a fingerprint of all."""
    docs = store.query("SELECT sha256, first_seen FROM documents ORDER BY sha256")
    built = pd.to_datetime(docs["first_seen"]).max() if len(docs) else None
    return {
        "label": store.label,
        "version": atlas_version(),
        "built": built.strftime("%Y-%m-%dT%H:%M:%SZ") if built is not None and not pd.isna(built) else "unknown",
        "documents": len(docs),
        # The same set of documents always gives the same fingerprint, whoever built the store.
        "fingerprint": hashlib.sha256("\n".join(docs["sha256"]).encode()).hexdigest(),
    }
