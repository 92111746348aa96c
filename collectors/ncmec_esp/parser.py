"""NCMEC's CyberTipline Reports by Electronic Service Providers: one text PDF per year, rows of `ESP name  count`."""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reports.ingest.collector import Collector, ParseResult, edition_meta
from reports.ingest.pdfio import open_pdf, page_text
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import TEXT, Figure, parse_figure
from reports.model.periods import period_from_name, year
from reports.model.schema import COMBINED, frame, observation
from reports.model.vocab import combined_platforms, mappings_in, slugify

# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in("ncmec-esp", FOLDER / "mappings")

POLICY_AREA = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
POLICY_LABEL = "CyberTipline reports (child sexual exploitation)"
TOTAL_PLATFORM = "all-esps"
COUNT = re.compile(r"^\d{1,3}(,\d{3})*$")
TITLE = re.compile(r"^(\d{4}) CyberTipline Reports by")
# The last row is the total where its name says so ('Total', 'Totals:', 'Grand Total').
TOTAL_NAME = re.compile(r"^(grand\s+)?totals?:?$", re.IGNORECASE)
# Lines under the table that are not rows: the copyright line and the link to NCMEC's data page.
FOOTER = re.compile(r"^(Copyright ©|(MissingKids|NCMEC)\.org/CyberTiplineData$)", re.IGNORECASE)
# Words this close vertically are on one line; a count this close to the heading's right edge is in the count column.
SAME_LINE, RIGHT_EDGE = 3.0, 4.0
# A wrapped name's next line is closer than the table's row pitch (about 13 points against 16).
WRAP_SHARE = 0.9
# Words printed in the count column are set apart from the name by a wide gap (86 points and more in 2019-2023;
# words within a name are at most 7 points apart).
VALUE_GAP = 20.0


@dataclass
class Entry:
    """One printed row: its name lines (a long name wraps), the page, and the count printed beside them."""

    page: int
    row: int
    top: float
    bottom: float
    name_parts: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)
    heading: str = ""  # the count column's heading on the row's page

    @property
    def name(self) -> str:
        return " ".join(" ".join(self.name_parts).split())

    @property
    def printed(self) -> str:
        """What is printed in the count column beside the name (a count, or words)."""
        return self.counts[0] if self.counts else ""


@dataclass
class Table:
    """What one PDF holds: its year, the count column's heading, the footnote, rows and the printed total."""

    year: int
    heading: str
    footnote: str
    entries: list[Entry]
    total: Entry | None
    notes: list[str] = field(default_factory=list)


