"""Documents read outside the build (the daily dumps of the EU DSA Transparency Database, read by `tatlas sor
ingest`), stored as they come, each in its own transaction: with the build, the one place where the store is
written."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reports.model.documents import Document, SourceCard
from reports.store.database import Store, writing


@dataclass
class Prepared:
    """A document read outside the build (a daily dump of the EU DSA Transparency Database), ready to store."""

    document: Document
    observations: pd.DataFrame
    relative_path: str
    fingerprint: str
    meta: dict | None = None
    notes: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)  # what the user is told of it (e.g. how many statements it held)
    card: SourceCard | None = None
    unmapped: list[dict] = field(default_factory=list)  # labels no mapping covers (rows of the unmapped table)


@dataclass(frozen=True)
class Known:
    """A document the store already holds, so it was not read again."""

    name: str
    reason: str


@dataclass
class IngestSummary:
    """What an ingest of prepared documents did, one by one."""

    ingested: list[tuple[str, dict, int]] = field(default_factory=list)  # name, facts, observations
    skipped: list[Known] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"ingested {name}: " + "".join(f"{v} {k}, " for k, v in facts.items()) + f"{rows} observation(s)"
               for name, facts, rows in self.ingested]
        out += [f"skipped {k.name}: {k.reason}" for k in self.skipped]
        return out


def ingest_prepared(db: Path, items: Iterable[Prepared | Known]) -> IngestSummary:
    """Store prepared documents as they come, each in its own transaction: a crash loses at most the one in hand,
    and a rerun resumes. The one place, with the build, where the store is written."""
    summary = IngestSummary()
    for item in items:
        if isinstance(item, Known):
            summary.skipped.append(item)
            continue
        with writing(db) as store:
            store.replace_documents([{"doc": item.document, "relative_path": item.relative_path,
                                      "fingerprint": item.fingerprint, "meta": item.meta, "notes": item.notes}],
                                    item.observations, card=item.card, unmapped=item.unmapped)
        summary.ingested.append((item.document.name, item.facts, len(item.observations)))
    return summary


def stored_with_note(db: Path, source: str, name: str, note: str) -> bool:
    """Whether the store holds a document of this source and name whose notes start with `note`."""
    if not Path(db).exists():
        return False
    with Store(Path(db), read_only=True) as store:
        return bool(store.con.execute("SELECT count(*) FROM documents WHERE source = ? AND name = ? "
                                      "AND starts_with(notes, ?)", [source, name, note]).fetchall()[0][0])
