"""One Discord table's figures: each data cell an observation broken down by its row (a month, a policy category, a
country, a request type), each total-row cell the printed total, checked against the sum of the rows above it."""
from __future__ import annotations

from dataclasses import dataclass, field

from collectors.discord.periods import inside, kind_of, month_of, total_period
from collectors.discord.rows import Row
from collectors.discord.source import SOURCE, label_mapping
from collectors.discord.tables import Table, is_total, row_kind
from reports.ingest.collector import Skipped
from reports.model.documents import Document
from reports.model.numbers import Figure, parse_figure
from reports.model.periods import Period
from reports.model.schema import format_breakdown, observation, parse_breakdown
from reports.model.vocab import UNMAPPED_AREA, UNMAPPED_METRIC, csv_line, record_unmapped


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


def count(fig: Figure | None) -> float | None:
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
        """The reader of one table: its tables.csv row, kind of rows and columns, its figures read once."""
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
        reader.sums = [sum(v for r in reader.data if (v := count(reader.figures[r.line][n])) is not None)
                       for n in range(len(reader.columns))]
        return reader

    def where(self, row: Row) -> str:
        """How a locator names a row."""
        return f"line {row.line} (table {self.table.title}, row {row.label or '(no label)'})"

    def cells(self, row: Row) -> list[str]:
        """A row's value cells, one per column ('' where none is printed)."""
        return (row.cells + [""] * len(self.columns))[:len(self.columns)]

    def read_figures(self, row: Row) -> list[Figure | None]:
        """A row's cells read as figures (None where nothing is printed)."""
        out = []
        for cell, column in zip(self.cells(row), self.columns, strict=True):
            found = parse_figure(cell, file=str(self.doc.path), place=f"line {row.line}, column {column.header!r}",
                                 lenient=True)
            out.append(found[0] if found else None)
        return out

    def keys(self) -> dict:
        """What every figure of the table says before its row does: its region, policy and breakdown parts."""
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
        table, doc = self.table, self.doc
        skipped, notes = [], []
        if table.shifted:
            notes.append(f"{doc.name}: table {table.title}, line {table.line}: values are printed one row below their "
                         "labels (the first row repeats the header); read realigned with their labels")
        observations, months = self.data_rows(skipped)
        last_data = self.data[-1].line if self.data else 0
        for row in table.rows:
            if row.label and not is_total(row.label):
                continue
            if row.label:
                row_obs, row_notes = self.total(row, total_period(months, self.period))
                observations += row_obs
                notes += row_notes
                continue
            row_skipped, row_notes = self.unlabelled_row(row, last_data)
            skipped.append(row_skipped)
            notes += row_notes
        return observations, skipped, notes

    def data_rows(self, skipped: list[Skipped]) -> tuple[list[dict], list[Period]]:
        """The data rows' figures, and the months the rows name; a month outside the file's period is listed in
        `skipped`, its figures not imported."""
        period = self.period
        observations, months = [], []
        for row in self.data:
            keys, row_period = self.row_keys(row)
            if row_period is not None:
                months.append(row_period)
                if not inside(row_period, period):
                    what = kind_of(period)
                    skipped.append(Skipped(self.doc.sha256, self.where(row), f"month {row.label} lies outside the file's "
                                           f"{what} {period.label}; its monthly figures are not imported (the "
                                           f"table's total is, as the {what}'s)"))
                    continue
            observations += [self.observation(row, n, keys, row_period or period) for n in range(len(self.columns))]
        return observations, months

    def unlabelled_row(self, row: Row, last_data: int) -> tuple[Skipped, list[str]]:
        """A row of values without a label: below the rows, a printed sum without its label; among them, values
        nobody can attribute. Never a figure of its own; a sum is checked like a total."""
        doc, table = self.doc, self.table
        differs = [f"{self.columns[n].header} {self.cells(row)[n]} where the rows add up to {self.sums[n]:,.0f}"
                   for n, fig in enumerate(self.figures[row.line])
                   if (v := count(fig)) is not None and abs(v - self.sums[n]) >= 0.5]
        if row.line > last_data:
            reason = ("a row of values without a label below the table's rows: a printed sum without its label, "
                      "not imported as a figure of its own; " + ("it equals the rows' sums" if not differs else
                                                                 "it does not equal the rows' sums (see notes)"))
            notes = [f"{doc.name}: table {table.title}, line {row.line}: the unlabelled sum row prints {d}"
                     for d in differs]
        else:
            reason = "a row of values without a label among the table's rows: its figures cannot be attributed"
            notes = [f"{doc.name}: table {table.title}, line {row.line}: a row of values without a label "
                     "among the rows is not imported"]
        return Skipped(doc.sha256, self.where(row), reason), notes

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
            value = count(figures[number])
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
                    (own := count(figs[k])) is not None
                    and len(others := [v for n, f in enumerate(figs) if n != k and (v := count(f)) is not None]) >= 2
                    and abs(sum(others) - own) < 0.5 for figs in rows):
                out.append(k)
        return out

    def part_columns(self) -> list[int]:
        """The count columns that are not by-row totals of the others."""
        totals = self.row_total_columns()
        return [n for n in range(len(self.columns)) if n not in totals
                and any(count(self.figures[r.line][n]) is not None for r in self.data)]

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
