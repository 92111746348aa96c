"""EU DSA harmonised transparency reports (Implementing Regulation (EU) 2024/2835, Annex I): CSV parts, a ZIP of
them, or an XLSX workbook with one sheet per part. Parts are recognised by their content, never by name alone."""
from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl

from reports import vocab
from reports.collector import Collector, ParseResult, Skipped, edition_meta
from reports.documents import Document
from reports.errors import ParseError, UnmappedLabel
from reports.numbers import parse_figure
from reports.periods import Period, span
from reports.safezip import iter_files, open_zip
from reports.schema import frame, observation, parse_breakdown
from reports.textio import decode_text

SOURCE = "dsa-report"
PART_NAMES = {1: "report identification", 2: "category names", 3: "member-state orders", 4: "notices",
              5: "own-initiative measures (illegal content)", 6: "own-initiative measures (terms and conditions)",
              7: "complaints, disputes and suspensions", 8: "automated means", 9: "human resources",
              10: "average monthly active recipients", 11: "qualitative information"}
# `... - 4_notices.csv`, `4_notices.csv`: the number before the underscore names the part.
PART_FILE = re.compile(r"^(?P<prefix>.*?)(?P<part>\d{1,2})_[^\\/]*\.csv$", re.I)
DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
ROW_PERIOD = re.compile(r"^(\d{4})[-/.](\d{2})[-/.](\d{2})\s*/\s*(\d{4})[-/.](\d{2})[-/.](\d{2})$")
TEMPLATE_OTHER = 'text to detail the "other" keyword.'
# Unit words a filer may state in a figure's contextual information, as hours per unit.
STATED_UNITS = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0}


def norm(text: object) -> str:
    """A label as compared: whitespace collapsed, case folded."""
    return " ".join(str(text or "").split()).casefold()


@dataclass
class Table:
    """One part as published: a CSV file, a CSV inside a ZIP, or a worksheet."""

    doc: Document
    name: str
    rows: list[list[str]]
    order: int
    part: int | None = None

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


# -- reading ---------------------------------------------------------------------------------------------------

def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as some filers save it; anything else is an error."""
    return decode_text(data, file=name, allow_cp1252=True)


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a CSV text, without rows that are entirely empty."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ParseError(f"not a readable CSV ({exc})") from None
    return [row for row in rows if any(cell.strip() for cell in row)]


def cell_text(value: object) -> str:
    """A worksheet cell as the text a CSV of it would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def xlsx_sheets(data: bytes, name: str) -> list[tuple[str, list[list[str]]]]:
    """Every worksheet of a workbook as (sheet name, rows)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise ParseError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})", file=name) from None
    sheets = []
    for sheet in book.worksheets:
        rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        sheets.append((sheet.title, [r for r in rows if any(c.strip() for c in r)]))
    book.close()
    return sheets


def read_tables(doc: Document) -> list[Table]:
    """The tables one document holds: itself (CSV), its members (ZIP) or its sheets (XLSX)."""
    data = doc.read_bytes()
    return tables_from_bytes(doc, doc.name, data)


def tables_from_bytes(doc: Document, name: str, data: bytes) -> list[Table]:
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            return [Table(doc, name, csv_rows(decode(data, name)), 0)]
        except ParseError as exc:
            raise ParseError(exc.message, file=doc.path, place=name if name != doc.name else None) from None
    if suffix == ".xlsx":
        return [Table(doc, f"{name} sheet {title!r}", rows, number)
                for number, (title, rows) in enumerate(xlsx_sheets(data, name))]
    if suffix == ".zip":
        archive = open_zip(io.BytesIO(data), name=str(doc.path))
        tables: list[Table] = []
        for info, member in sorted(iter_files(archive, name=str(doc.path)), key=lambda m: natural(m[0].filename)):
            if Path(info.filename).suffix.lower() in (".csv", ".xlsx") and not Path(info.filename).name.startswith("."):
                for table in tables_from_bytes(doc, f"{name}:{info.filename}", member):
                    table.order = len(tables)
                    tables.append(table)
        return tables
    raise ParseError(f"not a CSV, XLSX or ZIP file ({suffix or 'no suffix'})", file=doc.path)


def natural(text: str) -> list:
    """Sort key putting `10_AMAR` after `9_human_resources`."""
    return [int(piece) if piece.isdigit() else piece.casefold() for piece in re.split(r"(\d+)", text)]


# -- recognising parts ------------------------------------------------------------------------------------------

def column(header: list[str], *prefixes: str) -> int | None:
    """The index of the first header cell starting with one of the prefixes (compared normalised)."""
    cells = [norm(c) for c in header]
    for prefix in prefixes:
        for index, cell in enumerate(cells):
            if cell.startswith(prefix):
                return index
    return None


def identify(table: Table) -> int | None:
    """The template part a table is, from its header and indicators; 56 = part 5 or 6 (decided by order)."""
    header = table.header
    cells = [norm(c) for c in header]
    if column(header, "number of orders to act against illegal content") is not None:
        return 3
    if column(header, "number of notices received") is not None:
        return 4
    if column(header, "number of measures taken at the provider") is not None:
        if column(header, "category of illegal content") is not None:
            return 5
        if column(header, "category of incompatibility") is not None:
            return 6
        return 56
    if column(header, "category description") is not None:
        return 2
    if "indicator" in cells and "value" in cells:
        at = cells.index("indicator")
        indicators = " | ".join(norm(row[at]) for row in table.rows[1:] if len(row) > at)
        if "name of the service provider" in indicators or "starting date of reporting period" in indicators:
            return 1
        if "scope" in cells:
            for part, words in ((10, "average monthly active recipients"), (9, "moderators"), (8, "automated means"),
                                (7, "complaint")):
                if words in indicators:
                    return part
        elif indicators:
            return 11
    return None


def looks_like_part(header: list[str]) -> bool:
    """A header row of the EU template (any part), for sniffing files found outside the source's folder."""
    cells = {norm(c) for c in header}
    if "category description" in cells and "category label" in cells:
        return True
    return "service" in cells and ("indicator" in cells or column(header, "category of ") is not None)


