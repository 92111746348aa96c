"""EU DSA harmonised transparency reports (Implementing Regulation (EU) 2024/2835, Annex I): CSV parts, a ZIP of
them, or an XLSX workbook with one sheet per part. Parts are recognised by their content, never by name alone.

The template fixes the structure (a part's header, its label columns, its indicator and scope columns); what
filers print in it varies, so the reader follows the structure and keeps whatever words it does not know verbatim
and flagged: an unknown service gets a slug of its name, an unknown indicator the metric `unmapped`, an unknown
category code the policy area `UNMAPPED`, an unknown scope region EU with `scope=<its words>`, and a sentence where
a number belongs is kept as text. A table published for another surface of the service (YouTube's `_Ads` files)
carries `surface=<surface>` in its breakdown."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from collectors.dsa_report.dates import ROW_PERIOD, date_readings, printed_periods, reporting_span, row_period
from collectors.dsa_report.figures import figures, stated_hours
from collectors.dsa_report.mappings import CATEGORY_CODE, category_area, indicator, record_unknown_area
from collectors.dsa_report.names import assign_surfaces, known_platform, part_name, platform_of
from collectors.dsa_report.parts import (
    assign_parts,
    column,
    header_is_part,
    identify,
    is_blank_template,
    is_template_table,
    looks_like_part,
    repeated_tables,
)
from collectors.dsa_report.reading import csv_rows, decode, read_tables, xlsx_sheets
from collectors.dsa_report.scopes import PLACEHOLDER, flagged_scope, geographic_scope, resolve_scopes
from collectors.dsa_report.tables import SOURCE, Report, Scope, Table, label_mapping, norm
from reports.ingest.collector import Collector, ParseResult, Skipped, edition_meta
from reports.ingest.safezip import iter_files, open_zip
from reports.model import vocab
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import TEXT, parse_figure
from reports.model.periods import span
from reports.model.schema import frame, observation, parse_breakdown

KEYWORD_CODE = re.compile(r"^KEYWORD_[A-Z0-9_]+$")
TEMPLATE_OTHER = 'text to detail the "other" keyword.'
# -- the parts --------------------------------------------------------------------------------------------------

def read_identification(table: Table, tables: list[Table]) -> Report:
    """Part 1: service, provider, reporting period and publication date. Dates are read in any common form; where
    part 1's cannot be read, the one reporting period the other parts' rows print stands in (noted)."""
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
            service = " ".join(cells[at_service].split())

    def fact(name: str, required: bool = True) -> str:
        value = facts.get(name, "")
        if required and not value:
            raise ParseError(f"part 1 does not give the {name!r}", file=file, place=table.where())
        return value

    provider = " ".join(fact("name of the service provider", required=not service).split())
    notes = []
    start_text = fact("starting date of reporting period", required=False)
    end_text = fact("ending date of reporting period", required=False)
    dates = reporting_span(start_text, end_text)
    if dates is None:
        printed = printed_periods([t for t in tables if t is not table])
        if len(printed) != 1:
            raise ParseError(f"cannot read part 1's reporting period ({start_text!r} to {end_text!r}) and the other "
                             f"parts print {len(printed)} reporting period(s)", file=file,
                             place=table.where(column="Value"))
        dates = printed.pop()
        notes.append(f"{table.where()}: reporting period {start_text!r} to {end_text!r} cannot be read; the period "
                     f"the other parts print ({dates[0]}/{dates[1]}) is used")
    start, end = dates
    published_text = fact("date of the publication of the report", required=False)
    readings = date_readings(published_text)
    published = readings[0] if readings else None
    if published_text and not readings:
        notes.append(f"{table.where()}: publication date {published_text!r} cannot be read; left empty")
    label = service or provider
    platform = platform_of(label, file=file, place=table.where(column="Service" if service else "Value"))
    try:
        period = span(start, end)
    except ParseError as exc:
        raise ParseError(exc.message, file=file, place=table.where()) from None
    return Report(platform=platform, service=label, provider=provider, period=period, published=published, notes=notes)


def has_figures(table: Table, columns: list[int]) -> bool:
    """Whether any figure column holds something (a part left as the empty template has none)."""
    return any(row[i].strip() for row in table.rows[1:] for i in columns if i < len(row))


def fill_down(rows: list[tuple[int, list[str]]], columns: list[int], has_content: Callable[[list[str]], bool]) -> int:
    """Give a blank label cell the value above it where its row holds a figure or scope (filers merge the cells
    of a label column over the rows it covers, and a CSV keeps only the first); returns how many cells were filled."""
    above: dict[int, str] = {}
    filled = 0
    for _, row in rows:
        content = has_content(row)
        for i in columns:
            if row[i].strip():
                above[i] = row[i]
            elif content and i in above:
                row[i] = above[i]
                filled += 1
    return filled


def check_row(table: Table, row: list[str], number: int, report: Report, *, width: int, at_service: int | None,
              at_period: int | None, unlabelled: list[int] = ()) -> None:
    """A data row's common checks: a value outside the header's columns is left out (and listed), the row's
    service and period must be the report's."""
    for i in [i for i in range(width, len(row)) if row[i].strip()] + [i for i in unlabelled if row[i].strip()]:
        place = table.where(number, f"#{i + 1}")
        report.skip(table, place, f"a value {row[i].strip()[:80]!r} in a column without a header")
        report.note(f"{place}: a value {row[i].strip()[:80]!r} in a column without a header; not imported")
    check_service(table, row, at_service, report, number)
    if at_period is not None:
        row_period(row[at_period], report, table, place=table.where(number, table.header[at_period]))


