"""Discord's transparency report data: one or several tables stacked in one CSV per report.

The structure is read, not looked up: a table is a header row (the first row whose cells are all text), optionally
preceded by a label row (a row with only its first cell), then data rows, then total rows (recognised by their words:
Total, Total:, Sum, SUM, Totals, ...). A table without a label row is identified by its columns (the table in
tables.csv whose column mappings match its header), else kept with its printed headers as unmapped measures. Row
labels are months (of the file's period), policy categories, countries or request types; a table's kind comes from
tables.csv, or for a table no row there covers, from its row labels. Table labels, column headers and row labels are
mapped through collectors/discord/mappings/; a label no row covers is kept verbatim and flagged, never fatal.

The period is the one the file states in a title row, else the one its name states (discord-2023-q2.csv,
discord-2020-h2.csv, H1-2024.csv). A printed total is imported as the total and its rows as breakdowns; a total that
does not equal the sum of its rows is reported as a note, never replaced.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from pathlib import Path

from reports.ingest.collector import Collector, ParseResult, Skipped, edition_meta
from reports.ingest.textio import csv_records, decode_text
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import Figure, is_missing, parse_figure
from reports.model.periods import Period, month, parse_period, period_from_name, span
from reports.model.schema import format_breakdown, frame, observation, parse_breakdown
from reports.model.vocab import UNMAPPED_AREA, UNMAPPED_METRIC, csv_line, mappings_in, record_unmapped

SOURCE = "discord"
# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in(SOURCE, FOLDER / "mappings")

# A row whose label is one of these words (any case, optional colon) is a printed total of the rows above it.
TOTAL_WORDS = re.compile(r"(?:grand\s+)?(?:total|totals|sum|sums)\s*:?", re.I)
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTH_ROW = re.compile(r"([a-z]+)\.?(?:[\s,]+((?:19|20)\d{2}))?")
# A period a title row states: 'Q1 2024', '2024-H1', 'January - June 2024', 'July 2021 to December 2021'.
_STATED = (
    re.compile(r"(?<![0-9a-z])(?:[qh][1-4])\s*[-/ ]?\s*(?:19|20)\d{2}(?![0-9])", re.I),
    re.compile(r"(?<![0-9])(?:19|20)\d{2}\s*[-/ ]?\s*[qh][1-4](?![0-9a-z])", re.I),
    re.compile(r"(?<![a-z])[a-z]{3,9}\.?(?:\s+(?:19|20)\d{2})?\s*(?:-|–|to|through)\s*[a-z]{3,9}\.?\s+(?:19|20)\d{2}"
               r"(?![0-9])", re.I),
)


@dataclass
class Row:
    """One printed row: its line number, label (first cell) and the other cells."""

    line: int
    label: str
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not self.label and not any(self.cells)

    @property
    def label_only(self) -> bool:
        return bool(self.label) and not any(self.cells)


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


class Discord(Collector):
    id = SOURCE
    version = "2"
    patterns = ("*.csv",)

    def parse(self, documents: list[Document]) -> ParseResult:
        """Find the period, split the file into tables, map each table's rows, and check every printed total."""
        (doc,) = documents
        rows = read_rows(doc)
        period, titles, notes = file_period(doc, rows)
        tables, skipped = split_tables([r for r in rows if r.line not in titles], doc)
        observations = []
        for table in tables:
            notes += identify(table, tables, doc)
            realign_shifted(table, doc)
            table_obs, table_skipped, table_notes = TableReader.of(table, period, doc).read()
            observations += table_obs
            skipped += table_skipped
            notes += table_notes
        if not observations and any("lies outside the file's" in s.reason for s in skipped):
            raise ParseError(f"no figure lies inside the file's period {period.label}: every month its tables print "
                             "lies outside it (is the period in its name right?)", file=doc.path)
        if not observations:
            raise ParseError("no tables found: no header row (a row whose cells are all text) followed by figures",
                             file=doc.path)
        meta = edition_meta(period.label, period.end, text=f"Discord transparency report data, {period.label}")
        return ParseResult(frame(observations), skipped=skipped, notes=notes, document_meta={doc.sha256: meta})