def header_is_part(head: bytes, name: str) -> bool:
    """Whether the first line of a CSV's bytes is a header of the EU template."""
    first = head.lstrip().split(b"\n", 1)[0]
    rows = csv_rows(decode(first, name)) if first.strip() else []
    return bool(rows) and looks_like_part(rows[0])


def assign_parts(tables: list[Table]) -> None:
    """Set each table's part; parts 5 and 6 with a localised category header go by file name, then order."""
    for table in tables:
        table.part = identify(table)
    undecided = [t for t in tables if t.part == 56]
    for table in undecided:
        hint = PART_FILE.match(Path(table.name.split(":")[-1]).name)
        if hint and hint["part"] in ("5", "6"):
            table.part = int(hint["part"])
    undecided = [t for t in tables if t.part == 56]
    taken = {t.part for t in tables}
    for table, part in zip(sorted(undecided, key=lambda t: (t.doc.name, t.order)), [p for p in (5, 6) if p not in taken],
                           strict=False):
        table.part = part
    for table in tables:
        if table.part == 56:
            raise ParseError("a third own-initiative table: cannot tell whether it is part 5 or 6",
                             file=table.doc.path, place=table.name)


# -- mappings ---------------------------------------------------------------------------------------------------

@functools.cache
def indicator_rows() -> dict[tuple[int, str, str], dict[str, str]]:
    """`indicators.csv` keyed by (part, indicator, scope), all normalised; scope '' covers any geographic scope."""
    table = vocab.mapping(SOURCE, "indicators")  # validates the metric ids against the vocabulary
    with table.path.open(newline="", encoding="utf-8") as handle:
        return {(int(r["part"]), norm(r["indicator"]), norm(r["scope"])): {k: (v or "").strip() for k, v in r.items()}
                for r in csv.DictReader(handle)}


def indicator(part: int, label: str, scope: str, *, file, place) -> dict[str, str]:
    """The metric, unit and breakdown of a template indicator; an indicator no row covers is an error."""
    rows = indicator_rows()
    row = rows.get((part, norm(label), norm(scope))) or rows.get((part, norm(label), ""))
    if row is None:
        where = f"part {part} indicator {label!r}" + (f" scope {scope!r}" if scope else "")
        raise UnmappedLabel(f"{where} is not in reports/mappings/{SOURCE}/indicators.csv; add a row that maps it",
                            file=file, place=place, source=SOURCE)
    return row


def scopes() -> vocab.Mapping:
    return vocab.mapping(SOURCE, "scopes")


def languages() -> vocab.Mapping:
    return vocab.mapping(SOURCE, "languages")