def check_service(table: Table, row: list[str], at: int | None, report: Report, number: int) -> None:
    """A row naming a service must name the report's service: another known platform is an error (a bundle must
    not mix two reports); a name we do not know is noted and its figures stored under part 1's service."""
    if at is None or at >= len(row) or not row[at].strip():
        return
    name = " ".join(row[at].split())
    if norm(name) in (norm(report.service), norm(report.provider)):
        return
    known = known_platform(name)
    if known == report.platform:
        return
    if known is not None and known_platform(report.service) is not None:
        raise ParseError(f"service {name!r} is not the report's service {report.service!r}", file=table.doc.path,
                         place=table.where(number, "Service"))
    report.note(f"{table.where()}: rows name the service {name!r} where part 1 names {report.service!r}; stored under "
                f"part 1's service ({report.platform})")


def add(report: Report, table: Table, *, number: int, label: str, cell: str, spec: dict[str, str], region: str,
        breakdown: dict[str, str], policy_area: str, policy_label: str, what: str, contexts: tuple[str, ...]) -> None:
    """The observations of one cell (one, or two for a range), with the cell's place as their locator."""
    place = table.where(number, label)
    parts = {**parse_breakdown(spec["breakdown"]), **breakdown}
    if table.surface:
        parts["surface"] = table.surface
    for value, unit, qualifier in figures(cell, spec["unit"], report, file=table.doc.path, place=place):
        if unit == "hours" and value is not None:
            factor, word = stated_hours(*contexts)
            if factor != 1.0:
                value = round(value * factor, 6)
                report.note(f"{place}: the filer states this time in {word}; stored in hours")
        bound = {"range_lower": {"bound": "lower"}, "range_upper": {"bound": "upper"}}.get(qualifier, {})
        report.rows.append(observation(
            platform=report.platform, period=report.period, metric=spec["metric"], metric_label=" ".join(label.split()),
            value=value, unit=unit, region=region, policy_area=policy_area, policy_label=policy_label,
            breakdown={**parts, **bound}, value_text=cell.strip(), qualifier=qualifier,
            document_sha256=table.doc.sha256, locator=f"{place} ({what})"))


