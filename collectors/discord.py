"""Discord's transparency report data: several labelled tables stacked in one CSV per quarter.

Each table is a label row, a header row, data rows, and usually a `Total:` row. Table labels, column headers and row
labels are mapped through reports/mappings/discord/. A printed total is imported as the total and its rows as
breakdowns; a total that does not equal the sum of its rows is reported as a note, never replaced.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from reports.collector import Collector, ParseResult, Skipped, edition_meta
from reports.documents import Document
from reports.errors import ParseError
from reports.numbers import is_missing, parse_figure
from reports.periods import Period, month, quarter
from reports.schema import format_breakdown, frame, observation, parse_breakdown
from reports.textio import decode_text
from reports.vocab import mapping

SOURCE = "discord"
FILE_NAME = re.compile(r"(\d{4})-q([1-4])", re.I)


@dataclass
class Row:
    """One printed row: its line number, label (first cell) and the other cells."""

    line: int
    label: str
    cells: list[str]


@dataclass
class Table:
    """One labelled table (or a sub-table under the same label with its own header)."""

    label: str
    line: int
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    shifted: bool = False


class Discord(Collector):
    id = SOURCE
    patterns = ("*.csv",)

    def parse(self, documents: list[Document]) -> ParseResult:
        """Split the file into tables, map each table's rows, and check every printed total."""
        (doc,) = documents
        period = file_quarter(doc)
        rows = read_rows(doc)
        tables = split_tables(rows, doc)
        observations, skipped, notes = [], [], []
        for table in tables:
            table_obs, table_skipped, table_notes = table_observations(table, period, doc)
            observations += table_obs
            skipped += table_skipped
            notes += table_notes
        if not observations:
            raise ParseError("no tables found", file=doc.path)
        meta = edition_meta(period.label, period.end, text=f"Discord transparency report data, {period.label}")
        return ParseResult(frame(observations), skipped=skipped, notes=notes, document_meta={doc.sha256: meta})


def file_quarter(doc: Document) -> Period:
    """The quarter a file covers: the file states it only in its name (discord-2023-q2.csv)."""
    found = FILE_NAME.search(doc.path.name)
    if not found:
        raise ParseError("cannot tell the quarter: expected a name such as discord-2023-q2.csv", file=doc.path)
    return quarter(int(found[1]), int(found[2]))


def read_rows(doc: Document) -> list[Row]:
    """Every CSV record with its starting line; cells stripped, trailing empty cells dropped."""
    text = decode_text(doc.read_bytes(), file=doc.path)
    reader = csv.reader(io.StringIO(text))
    rows, line = [], 1
    for record in reader:
        cells = [" ".join(c.split()) for c in record]
        while cells and not cells[-1]:
            cells.pop()
        rows.append(Row(line, cells[0] if cells else "", cells[1:]))
        line = reader.line_num + 1
    return rows


def _is_text(cell: str) -> bool:
    return bool(cell) and not is_missing(cell) and not re.fullmatch(r"[\d,.%\s-]+", cell)


def split_tables(rows: list[Row], doc: Document) -> list[Table]:
    """Cut the stacked tables apart at their label rows (known labels in tables.csv) and header rows."""
    tables_map = mapping(SOURCE, "tables")
    tables: list[Table] = []
    label, expect_header = None, False
    for row in rows:
        if not row.label and not row.cells:
            continue
        if not row.cells and row.label in tables_map:
            label, expect_header = row.label, True
            continue
        if label is None:
            raise ParseError(f"row {row.label!r} before any table label", file=doc.path, place=f"line {row.line}")
        after_total = bool(tables) and tables[-1].rows and _is_total(tables[-1].rows[-1].label)
        if expect_header or (after_total and row.cells and all(_is_text(c) for c in row.cells)):
            tables.append(Table(label, row.line, [row.label, *row.cells]))
            expect_header = False
            continue
        tables[-1].rows.append(row)
    for table in tables:
        realign_shifted(table, doc)
    return tables


def _is_total(label: str) -> bool:
    return label in mapping(SOURCE, "rows") and mapping(SOURCE, "rows").lookup(label)["role"] == "total"


def realign_shifted(table: Table, doc: Document) -> None:
    """Undo values printed one row below their labels (the first data row repeats the header, 2023Q3).

    Realigned only when the shape is exact: as many value rows after the echoed header as there are labels."""
    if not table.rows or table.rows[0].cells[:1] != table.header[1:2]:
        return
    labels = [r for r in table.rows if r.label]
    values = [r for r in table.rows if any(c for c in r.cells)][1:]
    if len(labels) != len(values):
        raise ParseError(f"table {table.label!r}: its first row repeats the header but {len(labels)} labels do not "
                         f"line up with {len(values)} value rows", file=doc.path, place=f"line {table.line}")
    table.rows = [Row(v.line, lab.label, v.cells) for lab, v in zip(labels, values, strict=True)]
    table.shifted = True