MEMBER_STATES = frozenset({"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
                           "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"})


def member_state(label: str) -> str | None:
    """The ISO code of a member state printed as a scope (EL is the EU's code for Greece), else None."""
    if label.strip() in scopes():
        region = scopes().lookup(label)["region"]
        return region if region in MEMBER_STATES else None
    return None


def total_scope(label: str) -> dict[str, str] | None:
    """The region and breakdown of a total or qualifier scope (TOTAL, Total number, Own-initiative, NAM ...)."""
    if label.strip() in scopes():
        row = scopes().lookup(label)
        if row["region"] not in MEMBER_STATES:
            return row
    return None


# -- values -----------------------------------------------------------------------------------------------------

def figure(cell: str, unit: str, *, file, place) -> tuple[float | None, str]:
    """The value of one cell in the indicator's unit, and its qualifier; empty stays None, zero stays 0.0."""
    figures = parse_figure(cell.strip().strip('"').strip(), file=file, place=place)
    if not figures:
        return None, ""
    if len(figures) != 1:
        raise ParseError(f"a range {cell!r} where one figure was expected", file=file, place=place)
    fig = figures[0]
    if unit == "ratio":
        if fig.unit == "count" and fig.value is not None and fig.value > 1:
            raise ParseError(f"{cell!r} is above 1 without a % sign: not a ratio", file=file, place=place)
        return fig.value, fig.qualifier
    if fig.unit == "ratio":
        raise ParseError(f"a percentage {cell!r} where a {unit} figure was expected", file=file, place=place)
    return fig.value, fig.qualifier


def stated_hours(*contexts: str) -> tuple[float, str]:
    """Hours per printed unit when contextual information states the unit (`in days`), else the template's hours."""
    for text in contexts:
        for word, factor in STATED_UNITS.items():
            if re.search(rf"\b(in|of)\s+{word}\b", text or "", re.I):
                return factor, word
    return 1.0, ""


def row_period(cell: str, report: Report, *, file, place) -> None:
    """A row's reporting period must be the template placeholder, empty, or part 1's period."""
    text = cell.strip()
    if not text or "YYYY" in text.upper():
        return
    m = ROW_PERIOD.match(text)
    if not m:
        raise ParseError(f"cannot read reporting period {cell!r}", file=file, place=place)
    start, end = date(int(m[1]), int(m[2]), int(m[3])), date(int(m[4]), int(m[5]), int(m[6]))
    if (start, end) != (report.period.start, report.period.end):
        raise ParseError(f"reporting period {text} differs from part 1's {report.period.start}/{report.period.end}",
                         file=file, place=place)


def parse_date(text: str, *, file, place) -> date:
    m = DATE.match(text.strip())
    if not m:
        raise ParseError(f"cannot read date {text!r} (expected YYYY-MM-DD)", file=file, place=place)
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise ParseError(f"cannot read date {text!r} ({exc})", file=file, place=place) from None


# -- the parts --------------------------------------------------------------------------------------------------

def platform_of(label: str, *, file, place) -> str:
    return vocab.mapping(SOURCE, "platforms").lookup(label, file=file, place=place)["platform"]


def is_blank_template(table: Table) -> bool:
    """Part 1 as the template prints it (`Text`, `YYYY-MM-DD`), before any filer fills it in."""
    cells = [norm(c) for c in table.header]
    at_value = cells.index("value")
    return all(norm(row[at_value] if len(row) > at_value else "") in ("", "text", "yyyy-mm-dd") for row in table.rows[1:])


def read_identification(table: Table) -> Report:
    """Part 1: service, provider, reporting period and publication date."""
    header = [norm(c) for c in table.header]
    file = table.doc.path
    at_indicator, at_value = header.index("indicator"), header.index("value")
    at_service = header.index("service") if "service" in header else None
    facts: dict[str, str] = {}
    service = ""
    for row in table.rows[1:]:
        cells = row + [""] * (len(header) - len(row))
        facts[norm(cells[at_indicator])] = cells[at_value].strip()
        if at_service is not None and cells[at_service].strip() and not service:
            service = cells[at_service].strip()

    def fact(name: str, required: bool = True) -> str:
        value = facts.get(name, "")
        if required and not value:
            raise ParseError(f"part 1 does not give the {name!r}", file=file, place=table.where())
        return value

    provider = fact("name of the service provider")
    start = parse_date(fact("starting date of reporting period"), file=file, place=table.where(column="Value"))
    end = parse_date(fact("ending date of reporting period"), file=file, place=table.where(column="Value"))
    published_text = fact("date of the publication of the report", required=False)
    published = parse_date(published_text, file=file, place=table.where(column="Value")) if published_text else None
    label = service or provider
    platform = platform_of(label, file=file, place=table.where(column="Service"))
    try:
        period = span(start, end)
    except ParseError as exc:
        raise ParseError(exc.message, file=file, place=table.where()) from None
    return Report(platform=platform, service=label, provider=provider, period=period, published=published)