def read_categories(table: Table, report: Report) -> None:
    """Parts 3-6: one row per category (and scope, in part 3), one column per indicator."""
    header = table.header
    file = table.doc.path
    at_category = column(header, "category of ")
    if at_category is None:
        report.skip(table, table.where(1 + table.offset), "no 'Category of ...' column: the rows cannot be told apart")
        report.note(f"{table.where(1 + table.offset)}: no 'Category of ...' column; the part is not imported")
        return
    at_other = column(header, "description of the sub-category")
    at_scope = column(header, "scope")
    at_service = column(header, "service")
    at_period = column(header, "reporting period")
    at_applicability, at_section = column(header, "applicability"), column(header, "section")
    # Columns left of the category (applicability, service, period, a filer's category label, whatever a filer
    # typed into their header cell) are labels; the indicators follow the category.
    structural = {at_applicability, at_section, at_service, at_period, at_category, at_other, at_scope,
                  *range(at_category)}
    values: list[tuple[int, str, dict[str, str], int | None]] = []
    for index, label in enumerate(header):
        key = norm(label)
        if index in structural or key.startswith("contextual information") or not key:
            continue
        spec = indicator(table.part, label, "", file=file, place=table.where(1 + table.offset, label))
        if spec["metric"]:
            values.append((index, label, spec, column(header, f"contextual information on {key}")))
    if not values:
        report.skip(table, table.where(1 + table.offset), "no indicator columns")
        return
    if not has_figures(table, [index for index, *_ in values]):
        report.skip(table, table.where(), "part left as the empty template (no figures)")
        return
    width = len(header)
    rows = table.numbered()
    labels = [i for i in (at_applicability, at_section, at_service, at_period) if i is not None]
    if at_scope is not None:
        labels.append(at_category)  # category x scope: the category cell may be merged over its scopes

    def has_content(row: list[str]) -> bool:
        return any(row[i].strip() for i, *_ in values) or (at_scope is not None and bool(row[at_scope].strip()))

    if filled := fill_down(rows, labels, has_content):
        report.note(f"{table.where()}: {filled} blank label cell(s) below a filled one (merged cells) read as the "
                    "value above")
    first_context: dict[int, str] = {}
    parent_area, parent_label = "", ""
    keywords = label_mapping("keywords")
    unlabelled = [i for i, label in enumerate(header) if not norm(label) and i not in structural]
    for number, row in rows:
        check_row(table, row, number, report, width=width, at_service=at_service, at_period=at_period,
                  unlabelled=unlabelled)
        code = row[at_category].strip()
        scope = row[at_scope].strip() if at_scope is not None else ""
        place = table.where(number, header[at_category])
        if not code or (at_scope is not None and not scope):
            if has_content(row) and any(row[i].strip() for i, *_ in values):
                report.skip(table, table.where(number), f"figures in a row without a {'category' if not code else 'scope'}")
                report.note(f"{table.where(number)}: figures in a row without a {'category' if not code else 'scope'}; "
                            "not imported")
            continue
        breakdown: dict[str, str] = {}
        if norm(code) == "total":
            area, parent_area, parent_label = "ALL", "", ""
        elif CATEGORY_CODE.match(code):
            area = parent_area = category_area(code, file=file, place=place)
            parent_label = code
        elif KEYWORD_CODE.match(code):
            breakdown["keyword"] = code
            known = code in keywords and not keywords.lookup(code).get("unmapped")
            if not known:
                keywords.lookup(code, file=file, place=place)  # records it
            if known and parent_area and parent_area != vocab.UNMAPPED_AREA:
                area = parent_area
            else:
                area = vocab.UNMAPPED_AREA
                if parent_label:
                    breakdown["category"] = parent_label
                if not parent_label:
                    report.note(f"{place}: keyword {code} before any STATEMENT_CATEGORY row; kept as UNMAPPED")
            other = row[at_other].strip() if at_other is not None else ""
            if code == "KEYWORD_OTHER" and other and norm(other) != TEMPLATE_OTHER:
                breakdown["other"] = " ".join(other.split())
        else:
            # Neither TOTAL nor a template code (a category by name, a filer's own code): kept verbatim, flagged.
            record_unknown_area(code, file=file, place=place)
            area = parent_area = vocab.UNMAPPED_AREA
            parent_label = code
        if at_scope is not None and PLACEHOLDER.search(scope) and not any(row[i].strip() for i, *_ in values):
            report.skip(table, table.where(number), f"the template's placeholder scope {scope!r} left without a figure")
            continue
        where = Scope("EU") if at_scope is None else geographic_scope(table, scope, report,
                                                                      table.where(number, header[at_scope]))
        for index, label, spec, at_context in values:
            context = row[at_context] if at_context is not None else ""
            if at_context is not None and index not in first_context:
                first_context[index] = context
            add(report, table, number=number, label=label, cell=row[index], spec=spec, region=where.region,
                breakdown={**where.breakdown, **breakdown}, policy_area=area, policy_label=code,
                what=f"{code}" + (f", {scope}" if scope else ""), contexts=(context, first_context.get(index, "")))


