"""A Discord CSV read as printed rows: each record with its line, its label (first cell) and its other cells."""
from __future__ import annotations

from dataclasses import dataclass

from reports.ingest.textio import csv_records, decode_text
from reports.model.documents import Document


@dataclass
class Row:
    """One printed row: its line number, label (first cell) and the other cells."""

    line: int
    label: str
    cells: list[str]

    @property
    def blank(self) -> bool:
        """A row with nothing printed in it."""
        return not self.label and not any(self.cells)

    @property
    def label_only(self) -> bool:
        """A row with only its first cell printed (a title or a table's label)."""
        return bool(self.label) and not any(self.cells)


def read_rows(doc: Document) -> list[Row]:
    """Every CSV record with its starting line; cells stripped, trailing empty cells dropped."""
    rows = []
    for line, record in csv_records(decode_text(doc.read_bytes(), file=doc.path), file=doc.path):
        cells = [" ".join(c.split()) for c in record]
        while cells and not cells[-1]:
            cells.pop()
        rows.append(Row(line, cells[0] if cells else "", cells[1:]))
    return rows