def has_figures(table: Table, columns: list[int]) -> bool:
    """Whether any figure column holds something (a part left as the empty template has none)."""
    return any(row[i].strip() for row in table.rows[1:] for i in columns if i < len(row))


def check_row(table: Table, row: list[str], number: int, report: Report, *, width: int, at_service: int | None,
              at_period: int | None, unlabelled: list[int] = ()) -> None:
    """A data row's common checks: no value outside the header's columns, the report's service and period."""
    stray = [i for i in range(width, len(row)) if row[i].strip()] + [i for i in unlabelled if row[i].strip()]
    if stray:
        raise ParseError(f"a value {row[stray[0]]!r} in a column without a header", file=table.doc.path,
                         place=table.where(number, f"#{stray[0] + 1}"))
    check_service(table, row, at_service, report, number)
    if at_period is not None:
        row_period(row[at_period], report, file=table.doc.path, place=table.where(number, table.header[at_period]))


def check_service(table: Table, row: list[str], at: int | None, report: Report, number: int) -> None:
    """A row naming a service must name the report's service (a bundle must not mix two reports)."""
    if at is None or at >= len(row) or not row[at].strip():
        return
    name = row[at].strip()
    if platform_of(name, file=table.doc.path, place=table.where(number, "Service")) != report.platform:
        raise ParseError(f"service {name!r} is not the report's service {report.service!r}", file=table.doc.path,
                         place=table.where(number, "Service"))


def add(report: Report, table: Table, *, number: int, label: str, cell: str, spec: dict[str, str], region: str,
        breakdown: dict[str, str], policy_area: str, policy_label: str, what: str, contexts: tuple[str, ...]) -> None:
    """One observation from one cell, with the cell's place as its locator."""
    place = table.where(number, label)
    unit = spec["unit"]
    value, qualifier = figure(cell, unit, file=table.doc.path, place=place)
    if unit == "hours" and value is not None:
        factor, word = stated_hours(*contexts)
        if factor != 1.0:
            value = round(value * factor, 6)
            note = f"{place}: the filer states this time in {word}; stored in hours"
            if note not in report.notes:
                report.notes.append(note)
    parts = {**parse_breakdown(spec["breakdown"]), **breakdown}
    report.rows.append(observation(
        platform=report.platform, period=report.period, metric=spec["metric"], metric_label=label.strip(),
        value=value, unit=unit, region=region, policy_area=policy_area, policy_label=policy_label,
        breakdown=parts, value_text=cell.strip(), qualifier=qualifier, document_sha256=table.doc.sha256,
        locator=f"{place} ({what})"))