def repeated_rows(rows: list[tuple[int, list[str]]], at_indicator: int, at_scope: int, at_context: int | None,
                  table: Table, report: Report) -> dict[int, dict[str, str]]:
    """Rows giving one indicator for one scope more than once, told apart by their contextual information where
    it differs (YouTube's accuracy 'for Videos' and 'for Comments'): {row number: {'detail': <its words>}}."""
    seen: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for number, row in rows:
        if row[at_indicator].strip() and row[at_scope].strip():
            context = " ".join(row[at_context].split()) if at_context is not None else ""
            seen[(norm(row[at_indicator]), norm(row[at_scope]))].append((number, context))
    out: dict[int, dict[str, str]] = {}
    for (label, scope), hits in seen.items():
        contexts = [c for _, c in hits]
        if len(hits) > 1 and all(contexts) and len(set(contexts)) == len(contexts):
            out.update({number: {"detail": context} for number, context in hits})
            report.note(f"{table.where()}: rows {', '.join(str(n) for n, _ in hits)} give {label!r} for {scope!r} more "
                        "than once; told apart by their contextual information (detail=)")
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
    rows = table.numbered()
    if not has_figures(table, [at_value]):
        report.skip(table, table.where(), "part left as the empty template (no figures)")
        return
    labels = [i for i in (column(header, "applicability"), at_service, at_period, column(header, "section"),
                          at_indicator) if i is not None]
    if filled := fill_down(rows, labels, lambda row: bool(row[at_value].strip() or row[at_scope].strip())):
        report.note(f"{table.where()}: {filled} blank label cell(s) below a filled one (merged cells) read as the "
                    "value above")
    resolved = {} if table.part == 7 else resolve_scopes(
        table, [(n, r[at_indicator].strip(), r[at_scope].strip()) for n, r in rows], report)
    details = repeated_rows(rows, at_indicator, at_scope, at_context, table, report)
    for number, row in rows:
        check_row(table, row, number, report, width=width, at_service=at_service, at_period=at_period)
        label, scope, cell = row[at_indicator].strip(), row[at_scope].strip(), row[at_value]
        if not scope or not label:
            missing = "indicator" if not label else "scope"
            if cell.strip():
                report.skip(table, table.where(number, "Value"), f"a figure without an {missing}")
                report.note(f"{table.where(number, 'Value')}: a figure without an {missing}; not imported")
            else:
                report.skip(table, table.where(number), f"row without {missing} nor figure")
            continue
        if table.part != 7 and PLACEHOLDER.search(scope):
            if placeholder_row(table, rows, number, row, scope, at_indicator, at_value, report):
                continue
            where = flagged_scope(table, scope, report, table.where(number, "Scope"))
        else:
            where = Scope("EU") if table.part == 7 else resolved[(norm(label), scope)]
        spec = indicator(table.part, label, scope, file=file, place=table.where(number, "Indicator"))
        context = row[at_context] if at_context is not None else ""
        # In part 7 the scope column names the figure within its indicator ('Median time', 'Decisions upheld').
        what = f"{label.strip()}, {scope}"
        label = f"{label}: {scope}" if table.part == 7 and norm(scope) != norm(label) else label
        add(report, table, number=number, label=label, cell=cell, spec=spec, region=where.region,
            breakdown={**where.breakdown, **details.get(number, {})}, policy_area=where.policy_area,
            policy_label=where.policy_label, what=what, contexts=(context,))


def placeholder_row(table: Table, rows: list[tuple[int, list[str]]], number: int, row: list[str], scope: str,
                    at_indicator: int, at_value: int, report: Report) -> bool:
    """Whether a row whose scope is the template's placeholder `[...]` is left out: when it holds no figure, or only
    the words the other rows of its indicator hold (YouTube's part 10 gives one sentence for every scope)."""
    cell = row[at_value].strip()
    if not cell:
        report.skip(table, table.where(number), f"the template's placeholder scope {scope!r} left without a figure")
        return True
    same = [n for n, other in rows if n != number and norm(other[at_indicator]) == norm(row[at_indicator])
            and other[at_value].strip() == cell]
    if same and parse_figure(cell, lenient=True)[0].qualifier == TEXT:
        report.skip(table, table.where(number), f"the template's placeholder scope {scope!r} holding only the words of "
                                                f"row {same[0]} ({cell[:60]!r})")
        return True
    return False


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


