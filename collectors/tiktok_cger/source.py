"""What every module of the TikTok CGER collector shares: the source's id and mapping files, the long table both
formats are read into, and the Reading that carries a document's notes and skipped rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reports.ingest.collector import Skipped
from reports.model.documents import Document
from reports.model.periods import Period
from reports.model.vocab import mappings_in

SOURCE = "tiktok-cger"
# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in(SOURCE, FOLDER / "mappings")

# The long table both formats become; `result` is the printed value.
LONG = ["metric", "period", "policy_type", "issue", "task_type", "task", "location", "market", "result"]
# ... and what else a row carries: an ISO code printed beside the market, breakdown parts of the place it was read
# from (an unlisted sheet), whether the value was printed as a percentage, and where it was printed.
EXTRA = ["code", "extra", "pct", "place"]


@dataclass
class Reading:
    """One document being read, with what the build should be told of it."""

    doc: Document
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def note(self, text: str) -> None:
        if (line := f"{self.doc.name}: {text}") not in self.notes:
            self.notes.append(line)

    def skip(self, locator: str, reason: str) -> None:
        self.skipped.append(Skipped(self.doc.sha256, locator, reason))


def first_places(long: pd.DataFrame, column: str) -> tuple[list, list]:
    """Each distinct value of a long-table column and the place it is first printed."""
    first = long.drop_duplicates(column)
    return list(first[column]), list(first["place"])


def period_text(period) -> str:
    """A period as the locator prints it: its label once read, else the printed text."""
    return period.label if isinstance(period, Period) else str(period)
