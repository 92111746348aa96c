"""The stacked tables of a Discord CSV cut apart (a header row, optionally a label row above it, data rows, total
rows), each identified as a table of tables.csv (by its label, as a second header of the table above, or by its
columns), with what its rows are (months, countries, policy categories, request types)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from collectors.discord.periods import is_month
from collectors.discord.rows import Row
from collectors.discord.source import label_mapping
from reports.ingest.collector import Skipped
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import is_figure, is_missing

# A row whose label is one of these words (any case, optional colon) is a printed total of the rows above it.
TOTAL_WORDS = re.compile(r"(?:grand\s+)?(?:total|totals|sum|sums)\s*:?", re.I)


@dataclass
class Table:
    """One table: its printed label ('' when none), header, rows, and the label it is read as (`name`)."""

    label: str
    line: int
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    label_line: int = 0
    name: str = ""  # the tables.csv label it is read as: the printed label, an inherited one, or one its columns match
    how: str = ""  # 'label', 'sub-table', 'columns' or '' (unidentified)
    shifted: bool = False

    @property
    def title(self) -> str:
        """How the locator names the table."""
        if self.label:
            return self.label
        if self.how == "sub-table":  # a second header under the label above
            return self.name
        return f"unlabelled, read as {self.name}" if self.name else "unlabelled"



def _is_text(cell: str) -> bool:
    """A printed cell of words (not a figure, not a gap such as '--')."""
    return bool(cell) and not is_missing(cell) and not is_figure(cell)


def is_header(row: Row) -> bool:
    """A header row: at least two cells, every printed one text (no figure, no '--')."""
    printed = [c for c in (row.label, *row.cells) if c]
    return len(printed) >= 2 and all(_is_text(c) for c in printed)


def is_total(label: str) -> bool:
    """A total row, recognised by its words (Total, Total:, Sum, SUM, Sum:, Totals, ...) or a `total` row of rows.csv."""
    if TOTAL_WORDS.fullmatch(label.strip()):
        return True
    rows = label_mapping("rows")
    return label in rows and rows.lookup(label)["role"] == "total"


def split_tables(rows: list[Row], doc: Document) -> tuple[list[Table], list[Skipped]]:
    """Cut the stacked tables apart: a header row starts a table, a label-only row above it labels it.

    A row whose cells are all text is a header where no table is open: at the start, after a label row, after a
    total row, or after a blank row that ends a table's rows; inside an open table it is a data row (2023Q3 repeats
    a header as its first row)."""
    tables_map = label_mapping("tables")
    tables: list[Table] = []
    skipped: list[Skipped] = []
    label: Row | None = None
    current: Table | None = None
    closed = True
    for index, row in enumerate(rows):
        if row.blank:
            closed = closed or (current is not None and bool(current.rows))  # a blank row after a table's rows
            continue
        following = next((r for r in rows[index + 1:] if not r.blank), None)
        if row.label_only and not is_total(row.label) and (
                row.label in tables_map or (following is not None and is_header(following))):
            if label is not None:
                skipped.append(_label_without_table(label, doc))
            label, current, closed = row, None, True
            continue
        if is_header(row) and (closed or label is not None):
            current = Table(label.label if label else "", row.line, [row.label, *row.cells],
                            label_line=label.line if label else 0)
            tables.append(current)
            label, closed = None, False
            continue
        if label is not None:  # a label row followed by figures with no header row
            current = Table(label.label, row.line, [""], label_line=label.line)
            tables.append(current)
            label, closed = None, False
        if current is None:
            skipped.append(Skipped(doc.sha256, f"line {row.line}", f"row {row.label or '(no label)'} lies above any "
                                   "table's header row; not imported"))
            continue
        if closed and row.label_only and not is_total(row.label):  # words under a finished table: a note
            skipped.append(Skipped(doc.sha256, f"line {row.line}", f"a line of words with no figures after the last "
                                   f"row of the table headed at line {current.line} (a note): {row.label[:120]!r}; "
                                   "not imported"))
            continue
        current.rows.append(row)
        if is_total(row.label):
            closed = True
    if label is not None:
        skipped.append(_label_without_table(label, doc))
    for table in tables:
        _widen_header(table)
    return tables, skipped


def _label_without_table(label: Row, doc: Document) -> Skipped:
    return Skipped(doc.sha256, f"line {label.line}", f"table label {label.label!r} with no table below it")


def _widen_header(table: Table) -> None:
    """Name every column, including figures printed beyond the header ('' for those)."""
    width = max([len(table.header) - 1, *(len(r.cells) for r in table.rows)])
    table.header += [""] * (width + 1 - len(table.header))


def mapping_labels(mapping_rows) -> list[str]:
    """The distinct labels of a mapping (its dict holds each row under its label and its casefolded label)."""
    return list(dict.fromkeys(row[next(iter(row))] for row in mapping_rows.rows.values()))


def identify(table: Table, tables: list[Table], doc: Document) -> list[str]:
    """Which tables.csv label a table is read as: its printed label; for a table without one, the table before it
    when the header continues it (a second header under one label, 2022Q4's Legal), else the one table whose column
    mappings match its header best (the NCMEC table of the older files). Unidentified: name ''."""
    if table.label:
        table.name, table.how = table.label, "label"
        return []
    columns = label_mapping("columns")
    headers = [h for h in table.header[1:] if h]
    before = tables[tables.index(table) - 1] if tables.index(table) else None
    if before is not None and before.name and any(f"{before.name} / {h}" in columns for h in headers):
        table.name, table.how = before.name, "sub-table"
        return []
    kind = row_kind(table)
    scores = {}
    for name in mapping_labels(label_mapping("tables")):
        matched = sum(f"{name} / {h}" in columns for h in headers)
        if matched:
            scores[name] = (matched, label_mapping("tables").lookup(name)["rows"] == kind)
    best = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    where = f"{doc.name}: line {table.line}"
    if best and (len(best) == 1 or best[0][1] > best[1][1]):
        table.name, table.how = best[0][0], "columns"
        matched = [h for h in headers if f"{table.name} / {h}" in columns]
        return [f"{where}: a table without a label row, read as the {table.name} table: its columns "
                f"({', '.join(matched)}) are that table's" + (f" and its rows are {kind}s" if kind else "")]
    which = (f"whose columns match the tables {', '.join(n for n, s in best if s == best[0][1])} equally (not guessed)"
             if best else "that no table's columns match")
    return [f"{where}: a table without a label row {which}: its figures are kept with the printed headers "
            f"({', '.join(headers)}) as unmapped measures"]


def row_kind(table: Table) -> str:
    """What a table's rows are, from their labels: months, countries, policy categories or request types ('' when
    most rows are none of these)."""
    labels = [r.label for r in table.rows if r.label and not is_total(r.label)]
    if not labels:
        return ""
    rows = label_mapping("rows")
    votes = {
        "month": sum(is_month(x) for x in labels),
        "country": sum(x in label_mapping("countries") for x in labels),
        "category": sum(x in label_mapping("policy_areas") for x in labels),
        "request_type": sum(x in rows and rows.lookup(x)["role"] == "request_type" for x in labels),
    }
    kind, count = max(votes.items(), key=lambda item: item[1])
    return kind if count * 2 > len(labels) else ""


def realign_shifted(table: Table, doc: Document) -> None:
    """Undo values printed one row below their labels (the first data row repeats the header, 2023Q3).

    Realigned only when the shape is exact: as many value rows after the echoed header as there are labels."""
    if not table.rows or not table.rows[0].cells or table.rows[0].cells[:1] != table.header[1:2]:
        return
    labels = [r for r in table.rows if r.label]
    values = [r for r in table.rows if any(c for c in r.cells)][1:]
    if len(labels) != len(values):
        raise ParseError(f"table {table.title!r}: its first row repeats the header but {len(labels)} labels do not "
                         f"line up with {len(values)} value rows", file=doc.path, place=f"line {table.line}")
    table.rows = [Row(v.line, lab.label, v.cells) for lab, v in zip(labels, values, strict=True)]
    table.shifted = True
