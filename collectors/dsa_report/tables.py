"""What the DSA report reader works with: a table as published (`Table`), the report its figures gather in
(`Report`), where a figure applies (`Scope`), how labels are compared, and where a table's header row is."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reports.ingest.collector import Skipped
from reports.model.documents import Document
from reports.model.periods import Period
from reports.model.vocab import mappings_in

SOURCE = "dsa-report"
# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in(SOURCE, FOLDER / "mappings")

PART_NAMES = {1: "report identification", 2: "category names", 3: "member-state orders", 4: "notices",
              5: "own-initiative measures (illegal content)", 6: "own-initiative measures (terms and conditions)",
              7: "complaints, disputes and suspensions", 8: "automated means", 9: "human resources",
              10: "average monthly active recipients", 11: "qualitative information"}


def norm(text: object) -> str:
    """A label as compared: whitespace collapsed, case folded."""
    return " ".join(str(text or "").split()).casefold()


def flat(text: object) -> str:
    """A label as compared where filers vary hyphens and underscores too ('own initiative' is 'Own-initiative')."""
    return re.sub(r"[\s\-_]+", " ", str(text or "")).strip().casefold()


@dataclass
class Table:
    """One part as published: a CSV file, a CSV inside a ZIP, or a worksheet."""

    doc: Document
    name: str
    rows: list[list[str]]
    order: int
    part: int | None = None
    label: str = ""  # the name it was published under: a file or member name without suffix, or a sheet's title
    surface: str = ""  # '' for the service itself, else the surface the table is for ('ads')
    offset: int = 0  # rows above the header (a title) left out: row numbers in locators count from the file's top

    def __post_init__(self) -> None:
        at = header_row(self.rows)
        if at:
            self.rows, self.offset = self.rows[at:], self.offset + at

    def numbered(self) -> list[tuple[int, list[str]]]:
        """The data rows with their row numbers, padded to the header's width."""
        width = len(self.header)
        return [(number, row + [""] * (width - len(row)))
                for number, row in enumerate(self.rows[1:], start=2 + self.offset)]

    @property
    def header(self) -> list[str]:
        return self.rows[0] if self.rows else []

    def where(self, row: int | None = None, column: str | None = None) -> str:
        """The place of a cell: part, table (file, member or sheet), row and column."""
        place = f"part {self.part} ({PART_NAMES.get(self.part or 0, '?')}), {self.name}"
        if row is not None:
            place += f", row {row}"
        if column is not None:
            place += f", column {column!r}"
        return place


@dataclass
class Report:
    """What part 1 says about a report, and what parsing it gathers."""

    platform: str
    service: str
    provider: str
    period: Period
    published: date | None
    rows: list[dict] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def skip(self, table: Table, locator: str, reason: str) -> None:
        self.skipped.append(Skipped(table.doc.sha256, locator, reason))


@dataclass
class Scope:
    """Where a figure applies, from its scope cell: region, breakdown, and a policy area where the scope is one."""

    region: str
    breakdown: dict[str, str] = field(default_factory=dict)
    policy_area: str = "ALL"
    policy_label: str = ""


def is_header(row: list[str]) -> bool:
    """A row that can head a part of the template (whatever else is missing from it)."""
    cells = {norm(c) for c in row}
    return ({"indicator", "value"} <= cells or "category description" in cells
            or any(c.startswith("category of ") for c in cells))


def header_row(rows: list[list[str]]) -> int:
    """Where a table's header is: the first row (0) unless a title or note stands above it (within ten rows)."""
    if not rows or is_header(rows[0]):
        return 0
    return next((i for i, row in enumerate(rows[:10]) if is_header(row)), 0)