def read_rows(doc: Document) -> list[Row]:
    """Every CSV record with its starting line; cells stripped, trailing empty cells dropped."""
    rows = []
    for line, record in csv_records(decode_text(doc.read_bytes(), file=doc.path), file=doc.path):
        cells = [" ".join(c.split()) for c in record]
        while cells and not cells[-1]:
            cells.pop()
        rows.append(Row(line, cells[0] if cells else "", cells[1:]))
    return rows


# --- the period -----------------------------------------------------------------------------------------------------

def file_period(doc: Document, rows: list[Row]) -> tuple[Period, set[int], list[str]]:
    """The period the file covers: stated in a title row above its first table, else in its name.

    Returns the period, the lines of the title rows that state it (not table labels), and notes."""
    stated, lines = stated_period(rows, doc)
    named = period_from_name(doc.path.name)
    if stated:
        notes = [] if named is None or named == stated else [
            f"{doc.name}: the file states the period {stated.label} (line {min(lines)}) but its name says "
            f"{named.label}; read as {stated.label}"]
        return stated, lines, notes
    if named:
        return named, set(), []
    raise ParseError("cannot tell the period: the file states none above its tables and its name states none "
                     "(expected a name such as discord-2023-q2.csv, discord-2021-h2.csv or H1-2024.csv)", file=doc.path)


def stated_period(rows: list[Row], doc: Document) -> tuple[Period | None, set[int]]:
    """A period printed in a title row (a row with only its first cell) above the first table's header."""
    for row in rows:
        if row.blank:
            continue
        if not row.label_only:
            break  # the first header or data row: titles come before it
        for pattern in _STATED:
            if found := pattern.search(row.label):
                text = re.sub(r"\s+through\s+", " to ", found[0], flags=re.I)
                try:
                    return parse_period(text, file=str(doc.path), place=f"line {row.line}"), {row.line}
                except ParseError:
                    continue
    return None, set()


def month_of(label: str, period: Period) -> Period | None:
    """The month a row label names ('July', 'JULY', 'Jul.', 'July 2024'), placed in the file's period; None when
    the label is no month. A month without a year is that month inside the period (or of its first year when the
    period holds no such month, which the caller reports as outside)."""
    found = _MONTH_ROW.fullmatch(label.strip().lower())
    if not found or found[1] not in _MONTHS:
        return None
    number = _MONTHS[found[1]]
    if found[2]:
        return month(int(found[2]), number)
    for y in range(period.start.year, period.end.year + 1):
        candidate = month(y, number)
        if period.start <= candidate.start and candidate.end <= period.end:
            return candidate
    return month(period.start.year, number)


def is_month(label: str) -> bool:
    found = _MONTH_ROW.fullmatch(label.strip().lower())
    return bool(found) and found[1] in _MONTHS


def inside(part: Period, whole: Period) -> bool:
    return whole.start <= part.start and part.end <= whole.end


# --- the tables -----------------------------------------------------------------------------------------------------

def _is_text(cell: str) -> bool:
    return bool(cell) and not is_missing(cell) and not re.fullmatch(r"[\d,.%\s+-]+", cell)


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
                skipped.append(Skipped(doc.sha256, f"line {label.line}",
                                       f"table label {label.label!r} with no table below it"))
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
        current.rows.append(row)
        if is_total(row.label):
            closed = True
    if label is not None:
        skipped.append(Skipped(doc.sha256, f"line {label.line}", f"table label {label.label!r} with no table below it"))
    for table in tables:  # name every column, including figures printed beyond the header
        width = max([len(table.header) - 1, *(len(r.cells) for r in table.rows)])
        table.header += [""] * (width + 1 - len(table.header))
    return tables, skipped


def _labels(mapping_rows) -> list[str]:
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
    for name in _labels(label_mapping("tables")):
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


# --- the figures ----------------------------------------------------------------------------------------------------

@dataclass
class Column:
    """One value column: its printed header (or a name for an unheaded one) and its mapping row."""

    header: str
    metric: dict


