"""EU DSA harmonised transparency reports (Implementing Regulation (EU) 2024/2835, Annex I): CSV parts, a ZIP of
them, or an XLSX workbook with one sheet per part. Parts are recognised by their content, never by name alone.

The template fixes the structure (a part's header, its label columns, its indicator and scope columns); what
filers print in it varies, so the reader follows the structure and keeps whatever words it does not know verbatim
and flagged: an unknown service gets a slug of its name, an unknown indicator the metric `unmapped`, an unknown
category code the policy area `UNMAPPED`, an unknown scope region EU with `scope=<its words>`, and a sentence where
a number belongs is kept as text. A table published for another surface of the service (YouTube's `_Ads` files)
carries `surface=<surface>` in its breakdown.

This module is the collector and its top-level flow; the reader's steps live beside it, in the order they run:
`bundling` (which files make one report), `reading` (a file into tables), `parts` and `names` (which part each table
is, and for which surface), `identification` (part 1), `categories` (parts 3-6) and `indicators` (parts 7-11),
which use `scopes`, `mappings`, `figures`, `dates` and `rows`; `tables` holds what they all share."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from collectors.dsa_report.bundling import bundle
from collectors.dsa_report.categories import read_categories
from collectors.dsa_report.identification import read_identification
from collectors.dsa_report.indicators import read_indicators, read_qualitative
from collectors.dsa_report.names import assign_surfaces
from collectors.dsa_report.parts import (
    assign_parts,
    header_is_part,
    is_blank_template,
    is_template_table,
    looks_like_part,
    repeated_tables,
)
from collectors.dsa_report.reading import read_tables, xlsx_sheets
from collectors.dsa_report.rows import settle_repeats
from collectors.dsa_report.tables import SOURCE, Report, Table
from reports.ingest.collector import Collector, ParseResult, Skipped, edition_meta
from reports.ingest.safezip import iter_files, open_zip
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.schema import frame


class DSAReport(Collector):
    """The EU's harmonised DSA transparency reports, of any service."""

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
        """One report per bundle (see `bundling.bundle`)."""
        return bundle(files)

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read every part of one report: part 1 first, then the figures, then part 11's text."""
        tables = [t for doc in documents for t in read_tables(doc)]
        assign_parts(tables)
        firsts = [t for t in tables if t.part == 1]
        if (firsts and all(is_blank_template(t) for t in firsts)) or (not firsts and all(map(is_template_table, tables))):
            return template_result(tables, documents)
        if len(firsts) != 1:
            raise identification_error(firsts, tables, documents)
        report = read_identification(firsts[0], tables)
        assign_surfaces(tables, report)
        texts = read_parts(tables, report)
        settle_repeats(report)
        return ParseResult(frame(report.rows), skipped=report.skipped, notes=report.notes,
                           document_meta=edition(report, documents, texts))


def identification_error(firsts: list[Table], tables: list[Table], documents: list[Document]) -> ParseError:
    """Why part 1 cannot be read: two of them, or none (naming an empty file that may have been meant as part 1)."""
    if firsts:
        return ParseError(f"{len(firsts)} tables read as part 1 (report identification): "
                          + ", ".join(t.name for t in firsts) + "; a report has one", file=firsts[0].doc.path,
                          source=SOURCE)
    empty = [t.name for t in tables if not t.rows]
    why = f"; empty (no header, no rows): {', '.join(empty)}" if empty else ""
    return ParseError(f"no part 1 (report identification) among {len(tables)} table(s){why}",
                      file=", ".join(d.name for d in documents), source=SOURCE)


def template_result(tables: list[Table], documents: list[Document]) -> ParseResult:
    """The Commission's empty template (or parts of one) found beside real reports: nothing to import."""
    skipped = [Skipped(t.doc.sha256, t.name, "the EU's empty template, not a filed report") for t in tables]
    return ParseResult(frame([]), skipped=skipped,
                       document_meta={d.sha256: edition_meta("template", date(2025, 7, 1)) for d in documents})


def read_parts(tables: list[Table], report: Report) -> dict[str, list[str]]:
    """Read each table by its part (a part repeated for one surface once) into the report; returns part 11's texts
    per document."""
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
        elif table.part is None and not table.rows:
            report.skip(table, table.name, "an empty file (no header, no rows): no figures to read")
        elif table.part is None:
            report.skip(table, table.name, "not a part of the EU template")
    return texts


def edition(report: Report, documents: list[Document], texts: dict[str, list[str]]) -> dict[str, dict]:
    """What each document of the report says of itself: its edition, publisher, publication date, title and text."""
    published = report.published or report.period.end
    title = f"{report.service} transparency report under the DSA, {report.period.label}"
    return {doc.sha256: edition_meta(report.period.label, published, publisher=report.provider or report.service,
                                     published=report.published, title=title,
                                     text="\n\n".join(texts[doc.sha256]) if doc.sha256 in texts else None)
            for doc in documents}
