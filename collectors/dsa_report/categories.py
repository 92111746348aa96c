"""Parts 3-6 (member-state orders, notices, own-initiative measures): one row per statement category or keyword,
and per scope in part 3, with one column per indicator. A keyword takes the policy area of the category row above
it; a category or keyword we do not know is kept, under UNMAPPED."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from collectors.dsa_report.mappings import CATEGORY_CODE, category_area, indicator, record_unknown_area
from collectors.dsa_report.parts import column
from collectors.dsa_report.rows import add, check_row, fill_down, has_figures
from collectors.dsa_report.scopes import PLACEHOLDER, geographic_scope
from collectors.dsa_report.tables import Report, Scope, Table, label_mapping, norm
from reports.model import vocab

KEYWORD_CODE = re.compile(r"^KEYWORD_[A-Z0-9_]+$")
TEMPLATE_OTHER = 'text to detail the "other" keyword.'
# An indicator column: its index, its header cell, its row of indicators.csv, and its contextual information's column.
ValueColumn = tuple[int, str, dict[str, str], int | None]


@dataclass
class Columns:
    """Where a part 3-6 table keeps its labels and its figures."""

    header: list[str]
    category: int
    other: int | None  # the description of a KEYWORD_OTHER row
    scope: int | None
    service: int | None
    period: int | None
    applicability: int | None
    section: int | None
    values: list[ValueColumn] = field(default_factory=list)

    @classmethod
    def find(cls, header: list[str], category: int) -> Columns:
        return cls(header, category, other=column(header, "description of the sub-category"),
                   scope=column(header, "scope"), service=column(header, "service"),
                   period=column(header, "reporting period"), applicability=column(header, "applicability"),
                   section=column(header, "section"))

    @property
    def structural(self) -> set[int | None]:
        """Columns that label rows. Columns left of the category (applicability, service, period, a filer's category
        label, whatever a filer typed into their header cell) are labels; the indicators follow the category."""
        return {self.applicability, self.section, self.service, self.period, self.category, self.other, self.scope,
                *range(self.category)}

    def labels(self) -> list[int]:
        """The label columns whose cells filers merge over several rows."""
        labels = [i for i in (self.applicability, self.section, self.service, self.period) if i is not None]
        if self.scope is not None:
            labels.append(self.category)  # category x scope: the category cell may be merged over its scopes
        return labels

    def has_figure(self, row: list[str]) -> bool:
        return any(row[i].strip() for i, *_ in self.values)

    def has_content(self, row: list[str]) -> bool:
        return self.has_figure(row) or (self.scope is not None and bool(row[self.scope].strip()))


def read_categories(table: Table, report: Report) -> None:
    """Parts 3-6: one row per category (and scope, in part 3), one column per indicator."""
    columns = category_columns(table, report)
    if columns is None:
        return
    rows = table.numbered()
    if filled := fill_down(rows, columns.labels(), columns.has_content):
        report.note(f"{table.where()}: {filled} blank label cell(s) below a filled one (merged cells) read as the "
                    "value above")
    reader = CategoryRows(table, report, columns)
    for number, row in rows:
        reader.read(number, row)


def category_columns(table: Table, report: Report) -> Columns | None:
    """The table's label and indicator columns; None (the table skipped, saying why) where it has no category
    column, no indicator column, or no figures."""
    at_category = column(table.header, "category of ")
    if at_category is None:
        report.skip(table, table.where(1 + table.offset), "no 'Category of ...' column: the rows cannot be told apart")
        report.note(f"{table.where(1 + table.offset)}: no 'Category of ...' column; the part is not imported")
        return None
    columns = Columns.find(table.header, at_category)
    columns.values = indicator_columns(table, columns)
    if not columns.values:
        report.skip(table, table.where(1 + table.offset), "no indicator columns")
        return None
    if not has_figures(table, [index for index, *_ in columns.values]):
        report.skip(table, table.where(), "part left as the empty template (no figures)")
        return None
    return columns


def indicator_columns(table: Table, columns: Columns) -> list[ValueColumn]:
    """Every column that labels no row and is no contextual information, with the indicator it maps to."""
    header, structural = table.header, columns.structural
    values: list[ValueColumn] = []
    for index, label in enumerate(header):
        key = norm(label)
        if index in structural or key.startswith("contextual information") or not key:
            continue
        spec = indicator(table.part, label, "", file=table.doc.path, place=table.where(1 + table.offset, label))
        if spec["metric"]:
            values.append((index, label, spec, column(header, f"contextual information on {key}")))
    return values


class CategoryRows:
    """A part 3-6 table's rows, read in order: a keyword row belongs to the statement category row above it, and a
    figure's unit may be stated in the first contextual information its column gives."""

    def __init__(self, table: Table, report: Report, columns: Columns) -> None:
        self.table, self.report, self.columns = table, report, columns
        self.file = table.doc.path
        self.parent_area, self.parent_label = "", ""
        self.first_context: dict[int, str] = {}
        self.keywords = label_mapping("keywords")
        self.unlabelled = [i for i, label in enumerate(columns.header) if not norm(label) and i not in columns.structural]

    def read(self, number: int, row: list[str]) -> None:
        """One row: checked, its policy area read, then one observation (or two, for a range) per indicator."""
        table, report, columns = self.table, self.report, self.columns
        check_row(table, row, number, report, width=len(columns.header), at_service=columns.service,
                  at_period=columns.period, unlabelled=self.unlabelled)
        code = row[columns.category].strip()
        scope = row[columns.scope].strip() if columns.scope is not None else ""
        if not code or (columns.scope is not None and not scope):
            if columns.has_figure(row):
                missing = "category" if not code else "scope"
                report.skip(table, table.where(number), f"figures in a row without a {missing}")
                report.note(f"{table.where(number)}: figures in a row without a {missing}; not imported")
            return
        area, breakdown = self.policy_area(code, row, table.where(number, columns.header[columns.category]))
        if columns.scope is not None and PLACEHOLDER.search(scope) and not columns.has_figure(row):
            report.skip(table, table.where(number), f"the template's placeholder scope {scope!r} left without a figure")
            return
        where = Scope("EU") if columns.scope is None else geographic_scope(
            table, scope, report, table.where(number, columns.header[columns.scope]))
        self.add_figures(number, row, code, scope, where, area, breakdown)

    def policy_area(self, code: str, row: list[str], place: str) -> tuple[str, dict[str, str]]:
        """A row's policy area and breakdown from its category cell: TOTAL, a statement category (the parent of the
        keyword rows below it), a keyword, or a label that is neither (kept, UNMAPPED, recorded)."""
        if norm(code) == "total":
            self.parent_area, self.parent_label = "", ""
            return "ALL", {}
        if CATEGORY_CODE.match(code):
            self.parent_area, self.parent_label = category_area(code, file=self.file, place=place), code
            return self.parent_area, {}
        if KEYWORD_CODE.match(code):
            return self.keyword(code, row, place)
        # Neither TOTAL nor a template code (a category by name, a filer's own code): kept verbatim, flagged.
        record_unknown_area(code, file=self.file, place=place)
        self.parent_area, self.parent_label = vocab.UNMAPPED_AREA, code
        return vocab.UNMAPPED_AREA, {}

    def keyword(self, code: str, row: list[str], place: str) -> tuple[str, dict[str, str]]:
        """A keyword row: its category's policy area where both are known, else UNMAPPED with its category in the
        breakdown; what a filer wrote for KEYWORD_OTHER is kept as `other=`."""
        breakdown = {"keyword": code}
        known = code in self.keywords and not self.keywords.lookup(code).get("unmapped")
        if not known:
            self.keywords.lookup(code, file=self.file, place=place)  # records it
        if known and self.parent_area and self.parent_area != vocab.UNMAPPED_AREA:
            area = self.parent_area
        else:
            area = vocab.UNMAPPED_AREA
            if self.parent_label:
                breakdown["category"] = self.parent_label
            else:
                self.report.note(f"{place}: keyword {code} before any STATEMENT_CATEGORY row; kept as UNMAPPED")
        other = row[self.columns.other].strip() if self.columns.other is not None else ""
        if code == "KEYWORD_OTHER" and other and norm(other) != TEMPLATE_OTHER:
            breakdown["other"] = " ".join(other.split())
        return area, breakdown

    def add_figures(self, number: int, row: list[str], code: str, scope: str, where: Scope, area: str,
                    breakdown: dict[str, str]) -> None:
        """The observations of a row's indicator cells."""
        for index, label, spec, at_context in self.columns.values:
            context = row[at_context] if at_context is not None else ""
            if at_context is not None and index not in self.first_context:
                self.first_context[index] = context
            add(self.report, self.table, number=number, label=label, cell=row[index], spec=spec, region=where.region,
                breakdown={**where.breakdown, **breakdown}, policy_area=area, policy_label=code,
                what=f"{code}" + (f", {scope}" if scope else ""), contexts=(context, self.first_context.get(index, "")))