def table_observations(table: Table, period: Period, doc: Document) -> tuple[list[dict], list[Skipped], list[str]]:
    """One table's figures: each data cell a breakdown by its row, each total-row cell the printed total."""
    spec = mapping(SOURCE, "tables").lookup(table.label, file=doc.path, place=f"line {table.line}")
    columns = mapping(SOURCE, "columns")
    metrics = [columns.lookup(f"{table.label} / {h}", file=doc.path, place=f"line {table.line}, column {h!r}")
               for h in table.header[1:]]
    observations, skipped, notes = [], [], []
    sums: list[float] = [0.0] * len(metrics)
    totals: list[tuple[Row, list]] = []
    if table.shifted:
        notes.append(f"{doc.name}: table {table.label}, line {table.line}: values are printed one row below their "
                     "labels (the first row repeats the header); read realigned with their labels")
    for row in table.rows:
        place = f"line {row.line}"
        where = f"{place} (table {table.label}, row {row.label or '(no label)'})"
        if not row.label:
            raise ParseError(f"table {table.label!r}: a row of values without a label", file=doc.path, place=place)
        cells = (row.cells + [""] * len(metrics))[:len(metrics)]
        figures = [_figure(cell, doc, f"{place}, column {table.header[n + 1]!r}") for n, cell in enumerate(cells)]
        role, common, parts, row_period = row_keys(row, table, spec, period, doc)
        if role == "total":
            totals.append((row, figures))
        else:  # every printed row counts towards the check of its total, imported or not
            for number, fig in enumerate(figures):
                sums[number] += fig.value if fig is not None and fig.unit == "count" else 0.0
        if not (period.start <= row_period.start <= period.end):
            skipped.append(Skipped(doc.sha256, where, f"month {row.label} lies outside the file's quarter {period.label}; "
                                   "its monthly figures are not imported (the table's total is, as the quarter's)"))
            continue
        for number, (cell, fig, metric) in enumerate(zip(cells, figures, metrics, strict=True)):
            observations.append(observation(
                platform="discord", period=row_period, metric=metric["metric"],
                metric_label=table.header[number + 1], value=None if fig is None else fig.value,
                unit="ratio" if fig is not None and fig.unit == "ratio" else None, value_text=cell,
                qualifier="" if fig is None else fig.qualifier,
                breakdown=format_breakdown({**parse_breakdown(metric["breakdown"]), **parts}),
                locator=f"{where}, column {table.header[number + 1]}", **common))
    for row, figures in totals:
        for number, fig in enumerate(figures):
            if fig is None or fig.unit != "count" or abs(fig.value - sums[number]) < 0.5:
                continue
            notes.append(f"{doc.name}: table {table.label}, line {row.line}: printed {row.label} "
                         f"{table.header[number + 1]} {row.cells[number]} but its rows add up to {sums[number]:,.0f}")
    return observations, skipped, notes


def _figure(cell: str, doc: Document, place: str):
    found = parse_figure(cell, file=str(doc.path), place=place)
    return found[0] if found else None


def row_keys(row: Row, table: Table, spec: dict, period: Period, doc: Document) -> tuple[str | None, dict, dict, Period]:
    """What a row label says: a policy category, a country, a month, a request type, or the total."""
    place = f"line {row.line}"
    common = {"region": spec["region"] or "GLOBAL", "policy_area": "ALL", "policy_label": ""}
    parts = parse_breakdown(spec["breakdown"])
    if _is_total(row.label):
        return "total", common, parts, period
    if spec["rows"] == "category":
        area = mapping(SOURCE, "policy_areas").lookup(row.label, file=doc.path, place=place)["policy_area"]
        common.update(policy_area=area, policy_label=row.label)
        return "category", common, parts, period
    if spec["rows"] == "country":
        common["region"] = mapping(SOURCE, "countries").lookup(row.label, file=doc.path, place=place)["region"]
        return "country", common, parts, period
    mapped = mapping(SOURCE, "rows").lookup(row.label, file=doc.path, place=place)
    if mapped["role"] == "month":
        return "month", common, parts, month(period.start.year, int(mapped["value"]))
    if mapped["role"] == "request_type":
        parts["request_type"] = mapped["value"]
        common["region"] = mapped["region"] or common["region"]
        return "request_type", common, parts, period
    raise ParseError(f"row {row.label!r} has role {mapped['role']!r}, not one a {spec['rows']} table holds",
                     file=doc.path, place=place)
