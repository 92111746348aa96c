"""Microsoft's Digital Safety Content Report: one XLSX per half year, small tables stacked on one sheet.

Tables are found by their layout (a title with a period label left of it, headers below, values below those),
never by fixed cell addresses or known titles, because rows move and tables come and go between editions; titles
and headers are then mapped (`collectors/microsoft_dsc/mappings/`), and one no row covers is kept verbatim and
flagged. Notes under the tables carry facts (the total of reports
to NCMEC) and sometimes name a period other than the one the edition covers; both are read with patterns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reports.ingest.collector import Collector, ParseResult, edition_meta
from reports.ingest.workbook import open_workbook
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import TEXT, is_missing, parse_figure, parse_number
from reports.model.periods import Period, parse_period, period_from_name
from reports.model.schema import frame, observation
from reports.model.vocab import UNMAPPED_METRIC, mappings_in, metrics, record_unmapped

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in("microsoft-dsc", FOLDER / "mappings")

# A printed figure: a number, or text such as "15,935*" where the asterisk points at a footnote.
FIGURE_TEXT = re.compile(r"^\s*([\d,]+(?:\.\d+)?)\s*(\*+)\s*$")
# "The total NCMEC CyberTip Reports for this period is 32,622."
NCMEC_NOTE = re.compile(r"total NCMEC CyberTip(?:line)? Reports? for this period is\s+([\d,]+)", re.IGNORECASE)
# "Data in this report represents January to June 2020" (the year is sometimes left out).
NOTE_PERIOD = re.compile(r"Data in this report represents\s+(?P<stated>([A-Za-z]+)\s*(?:to|-|–)\s*([A-Za-z]+)(?:\s+(\d{4}))?)",
                         re.IGNORECASE)
# The NCMEC total covers every consumer service, so it is filed under the child-safety policy area, company-wide.
NCMEC_PLATFORM = "microsoft"
# A table no mapping covers is filed under the company that publishes the report.
PUBLISHER = "microsoft"
NCMEC_POLICY_AREA = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
NCMEC_POLICY_LABEL = "Child Sexual Exploitation & Abuse Imagery (CSEAI)"
NCMEC_METRIC_LABEL = "The total NCMEC CyberTip Reports for this period"


@dataclass(frozen=True)
class Table:
    """One titled table: its title cell, the period cell beside it, and its header cells (values sit below)."""

    title: Cell
    period: Period
    period_cell: Cell
    headers: list[Cell]


class MicrosoftDSC(Collector):
    id = "microsoft-dsc"
    version = "2"
    patterns = ("*.xlsx",)

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read every titled table, the NCMEC total in the notes, and any note naming another period."""
        (doc,) = documents
        book = load_book(doc)
        rows, notes, editions = [], [], set()
        for sheet in book.worksheets:
            tables = find_tables(sheet, doc)
            editions |= {t.period for t in tables}
            edition = edition_period(tables, doc, sheet)
            if edition is None:
                continue
            for table in tables:
                rows += table_rows(table, sheet, doc)
            rows += ncmec_rows(sheet, tables, edition)
            notes += period_discrepancies(sheet, tables, edition, doc)
            notes += footnoted_figures(tables, sheet, doc)
            notes += [f"{doc.name} {place(sheet, t.title)}: no period label beside table {text_of(t.title)!r}; "
                      f"recorded for {t.period.label}, the period the file name states" for t in tables
                      if t.period_cell is t.title]
        if len(editions) != 1:
            raise ParseError(f"expected one reporting period per edition, found {sorted(p.label for p in editions)}",
                             file=doc.path, source=self.id)
        (edition,) = editions
        return ParseResult(frame(rows), notes=notes,
                           document_meta={doc.sha256: edition_meta(edition.label, edition.end)})


def load_book(doc: Document):
    """Open the workbook with cached values (the figures as Excel last showed them)."""
    return open_workbook(doc.read_bytes(), file=doc.path, read_only=False)


def place(sheet: Worksheet, cell: Cell) -> str:
    return f"{sheet.title}!{cell.coordinate}"


def text_of(cell: Cell | None) -> str:
    return " ".join(str(cell.value).split()) if cell is not None and isinstance(cell.value, str) else ""


def is_figure(cell: Cell) -> bool:
    """A printed number: numeric cell, or text like '15,935*'."""
    value = cell.value
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or (isinstance(value, str) and bool(FIGURE_TEXT.match(value)))