def settle_repeats(report: Report) -> None:
    """One figure printed twice in a report: the same value is kept once (noted); different values are kept apart
    as `entry=1`, `entry=2` ... (noted), never one silently replacing the other."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, row in enumerate(report.rows):
        metric = row["metric"] if row["metric"] != vocab.UNMAPPED_METRIC else f"unmapped:{row['metric_label'].casefold()}"
        groups[(row["region"], row["policy_area"], row["policy_label"].casefold(), metric, row["breakdown"])].append(index)
    drop: set[int] = set()
    for indices in groups.values():
        if len(indices) < 2:
            continue
        rows = [report.rows[i] for i in indices]
        first = rows[0]
        places = ", ".join(r["locator"].rsplit(" (", 1)[0] for r in rows[:3])
        if all(r["value_text"] == first["value_text"] for r in rows):
            drop.update(indices[1:])
            report.note(f"{places}: one figure printed {len(rows)} times with the same value; kept once")
            continue
        for k, row in enumerate(rows, start=1):
            row["breakdown"] = f"{row['breakdown']};entry={k}" if row["breakdown"] else f"entry={k}"
        report.note(f"{places}: one figure printed {len(rows)} times with different values; kept apart as entry=1 "
                    f"... entry={len(rows)}")
    if drop:
        report.rows = [row for i, row in enumerate(report.rows) if i not in drop]


# -- the collector ----------------------------------------------------------------------------------------------

class DSAReport(Collector):
    id = SOURCE
    version = "2"
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
        """One report per bundle: a ZIP or XLSX alone; CSV parts grouped by folder and file-name prefix (a table for
        another surface, `6_own_initiative_TC_Ads.csv`, shares its report's prefix), and by reporting period where
        one prefix holds several reports. Parts whose prefix holds no part 1 join their folder's only report."""
        groups: dict[tuple, list[Path]] = {}
        for path in sorted(files):
            if path.suffix.lower() != ".csv":
                groups[(path,)] = [path]
                continue
            named = part_name(path.stem)
            prefix = named.prefix.strip(" -_") if named else path.stem
            groups.setdefault((path.parent, prefix), []).append(path)
        with_part_1 = defaultdict(list)
        for key, paths in groups.items():
            if len(key) == 2 and any((n := part_name(p.stem)) and n.part == 1 for p in paths):
                with_part_1[key[0]].append(key)
        for key in list(groups):
            if len(key) == 2 and key not in with_part_1.get(key[0], []) and len(with_part_1.get(key[0], [])) == 1:
                groups[with_part_1[key[0]][0]] += groups.pop(key)
        out = []
        for paths in groups.values():
            out += split_by_period(sorted(paths)) if len(paths) > 1 else [paths]
        return out

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read every part of one report: part 1 first, then the figures, then part 11's text."""
        tables = [t for doc in documents for t in read_tables(doc)]
        assign_parts(tables)
        firsts = [t for t in tables if t.part == 1]
        if (firsts and all(is_blank_template(t) for t in firsts)) or (not firsts and all(map(is_template_table, tables))):
            # The Commission's empty template (or parts of one) found beside real reports: nothing to import.
            skipped = [Skipped(t.doc.sha256, t.name, "the EU's empty template, not a filed report") for t in tables]
            return ParseResult(frame([]), skipped=skipped,
                               document_meta={d.sha256: edition_meta("template", date(2025, 7, 1)) for d in documents})
        if len(firsts) != 1:
            names = ", ".join(d.name for d in documents)
            raise ParseError(f"expected one part 1 (report identification), found {len(firsts)}", file=names,
                             source=SOURCE)
        report = read_identification(firsts[0], tables)
        assign_surfaces(tables, report)
        repeats = repeated_tables(tables, report)
        texts: dict[str, list[str]] = {}
        for table in tables:
            if id(table) in repeats:
                continue
            if table.part in (3, 4, 5, 6):
                read_categories(table, report)
            elif table.part in (7, 8, 9, 10):
                read_indicators(table, report)
            elif table.part == 11:
                texts.setdefault(table.doc.sha256, []).append(read_qualitative(table))
            elif table.part == 2:
                report.skip(table, table.where(), "part 2 holds the filer's category names, not figures")
            elif table.part is None:
                report.skip(table, table.name, "not a part of the EU template")
        settle_repeats(report)
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
        dates = reporting_span(facts.get("starting date of reporting period", ""),
                               facts.get("ending date of reporting period", ""))
        return tuple((d.year, d.month, d.day) for d in dates) if dates else None
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
