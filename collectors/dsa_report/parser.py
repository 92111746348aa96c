"""EU DSA harmonised transparency reports (Implementing Regulation (EU) 2024/2835, Annex I): CSV parts, a ZIP of
them, or an XLSX workbook with one sheet per part. Parts are recognised by their content, never by name alone.

The template fixes the structure (a part's header, its label columns, its indicator and scope columns); what
filers print in it varies, so the reader follows the structure and keeps whatever words it does not know verbatim
and flagged: an unknown service gets a slug of its name, an unknown indicator the metric `unmapped`, an unknown
category code the policy area `UNMAPPED`, an unknown scope region EU with `scope=<its words>`, and a sentence where
a number belongs is kept as text. A table published for another surface of the service (YouTube's `_Ads` files)
carries `surface=<surface>` in its breakdown."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from collectors.dsa_report.categories import read_categories
from collectors.dsa_report.dates import ROW_PERIOD, reporting_span
from collectors.dsa_report.identification import read_identification
from collectors.dsa_report.indicators import read_indicators, read_qualitative
from collectors.dsa_report.names import assign_surfaces, part_name
from collectors.dsa_report.parts import (
    assign_parts,
    header_is_part,
    identify,
    is_blank_template,
    is_template_table,
    looks_like_part,
    repeated_tables,
)
from collectors.dsa_report.reading import csv_rows, decode, read_tables, xlsx_sheets
from collectors.dsa_report.rows import settle_repeats
from collectors.dsa_report.tables import SOURCE, Table, norm
from reports.ingest.collector import Collector, ParseResult, Skipped, edition_meta
from reports.ingest.safezip import iter_files, open_zip
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.schema import frame

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
