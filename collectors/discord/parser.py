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

The modules: rows.py (the CSV as printed rows), periods.py (the file's period, the months rows name), tables.py (the
stacked tables cut apart and identified), figures.py (a table's figures and the check of its totals), source.py (the
source's id and mappings); this module, the collector.
"""
from __future__ import annotations

from collectors.discord.figures import TableReader
from collectors.discord.periods import file_period
from collectors.discord.rows import read_rows
from collectors.discord.source import SOURCE
from collectors.discord.tables import identify, realign_shifted, split_tables
from reports.ingest.collector import Collector, ParseResult, edition_meta
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.schema import frame


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