def read_categories(table: Table, report: Report) -> None:
    """Parts 3-6: one row per category (and scope, in part 3), one column per indicator."""
    header = table.header
    file = table.doc.path
    at_category = column(header, "category of ")
    if at_category is None:
        raise ParseError("no 'Category of ...' column", file=file, place=table.where(1))
    at_other = column(header, "description of the sub-category")
    at_scope = column(header, "scope")
    at_service = column(header, "service")
    at_period = column(header, "reporting period")
    labels = {column(header, "applicability"), at_service, at_period, at_category, at_other, at_scope}
    values: list[tuple[int, str, dict[str, str], int | None]] = []
    for index, label in enumerate(header):
        key = norm(label)
        if index in labels or key.startswith("contextual information") or not key:
            continue
        spec = indicator(table.part, label, "", file=file, place=table.where(1, label))
        if spec["metric"]:
            values.append((index, label, spec, column(header, f"contextual information on {key}")))
    if not values:
        raise ParseError("no indicator columns", file=file, place=table.where(1))
    if not has_figures(table, [index for index, *_ in values]):
        report.skipped.append(Skipped(table.doc.sha256, table.where(), "part left as the empty template (no figures)"))
        return
    first_context: dict[int, str] = {}
    parent = ""
    width = len(header)
    for number, row in enumerate(table.rows[1:], start=2):
        row = row + [""] * (width - len(row))
        check_row(table, row, number, report, width=width, at_service=at_service, at_period=at_period,
                  unlabelled=[i for i, label in enumerate(header) if not norm(label) and i not in labels])
        code = row[at_category].strip()
        scope = row[at_scope].strip() if at_scope is not None else ""
        if not code:
            if any(row[i].strip() for i, *_ in values):
                raise ParseError("figures in a row without a category", file=file, place=table.where(number))
            continue
        breakdown: dict[str, str] = {}
        if norm(code) == "total":
            area, parent = "ALL", ""
        elif code.startswith("STATEMENT_CATEGORY_"):
            if code not in vocab.policy_areas():
                raise UnmappedLabel(f"category {code!r} is not an EU DSA statement category in reports/vocab",
                                    file=file, place=table.where(number, header[at_category]), source=SOURCE)
            area = parent = code
        elif re.fullmatch(r"KEYWORD_[A-Z0-9_]+", code):
            if not parent:
                raise ParseError(f"keyword {code} before any STATEMENT_CATEGORY row", file=file,
                                 place=table.where(number, header[at_category]))
            area = parent
            breakdown["keyword"] = code
            other = row[at_other].strip() if at_other is not None else ""
            if code == "KEYWORD_OTHER" and other and norm(other) != TEMPLATE_OTHER:
                breakdown["other"] = " ".join(other.split())
        else:
            raise ParseError(f"{code!r} is neither TOTAL, a STATEMENT_CATEGORY_ nor a KEYWORD_ code", file=file,
                             place=table.where(number, header[at_category]))
        region = "EU"
        if at_scope is not None:
            region = scope_region(table, scope, number, header[at_scope])
        for index, label, spec, at_context in values:
            context = row[at_context] if at_context is not None else ""
            if at_context is not None and index not in first_context:
                first_context[index] = context
            add(report, table, number=number, label=label, cell=row[index], spec=spec, region=region,
                breakdown=breakdown, policy_area=area, policy_label=code, what=f"{code}" + (f", {scope}" if scope else ""),
                contexts=(context, first_context.get(index, "")))


def scope_region(table: Table, scope: str, number: int, label: str) -> str:
    """EU for a total scope, else the member state's code; anything else is an error naming the cell."""
    total = total_scope(scope)
    if total is not None:
        return total["region"]
    state = member_state(scope)
    if state is None:
        raise UnmappedLabel(f"scope {scope!r} is neither a total nor a member state (reports/mappings/{SOURCE}/"
                            "scopes.csv)", file=table.doc.path, place=table.where(number, label), source=SOURCE)
    return state


def language_scopes(table: Table, labels: list[str], report: Report) -> dict[str, tuple[str, dict[str, str]]]:
    """Region and breakdown for the scopes of a part the template asks per language (8, 9).

    Filers give languages as codes or names, member-state codes standing for languages (with EN for English), or
    member states instead of languages; the whole part is read one way, and a note says which."""
    def language_code(label: str) -> bool:
        return label in languages() and languages().lookup(label)["kind"] == "code"

    if labels and all(s.isupper() and member_state(s) for s in labels) and not all(language_code(s) for s in labels):
        report.notes.append(f"{table.where()}: scopes are member states where the template asks "
                            "for languages; stored per member state")
        return {s: (member_state(s), {}) for s in labels}
    out: dict[str, tuple[str, dict[str, str]]] = {}
    aliases = []
    for scope in labels:
        try:
            row = languages().lookup(scope, file=table.doc.path, place=table.where(column="Scope"))
        except UnmappedLabel:
            raise UnmappedLabel(f"scope {scope!r} is neither a total, a language nor a member state (reports/mappings/"
                                f"{SOURCE}/languages.csv)", file=table.doc.path, place=table.where(column="Scope"),
                                source=SOURCE) from None
        if row["kind"] == "country_code":
            aliases.append(scope)
        out[scope] = (row["language"], {"region_kind": "language"})
    if aliases:
        report.notes.append(f"{table.where()}: languages named by member-state codes "
                            f"({', '.join(aliases)}); read through languages.csv")
    return out