def table_columns(table: Table, doc: Document) -> list[Column]:
    """Each value column with its mapping: `<table> / <header>` in columns.csv, or the bare header for a table no
    label or column identifies."""
    columns = label_mapping("columns")
    out = []
    for number, header in enumerate(table.header[1:], start=2):
        name = header or f"(unheaded column {number})"
        key = f"{table.name} / {name}" if table.name else name
        out.append(Column(name, columns.lookup(key, file=doc.path, place=f"line {table.line}, column {name!r}")))
    return out


def _count(fig: Figure | None) -> float | None:
    """A figure's value when it is a count (not a ratio, not words, not a gap)."""
    return fig.value if fig is not None and fig.unit == "count" and fig.value is not None else None


@dataclass
class TableReader:
    """Reads one table's rows into observations, with what the table's own structure shows about its totals."""

    table: Table
    period: Period
    doc: Document
    spec: dict
    kind: str
    parts: dict
    columns: list[Column]
    figures: dict[int, list[Figure | None]] = field(default_factory=dict)
    data: list[Row] = field(default_factory=list)
    sums: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, table: Table, period: Period, doc: Document) -> TableReader:
        if table.how == "label":
            spec = label_mapping("tables").lookup(table.label, file=doc.path, place=f"line {table.label_line}")
        else:
            spec = label_mapping("tables").lookup(table.name) if table.name else {}
        new_table = not table.name or spec.get("unmapped") == "yes"
        parts = parse_breakdown(spec.get("breakdown", ""))
        if new_table and table.label:
            parts["table"] = table.label  # two new tables with the same headers stay two series
        kind = ("" if new_table else spec["rows"]) or row_kind(table)
        reader = cls(table, period, doc, spec, kind, parts, table_columns(table, doc))
        reader.figures = {row.line: reader.read_figures(row) for row in table.rows}
        reader.data = [r for r in table.rows if r.label and not is_total(r.label)]
        reader.sums = [sum(v for r in reader.data if (v := _count(reader.figures[r.line][n])) is not None)
                       for n in range(len(reader.columns))]
        return reader

    def where(self, row: Row) -> str:
        return f"line {row.line} (table {self.table.title}, row {row.label or '(no label)'})"

    def cells(self, row: Row) -> list[str]:
        return (row.cells + [""] * len(self.columns))[:len(self.columns)]

    def read_figures(self, row: Row) -> list[Figure | None]:
        out = []
        for cell, column in zip(self.cells(row), self.columns, strict=True):
            found = parse_figure(cell, file=str(self.doc.path), place=f"line {row.line}, column {column.header!r}",
                                 lenient=True)
            out.append(found[0] if found else None)
        return out

    def keys(self) -> dict:
        return {"region": self.spec.get("region") or "GLOBAL", "policy_area": "ALL", "policy_label": "",
                "parts": dict(self.parts)}

    def row_keys(self, row: Row) -> tuple[dict, Period | None]:
        """What a data row's label says, by the table's kind of rows: a month (its period), a policy category, a
        country, a request type; a label its kind's mapping does not cover is kept verbatim and flagged."""
        place = f"line {row.line}"
        keys = self.keys()
        if self.kind == "month" and (found := month_of(row.label, self.period)):
            return keys, found
        rows = label_mapping("rows")
        if self.kind == "category":
            area = label_mapping("policy_areas").lookup(row.label, file=self.doc.path, place=place)["policy_area"]
            keys.update(policy_area=area, policy_label=row.label)
        elif self.kind == "country":
            region = label_mapping("countries").lookup(row.label, file=self.doc.path, place=place)["region"]
            if region:
                keys["region"] = region
            else:  # kept by its printed name, not placed in a region we cannot name
                keys["parts"]["country"] = row.label
        elif self.kind == "request_type" and row.label in rows and rows.lookup(row.label)["role"] == "request_type":
            mapped = rows.lookup(row.label)
            keys["parts"]["request_type"] = mapped["value"]
            keys["region"] = mapped["region"] or keys["region"]
        else:  # a row label the table's kind does not cover: kept as the policy label, flagged UNMAPPED
            record_unmapped(SOURCE, "rows", row.label, file=self.doc.path, place=place, mapping_file=rows.relative_path,
                            suggestion=csv_line([row.label, "<role>", "<value>", "<region>", ""]))
            keys.update(policy_area=UNMAPPED_AREA, policy_label=row.label)
        return keys, None

    def observation(self, row: Row, number: int, keys: dict, period: Period, target: Column | None = None,
                    note: str = "") -> dict:
        """The figure in one cell; `target` is the column it is the figure of when not the one it is printed in."""
        column = self.columns[number]
        target = target or column
        fig, cell = self.figures[row.line][number], self.cells(row)[number]
        breakdown = {**parse_breakdown(target.metric.get("breakdown", "")), **keys["parts"]}
        return observation(
            platform="discord", period=period, metric=target.metric["metric"] or UNMAPPED_METRIC,
            metric_label=target.header, value=None if fig is None else fig.value,
            unit="ratio" if fig is not None and fig.unit == "ratio" else None, value_text=cell,
            qualifier="" if fig is None else fig.qualifier, breakdown=format_breakdown(breakdown),
            locator=f"{self.where(row)}, column {column.header}{note}", region=keys["region"],
            policy_area=keys["policy_area"], policy_label=keys["policy_label"])

    def read(self) -> tuple[list[dict], list[Skipped], list[str]]:
        """The table's figures: each data cell a breakdown by its row, each total-row cell the printed total."""
        table, period, doc = self.table, self.period, self.doc
        observations, skipped, notes = [], [], []
        if table.shifted:
            notes.append(f"{doc.name}: table {table.title}, line {table.line}: values are printed one row below their "
                         "labels (the first row repeats the header); read realigned with their labels")
        months = []
        for row in self.data:
            keys, row_period = self.row_keys(row)
            if row_period is not None:
                months.append(row_period)
                if not inside(row_period, period):
                    what = _kind_of(period)
                    skipped.append(Skipped(doc.sha256, self.where(row), f"month {row.label} lies outside the file's "
                                           f"{what} {period.label}; its monthly figures are not imported (the "
                                           f"table's total is, as the {what}'s)"))
                    continue
            observations += [self.observation(row, n, keys, row_period or period) for n in range(len(self.columns))]
        last_data = self.data[-1].line if self.data else 0
        for row in table.rows:
            if row.label and not is_total(row.label):
                continue
            if row.label:
                row_obs, row_notes = self.total(row, _total_period(months, period))
                observations += row_obs
                notes += row_notes
                continue
            # a row of values without a label: below the rows, a printed sum without its label; among them, values
            # nobody can attribute. Never a figure of its own; a sum is checked like a total.
            differs = [f"{self.columns[n].header} {self.cells(row)[n]} where the rows add up to {self.sums[n]:,.0f}"
                       for n, fig in enumerate(self.figures[row.line])
                       if (v := _count(fig)) is not None and abs(v - self.sums[n]) >= 0.5]
            if row.line > last_data:
                reason = ("a row of values without a label below the table's rows: a printed sum without its label, "
                          "not imported as a figure of its own; " + ("it equals the rows' sums" if not differs else
                                                                     "it does not equal the rows' sums (see notes)"))
                notes += [f"{doc.name}: table {table.title}, line {row.line}: the unlabelled sum row prints {d}"
                          for d in differs]
            else:
                reason = "a row of values without a label among the table's rows: its figures cannot be attributed"
                notes.append(f"{doc.name}: table {table.title}, line {row.line}: a row of values without a label "
                             "among the rows is not imported")
            skipped.append(Skipped(doc.sha256, self.where(row), reason))
        return observations, skipped, notes

    def total(self, row: Row, period: Period) -> tuple[list[dict], list[str]]:
        """A total row: each cell the total of its column, with a note where it differs from the rows' sum.

        A lone printed cell that differs from its column's sum but equals the sum over all the table's columns is a
        grand total printed under the wrong column (2022Q3: 'Total 14,366' under Media Reports, = media reports +
        escalations). Where the table shows what that grand total is (a by-row total column, such as 'Total by
        month', whose cell in the row is empty; or one measure the columns share, whose total has no breakdown by
        column) it is stored as that, with a note; else it stays under its column, flagged by the note."""
        keys = self.keys()
        figures = self.figures[row.line]
        printed = [n for n, fig in enumerate(figures) if fig is not None and fig.value is not None]
        out, notes = [], []
        for number in range(len(self.columns)):
            if not self.cells(row)[number]:
                continue  # a total row's empty cell: no total printed for that column
            value = _count(figures[number])
            if value is None or abs(value - self.sums[number]) < 0.5:
                out.append(self.observation(row, number, keys, period))
                continue
            header = self.columns[number].header
            note = (f"{self.doc.name}: table {self.table.title}, line {row.line}: printed {row.label} {header} "
                    f"{self.cells(row)[number]} but its rows add up to {self.sums[number]:,.0f}")
            parts = self.part_columns()
            if printed == [number] and len(parts) >= 2 and abs(sum(self.sums[p] for p in parts) - value) < 0.5:
                over = " + ".join(self.columns[p].header for p in parts)
                target = self.grand_total_column(figures, row.label)
                if target is not None:
                    out.append(self.observation(row, number, keys, period, target,
                                                " (printed there: the total over the columns)"))
                    breakdown = target.metric.get("breakdown") or "no breakdown"
                    notes.append(f"{note}; it equals {over}, the total over the columns, which the table shows to be "
                                 f"{target.header!r}: stored as that ({target.metric['metric']}, {breakdown})")
                    continue
                note += f" (it equals {over}, but the table does not show which measure that is; kept as printed)"
            notes.append(note)
            out.append(self.observation(row, number, keys, period))
        return out, notes

    def row_total_columns(self) -> list[int]:
        """Columns whose every row equals the sum of the row's other count columns (a 'Month Total' column)."""
        out = []
        for k in range(len(self.columns)):
            rows = [self.figures[r.line] for r in self.data]
            if rows and all(
                    (own := _count(figs[k])) is not None
                    and len(others := [v for n, f in enumerate(figs) if n != k and (v := _count(f)) is not None]) >= 2
                    and abs(sum(others) - own) < 0.5 for figs in rows):
                out.append(k)
        return out

    def part_columns(self) -> list[int]:
        """The count columns that are not by-row totals of the others."""
        totals = self.row_total_columns()
        return [n for n in range(len(self.columns)) if n not in totals
                and any(_count(self.figures[r.line][n]) is not None for r in self.data)]

    def grand_total_column(self, figures: list, label: str) -> Column | None:
        """What a grand total over the columns is, as the table shows it: its by-row total column when the total row
        leaves that column's cell empty, else the measure all part columns share without their breakdowns."""
        empty = [k for k in self.row_total_columns() if figures[k] is None]
        if len(empty) == 1:
            return self.columns[empty[0]]
        if self.row_total_columns():
            return None
        mapped = [self.columns[p].metric for p in self.part_columns()]
        if any(m.get("unmapped") == "yes" or not m["metric"] for m in mapped) or len({m["metric"] for m in mapped}) != 1:
            return None
        shared = set(parse_breakdown(mapped[0]["breakdown"]).items())
        for m in mapped[1:]:
            shared &= set(parse_breakdown(m["breakdown"]).items())
        common = {k: v for k, v in parse_breakdown(mapped[0]["breakdown"]).items() if (k, v) in shared}
        return Column(label, {"metric": mapped[0]["metric"], "breakdown": format_breakdown(common)})


def _kind_of(period: Period) -> str:
    label = period.label
    return ("quarter" if "-Q" in label else "half-year" if "-H" in label else "year" if len(label) == 4
            else "period")


def _total_period(months: list[Period], period: Period) -> Period:
    """The period a total of month rows covers: the file's period, or the months printed when they are fewer
    (consecutive months inside it); months outside the period leave the total as the file's period's."""
    if not months or not all(inside(m, period) for m in months):
        return period
    ordered = sorted(months, key=lambda m: m.start)
    consecutive = all((b.start - a.end).days == 1 for a, b in zip(ordered, ordered[1:], strict=False))
    return span(ordered[0].start, ordered[-1].end) if consecutive else period