def find_tables(sheet: Worksheet, doc: Document) -> list[Table]:
    """A table is a title cell with a period label left of it on its row, text headers below it and values below
    them. The title need not be mapped: a new table is read all the same (its title kept verbatim and flagged)."""
    titles = label_mapping("tables")
    found = []
    for row in sheet.iter_rows():
        for cell in row:
            if not text_of(cell) or cell.row + 2 > sheet.max_row:
                continue
            below = sheet.cell(cell.row + 1, cell.column)
            first_value = sheet.cell(cell.row + 2, cell.column)
            if not text_of(below) or first_value.value is None or str(first_value.value).strip() == "":
                continue
            beside = period_beside(sheet, cell)
            if beside is None:
                if not is_figure(first_value):
                    continue  # notes stacked under one another, not a table
                # laid out as a table, but no period label beside it: the period the file's name states, if any
                named = period_from_name(doc.path.name)
                if named is None:
                    raise ParseError(f"no period label left of table title {text_of(cell)!r} and none in the file "
                                     "name", file=doc.path, place=place(sheet, cell))
                beside = (cell, named)
            titles.lookup(text_of(cell), file=doc.path, place=place(sheet, cell))
            period_cell, period = beside
            found.append(Table(cell, period, period_cell, header_cells(sheet, cell)))
    return found


def period_beside(sheet: Worksheet, title: Cell) -> tuple[Cell, Period] | None:
    """The period label is the nearest cell to the left of the title, on the title's row, that reads as one."""
    for column in range(title.column - 1, 0, -1):
        cell = sheet.cell(title.row, column)
        if text_of(cell):
            try:
                return cell, parse_period(text_of(cell))
            except ParseError:
                continue
    return None


def header_cells(sheet: Worksheet, title: Cell) -> list[Cell]:
    """Headers run right from the title's column until an empty header or the next table's title."""
    headers = []
    for column in range(title.column, sheet.max_column + 1):
        header = sheet.cell(title.row + 1, column)
        next_title = sheet.cell(title.row, column)
        if not text_of(header) or (column > title.column and text_of(next_title)):
            break
        headers.append(header)
    return headers


def edition_period(tables: list[Table], doc: Document, sheet: Worksheet) -> Period | None:
    """Every table on a sheet must be labelled with the same period: the one the edition covers."""
    periods = {t.period for t in tables}
    if len(periods) > 1:
        where = ", ".join(f"{place(sheet, t.period_cell)}={text_of(t.period_cell)!r}" for t in tables)
        raise ParseError(f"tables name different periods: {where}", file=doc.path, place=sheet.title)
    return next(iter(periods), None)


def table_rows(table: Table, sheet: Worksheet, doc: Document) -> list[dict]:
    """One observation per header: the figure printed below it, with its unit checked against the metric's.

    A title or header no mapping covers keeps Microsoft's words (policy area UNMAPPED, metric unmapped, the figure
    in the unit it is printed in); an unmapped table is filed under Microsoft, the company that publishes the
    report, never under a guessed service."""
    target = label_mapping("tables").lookup(text_of(table.title))
    platform = target["platform"] if not target.get("unmapped") else PUBLISHER
    labels = label_mapping("metrics")
    rows = []
    for header in table.headers:
        cell = sheet.cell(header.row + 1, header.column)
        where = place(sheet, cell)
        metric = labels.lookup(text_of(header), file=doc.path, place=place(sheet, header))["metric"]
        printed_unit = "ratio" if "%" in (cell.number_format or "") else "count"
        unit = metrics()[metric]["unit"] if metric != UNMAPPED_METRIC else printed_unit
        if is_figure(cell) and printed_unit != unit:
            # the header is mapped to a measure of another unit: keep the figure as printed, flagged, not converted
            record_unmapped("microsoft-dsc", "metrics", f"{text_of(header)} (printed as a {printed_unit})",
                            file=doc.path, place=where, mapping_file=labels.relative_path,
                            suggestion=f"{text_of(header)!r} is mapped to {metric} (a {unit}) but printed as a "
                                       f"{printed_unit}: check the edition and the mapping")
            metric, unit = UNMAPPED_METRIC, printed_unit
        value, qualifier = figure_value(cell, doc, where)
        rows.append(observation(
            platform=platform, period=table.period, metric=metric, metric_label=text_of(header),
            policy_area=target["policy_area"], policy_label=text_of(table.title), breakdown=target["breakdown"],
            value=value, unit=unit, value_text=displayed(cell), qualifier=qualifier, locator=where))
    return rows