def read_indicators(table: Table, report: Report) -> None:
    """Parts 7-10: one row per indicator and scope, with one value."""
    header = table.header
    file = table.doc.path
    cells = [norm(c) for c in header]
    at_indicator, at_scope, at_value = cells.index("indicator"), cells.index("scope"), cells.index("value")
    at_context = column(header, "contextual information")
    at_service = column(header, "service")
    at_period = column(header, "reporting period")
    width = len(header)
    rows = [(number, row + [""] * (width - len(row))) for number, row in enumerate(table.rows[1:], start=2)]
    if not has_figures(table, [at_value]):
        report.skipped.append(Skipped(table.doc.sha256, table.where(), "part left as the empty template (no figures)"))
        return
    geographic: list[str] = []
    for _, row in rows:
        scope = row[at_scope].strip()
        if table.part in (8, 9, 10) and scope and total_scope(scope) is None and scope not in geographic:
            geographic.append(scope)
    resolved = language_scopes(table, geographic, report) if table.part in (8, 9) else {}
    for number, row in rows:
        check_row(table, row, number, report, width=width, at_service=at_service, at_period=at_period)
        label, scope, cell = row[at_indicator].strip(), row[at_scope].strip(), row[at_value]
        if not scope or not label:
            if cell.strip():
                raise ParseError("a figure without an indicator or scope", file=file, place=table.where(number, "Value"))
            report.skipped.append(Skipped(table.doc.sha256, table.where(number),
                                          f"row without {'scope' if label else 'indicator'} nor figure"))
            continue
        spec = indicator(table.part, label, scope, file=file, place=table.where(number, "Indicator"))
        breakdown: dict[str, str] = {}
        if table.part == 7:
            region = "EU"
            if norm(spec["scope"]) != norm(scope):
                raise UnmappedLabel(f"part 7 scope {scope!r} of {label!r} is not in indicators.csv", file=file,
                                    place=table.where(number, "Scope"), source=SOURCE)
        elif (total := total_scope(scope)) is not None:
            region, breakdown = total["region"], parse_breakdown(total["breakdown"])
        elif scope in resolved:
            region, breakdown = resolved[scope]
        else:
            region = scope_region(table, scope, number, "Scope")
        context = row[at_context] if at_context is not None else ""
        # In part 7 the scope column names the figure within its indicator ('Median time', 'Decisions upheld').
        what = f"{label.strip()}, {scope}"
        label = f"{label}: {scope}" if table.part == 7 and norm(scope) != norm(label) else label
        add(report, table, number=number, label=label, cell=cell, spec=spec, region=region, breakdown=breakdown,
            policy_area="ALL", policy_label="", what=what, contexts=(context,))


def read_qualitative(table: Table) -> str:
    """Part 11: the free-text answers, kept as the document's text."""
    cells = [norm(c) for c in table.header]
    at_indicator, at_value = cells.index("indicator"), cells.index("value")
    blocks = []
    for row in table.rows[1:]:
        row = row + [""] * (len(cells) - len(row))
        if row[at_value].strip() and norm(row[at_value]) != "free text":
            blocks.append(f"{row[at_indicator].strip()}\n{row[at_value].strip()}")
    return "\n\n".join(blocks)


# -- the collector ----------------------------------------------------------------------------------------------