class NcmecESP(Collector):
    id = "ncmec-esp"
    version = "3"
    folders = ("ncmec",)
    patterns = ("*.pdf",)

    def sniff(self, path) -> bool:
        first = page_text(path, 0)
        return bool(TITLE.search(first)) and "Electronic Service Providers" in first

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read every ESP row with its count, map names to our platforms, and check the rows add up to the total.

        NCMEC lists hundreds of organisations; one that is not a platform of ours keeps a slug of its name as its
        platform (the mapping names only our platforms and NCMEC's spellings of them)."""
        (doc,) = documents
        table = read_table(doc)
        period = year(table.year)
        platforms = label_mapping("platforms")
        rows, notes = [], list(table.notes)
        owners = {e.name: combined_platforms(owner(e, platforms, doc)) for e in table.entries}
        counted = [p for e in table.entries for p in owners[e.name]]
        shared_platforms = {p for p in counted if counted.count(p) > 1}
        names = [e.name for e in table.entries]
        for entry in table.entries:
            place = f"page {entry.page}, row {entry.row}"
            name = entry.name
            footnote = f"; footnote: {table.footnote}" if name.endswith("*") and table.footnote else ""
            # A row printed for several platforms together (`Amazon / Twitch`) is each one's figure, marked combined.
            combined = len(owners[name]) > 1
            for platform in owners[name]:
                # A provider's row is its platform's figure (a total); only where NCMEC lists several providers we
                # map to one platform (Twitter, Inc. / Vine.co and X Corp in 2023) does each keep its name apart.
                breakdown = {"esp": name} if platform in shared_platforms else {}
                if names.count(name) > 1:  # printed twice: both kept, each with its place, and a note
                    breakdown["printed_at"] = place
                rows += value_rows(entry, doc, platform=platform, period=period, metric_label=entry.heading,
                                   breakdown=breakdown, locator=f"{place}: {name} {entry.printed}{footnote}",
                                   combined=combined)
        for name in dict.fromkeys(n for n in names if names.count(n) > 1):
            places = ", ".join(f"page {e.page}, row {e.row}" for e in table.entries if e.name == name)
            notes.append(f"{doc.name}: ESP {name!r} is printed more than once ({places}); each row is kept apart "
                         "(breakdown printed_at)")
        # each printed row once (a combined row is stored for each of its platforms)
        esp_sum = sum(r["value"] for r in {r["locator"]: r for r in rows}.values() if r["value"] is not None)
        if table.total is not None:
            place = f"page {table.total.page}, row {table.total.row}"
            total = value_rows(table.total, doc, platform=TOTAL_PLATFORM, period=period,
                               metric_label=table.total.heading, breakdown={},
                               locator=f"{place}: {table.total.name} {table.total.printed}")
            rows += total
            printed = total[0]["value"]
            if printed is not None and printed != esp_sum:
                notes.append(f"{doc.name}: the {len(table.entries)} ESP rows sum to {esp_sum:,.0f} but the PDF prints "
                             f"{table.total.name} {table.total.printed} ({printed - esp_sum:+,.0f})")
        else:
            notes.append(f"{doc.name}: no printed total; the {len(table.entries)} ESP rows sum to {esp_sum:,.0f}")
        meta = edition_meta(str(table.year), date(table.year, 12, 31),
                            text=f"{table.year} CyberTipline Reports by Electronic Service Providers (ESP)")
        return ParseResult(frame(rows), notes=notes, document_meta={doc.sha256: meta})


def owner(entry: Entry, platforms, doc: Document) -> str:
    """Our platform for an ESP's name, else a slug of the name; a name that leaves no slug is flagged."""
    if entry.name in platforms:
        return platforms.lookup(entry.name)["platform"]
    place = f"page {entry.page}, row {entry.row}"
    try:
        return slug(entry.name, file=doc.path, place=place)
    except ParseError:
        return platforms.lookup(entry.name, file=doc.path, place=place)["platform"]  # flagged; 'unnamed'


def value_rows(entry: Entry, doc: Document, *, combined: bool = False, **common) -> list[dict]:
    """The figure printed beside a name: a count, or the words printed there kept as text; a count printed for
    several platforms together is marked combined."""
    place = f"page {entry.page}, row {entry.row}"
    figures = parse_figure(entry.printed, file=str(doc.path), place=place, lenient=True)
    fig = figures[0] if len(figures) == 1 else Figure(None, "count", TEXT if figures else "")
    qualifier = fig.qualifier or (COMBINED if combined else "")
    return [observation(**common, metric="ncmec_reports", value=fig.value, value_text=entry.printed,
                        qualifier=qualifier, policy_area=POLICY_AREA, policy_label=POLICY_LABEL)]


def slug(name: str, *, file=None, place=None) -> str:
    """A slug of an ESP's name: ASCII, lowercase, hyphen-joined ("Some Company, Inc." -> some-company-inc)."""
    text = slugify(name)
    if not text:
        raise ParseError(f"ESP name {name!r} gives no slug", file=file, place=place)
    return text


def read_table(doc: Document) -> Table:
    """Open the PDF and read its title year, column heading, footnote, every row and the printed total."""
    with open_pdf(doc.read_bytes(), file=doc.path) as pdf:
        pages = pdf.pages
        if not pages:
            raise ParseError("the PDF has no pages", file=doc.path)
        first = pages[0].extract_text() or ""
        title = TITLE.search(first)
        stated = int(title.group(1)) if title else None
        if stated is None and (named := period_from_name(doc.path.name)) and named.label.isdigit():
            stated = int(named.label)
        if stated is None:
            raise ParseError("no title '<year> CyberTipline Reports by ...' on page 1 and no year in the file name",
                             file=doc.path, place="page 1")
        footnote = next((line.lstrip("*").strip() for line in first.splitlines() if line.startswith("*")), "")
        entries, column, notes = [], None, []
        for number, page in enumerate(pages, start=1):
            column, page_entries, left = read_page(page, number, doc, column)
            entries += page_entries
            notes += [f"{doc.name} page {number}: text under the table not read as a row: {text!r}" for text in left]
    if column is None:
        raise ParseError("no table: no line of column headings with counts aligned under its right end on any page",
                         file=doc.path)
    headings = list(dict.fromkeys(e.heading for e in entries))
    if len(headings) > 1:
        notes.append(f"{doc.name}: the count column's heading changes between pages ({headings}); each row keeps "
                     "its page's heading as its label")
    total = None
    if entries and TOTAL_NAME.search(entries[-1].name):
        total = entries.pop()
    stray = next((e for e in entries if TOTAL_NAME.fullmatch(e.name)), None)
    if stray:
        raise ParseError("a total row is printed before the last row", file=doc.path, place=f"page {stray.page}")
    if not entries:
        raise ParseError("no ESP rows found", file=doc.path)
    return Table(stated, headings[0], footnote, entries, total, notes)


@dataclass(frozen=True)
class Column:
    """The count column as its heading line shows it: its heading words and its right edge (counts align there)."""

    heading: str
    right_edge: float


def read_page(page, number: int, doc: Document, column: Column | None) -> tuple[Column | None, list[Entry], list[str]]:
    """One page's rows: the lines below the column headings, split into the name and the count printed at the
    count column's right edge. A page without headings continues the previous page's table (or holds none).

    Returns the count column, the rows, and lines of text under the last row that are not rows."""
    lines = group_lines(page.extract_words(keep_blank_chars=False, use_text_flow=False))
    start = heading_line(lines)
    if start is not None:
        column = column_of(lines[start])
        body = lines[start + 1:]
    elif column is not None:  # no headings repeated: rows start at the first count on the column's edge
        first = next((i for i, line in enumerate(lines) if at_edge(line[-1], column) and COUNT.match(line[-1]["text"])),
                     None)
        body = lines[first:] if first is not None else []
    else:
        return None, [], []
    name_lines, values = [], []
    for line in body:
        text = " ".join(w["text"] for w in line)
        if FOOTER.match(text):
            break
        name, value = split_value(line, column)
        if value:
            values.append(value)
        if name:
            name_lines.append(name)
    entries = join_wrapped(name_lines, number, column.heading)
    for value in values:
        middle = (value[0]["top"] + value[0]["bottom"]) / 2
        entry = next((e for e in entries if e.top - SAME_LINE <= middle <= e.bottom + SAME_LINE), None)
        printed = " ".join(w["text"] for w in value)
        if entry is None:
            raise ParseError(f"count {printed} has no ESP name beside it", file=doc.path,
                             place=f"page {number}, y={value[0]['top']:.0f}")
        entry.counts.append(printed)
    # lines after the page's last row that have no count are text under the table (a note), not rows
    last = max((i for i, e in enumerate(entries) if e.counts), default=-1)
    left = [e.name for e in entries[last + 1:]]
    entries = entries[:last + 1]
    for entry in entries:
        if len(entry.counts) != 1:
            raise ParseError(f"ESP {entry.name!r} has {len(entry.counts)} counts beside it ({entry.counts})",
                             file=doc.path, place=f"page {number}, row {entry.row}")
    return column, entries, left


def heading_line(lines: list[list[dict]]) -> int | None:
    """The line of column headings: the first line (not itself a row) under whose right end the next lines print
    counts."""
    for i, line in enumerate(lines):
        if COUNT.match(line[-1]["text"]) or len(line) < 2:
            continue
        column = column_of(line)
        following = lines[i + 1:i + 4]
        aligned = sum(1 for n in following if COUNT.match(n[-1]["text"]) and at_edge(n[-1], column))
        if aligned and aligned >= min(2, len(following)):
            return i
    return None


def column_of(line: list[dict]) -> Column:
    """The count column's heading: the words right of the widest gap in the heading line ('ESP | Number of Reports')."""
    gaps = [b["x0"] - a["x1"] for a, b in zip(line, line[1:], strict=False)]
    split = gaps.index(max(gaps)) + 1
    return Column(" ".join(w["text"] for w in line[split:]), line[-1]["x1"])


def at_edge(word: dict, column: Column) -> bool:
    return abs(word["x1"] - column.right_edge) <= RIGHT_EDGE


def split_value(line: list[dict], column: Column) -> tuple[list[dict], list[dict]]:
    """A line's name words and the value printed at the count column's edge: a count, or words set apart from the
    name by a wide gap (kept as text)."""
    last = line[-1]
    if not at_edge(last, column):
        return line, []
    if COUNT.match(last["text"]):
        return line[:-1], [last]
    gaps = [b["x0"] - a["x1"] for a, b in zip(line, line[1:], strict=False)]
    if gaps and max(gaps) >= VALUE_GAP:
        split = gaps.index(max(gaps)) + 1
        return line[:split], line[split:]
    return line, []  # a long name that happens to end at the column's edge


def group_lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into printed lines (same top within a few points), each sorted left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= SAME_LINE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def join_wrapped(name_lines: list[list[dict]], page: int, heading: str = "") -> list[Entry]:
    """Name lines grouped into rows: a line closer to the one above than the row pitch continues its name."""
    tops = [line[0]["top"] for line in name_lines]
    gaps = [b - a for a, b in zip(tops, tops[1:], strict=False)]
    pitch = statistics.median(gaps) if gaps else 0.0
    entries: list[Entry] = []
    for line, gap in zip(name_lines, [None, *gaps], strict=True):
        top, bottom = line[0]["top"], max(w["bottom"] for w in line)
        text = " ".join(w["text"] for w in line)
        if gap is not None and gap < WRAP_SHARE * pitch:
            entries[-1].name_parts.append(text)
            entries[-1].bottom = bottom
        else:
            entries.append(Entry(page, len(entries) + 1, top, bottom, [text], heading=heading))
    return entries