def figure_value(cell: Cell, doc: Document, where: str) -> tuple[float | None, str]:
    """The number in a cell and its qualifier: footnote markers ('15,935*') are dropped from the value and kept in
    value_text; words where a number belongs give no value and the qualifier `text`."""
    value = cell.value
    if isinstance(value, str) and (match := FIGURE_TEXT.match(value)):
        return parse_number(match[1], file=str(doc.path), place=where), ""
    if isinstance(value, str) and not is_missing(value):
        figures = parse_figure(value, file=str(doc.path), place=where, lenient=True)
        return (figures[0].value, figures[0].qualifier) if len(figures) == 1 else (None, TEXT)
    return parse_number(value, file=str(doc.path), place=where), ""


def displayed(cell: Cell) -> str:
    """The cell as Excel shows it, from its number format ('0.0%' -> '99.8%', '#,##0' -> '84,581')."""
    value, fmt = cell.value, cell.number_format or "General"
    if value is None or isinstance(value, str):
        return "" if value is None else str(value).strip()
    if "%" in fmt:
        decimals = len(fmt.split(".", 1)[1].split("%")[0]) if "." in fmt.split("%")[0] else 0
        return f"{value * 100:.{decimals}f}%"
    if "#,##0" in fmt:
        return f"{value:,.0f}"
    return str(value)


def note_cells(sheet: Worksheet, tables: list[Table]):
    """Text cells that are not part of a table (title, period label, header): the notes and footnotes."""
    parts = {c.coordinate for t in tables for c in (t.title, t.period_cell, *t.headers)}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.coordinate not in parts and not is_figure(cell):
                yield cell


def ncmec_rows(sheet: Worksheet, tables: list[Table], edition: Period) -> list[dict]:
    """The total of NCMEC CyberTip reports stated in a note, recorded for the period the edition covers."""
    rows = []
    for cell in note_cells(sheet, tables):
        if match := NCMEC_NOTE.search(cell.value):
            rows.append(observation(
                platform=NCMEC_PLATFORM, period=edition, metric="ncmec_reports", metric_label=NCMEC_METRIC_LABEL,
                policy_area=NCMEC_POLICY_AREA, policy_label=NCMEC_POLICY_LABEL, value=parse_number(match[1]),
                value_text=match[1], locator=place(sheet, cell)))
    return rows


def period_discrepancies(sheet: Worksheet, tables: list[Table], edition: Period, doc: Document) -> list[str]:
    """Notes whose stated period differs from the edition's (e.g. 2023-H2's CSEAI note says January to June)."""
    findings = []
    for cell in note_cells(sheet, tables):
        match = NOTE_PERIOD.search(cell.value)
        if not match:
            continue
        first, last, year = match[2], match[3], match[4]
        try:
            stated = parse_period(f"{first} - {last} {year or edition.end.year}")
        except ParseError:
            continue
        same = (stated.start.month, stated.end.month) == (edition.start.month, edition.end.month)
        if same and (not year or stated == edition):
            continue
        findings.append(f"{doc.name} {place(sheet, cell)}: the note says the data represents "
                        f"{match['stated']!r} but the edition covers {edition.label} "
                        f"({edition.start:%B} to {edition.end:%B %Y}); figures there are recorded for {edition.label}")
    return findings


def footnoted_figures(tables: list[Table], sheet: Worksheet, doc: Document) -> list[str]:
    """A figure printed with '*' points at a footnote (e.g. a restated number): report both."""
    footnotes = [c for c in note_cells(sheet, tables) if c.value.lstrip().startswith("*")]
    findings = []
    for table in tables:
        for header in table.headers:
            cell = sheet.cell(header.row + 1, header.column)
            if isinstance(cell.value, str) and (match := FIGURE_TEXT.match(cell.value)):
                marker = match[2]
                text = next((f"{text_of(f)!r} ({place(sheet, f)})" for f in footnotes
                             if f.value.lstrip().startswith(marker)), "no footnote found")
                findings.append(f"{doc.name} {place(sheet, cell)}: {text_of(header)} printed as {cell.value!r}; "
                                f"footnote: {text}")
    return findings