class DSAReport(Collector):
    id = SOURCE
    version = "1"
    patterns = ("*.csv", "*.CSV", "*.xlsx", "*.XLSX", "*.zip", "*.ZIP")
    folders = ("dsa-reports",)

    def sniff(self, path: Path) -> bool:
        """A CSV, XLSX or ZIP whose header is one of the EU template's parts."""
        suffix = path.suffix.lower()
        try:
            if suffix == ".csv":
                with path.open("rb") as handle:
                    return header_is_part(handle.read(8192), path.name)
            if suffix == ".xlsx":
                return any(rows and looks_like_part(rows[0]) for _, rows in xlsx_sheets(path.read_bytes(), path.name))
            if suffix == ".zip":
                archive = open_zip(path, name=str(path))
                for info, data in iter_files(archive, name=str(path)):
                    if info.filename.lower().endswith(".csv") and header_is_part(data[:8192], info.filename):
                        return True
                return False
        except (ParseError, OSError, IndexError):
            return False
        return False

    def bundles(self, files: list[Path]) -> list[list[Path]]:
        """One report per bundle: a ZIP or XLSX alone; CSV parts grouped by folder and file-name prefix, and by
        reporting period where one prefix holds several reports."""
        groups: dict[tuple, list[Path]] = {}
        for path in sorted(files):
            if path.suffix.lower() != ".csv":
                groups[(path,)] = [path]
                continue
            match = PART_FILE.match(path.name)
            prefix = match["prefix"].strip(" -_") if match else path.stem
            groups.setdefault((path.parent, prefix), []).append(path)
        out = []
        for paths in groups.values():
            out += split_by_period(paths) if len(paths) > 1 else [paths]
        return out

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read every part of one report: part 1 first, then the figures, then part 11's text."""
        tables = [t for doc in documents for t in read_tables(doc)]
        assign_parts(tables)
        firsts = [t for t in tables if t.part == 1]
        if firsts and all(is_blank_template(t) for t in firsts):
            # The Commission's empty template (or parts of one) found beside real reports: nothing to import.
            skipped = [Skipped(t.doc.sha256, t.name, "the EU's empty template, not a filed report") for t in tables]
            return ParseResult(frame([]), skipped=skipped,
                               document_meta={d.sha256: edition_meta("template", date(2025, 7, 1)) for d in documents})
        if len(firsts) != 1:
            names = ", ".join(d.name for d in documents)
            raise ParseError(f"expected one part 1 (report identification), found {len(firsts)}", file=names,
                             source=SOURCE)
        report = read_identification(firsts[0])
        texts: dict[str, list[str]] = {}
        for table in tables:
            if table.part in (3, 4, 5, 6):
                read_categories(table, report)
            elif table.part in (7, 8, 9, 10):
                read_indicators(table, report)
            elif table.part == 11:
                texts.setdefault(table.doc.sha256, []).append(read_qualitative(table))
            elif table.part == 2:
                report.skipped.append(Skipped(table.doc.sha256, table.where(),
                                              "part 2 holds the filer's category names, not figures"))
            elif table.part is None:
                report.skipped.append(Skipped(table.doc.sha256, table.name, "not a part of the EU template"))
        published = report.published or report.period.end
        title = f"{report.service} transparency report under the DSA, {report.period.label}"
        meta = {doc.sha256: edition_meta(report.period.label, published, publisher=report.provider or report.service,
                                         published=report.published, title=title,
                                         text="\n\n".join(texts[doc.sha256]) if doc.sha256 in texts else None)
                for doc in documents}
        return ParseResult(frame(report.rows), skipped=report.skipped, notes=report.notes, document_meta=meta)


def file_period(path: Path) -> tuple | None:
    """A CSV part's reporting period as printed (part 1's dates or the first row's period), for grouping."""
    try:
        rows = csv_rows(decode(path.read_bytes(), path.name))
    except (ParseError, OSError):
        return None
    if not rows:
        return None
    table = Table(None, path.name, rows, 0)  # type: ignore[arg-type]
    cells = [norm(c) for c in rows[0]]
    if identify(table) == 1:
        facts = {norm(r[cells.index("indicator")]): r[cells.index("value")].strip() for r in rows[1:]
                 if len(r) > max(cells.index("indicator"), cells.index("value"))}
        dates = [DATE.match(facts.get(k, "")) for k in ("starting date of reporting period",
                                                        "ending date of reporting period")]
        return tuple(tuple(int(x) for x in m.groups()[:3]) for m in dates) if all(dates) else None
    if "reporting period" in cells:
        for row in rows[1:]:
            cell = row[cells.index("reporting period")] if len(row) > cells.index("reporting period") else ""
            if m := ROW_PERIOD.match(cell.strip()):
                return ((int(m[1]), int(m[2]), int(m[3])), (int(m[4]), int(m[5]), int(m[6])))
    return None


def split_by_period(paths: list[Path]) -> list[list[Path]]:
    """Split CSV parts sharing a prefix into reports by reporting period; parts without one join the only report."""
    periods = {path: file_period(path) for path in paths}
    known = sorted({p for p in periods.values() if p is not None})
    if len(known) <= 1:
        return [paths]
    unplaced = [p.name for p, period in periods.items() if period is None]
    if unplaced:
        raise ParseError(f"parts of {len(known)} reports share one file-name prefix and these give no reporting "
                         f"period: {', '.join(unplaced)}", file=paths[0].parent, source=SOURCE)
    return [[p for p in paths if periods[p] == period] for period in known]
