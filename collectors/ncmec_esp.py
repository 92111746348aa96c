"""NCMEC's CyberTipline Reports by Electronic Service Providers: one text PDF per year, rows of `ESP name  count`."""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date

from reports.collector import Collector, ParseResult, edition_meta
from reports.documents import Document
from reports.errors import ParseError
from reports.numbers import parse_number
from reports.pdfio import open_pdf, page_text
from reports.periods import year
from reports.schema import frame, observation
from reports.vocab import mapping, slugify

POLICY_AREA = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
POLICY_LABEL = "CyberTipline reports (child sexual exploitation)"
TOTAL_PLATFORM = "all-esps"
COUNT = re.compile(r"^\d{1,3}(,\d{3})*$")
TITLE = re.compile(r"^(\d{4}) CyberTipline Reports by")
TOTAL_NAME = re.compile(r"^Totals?:?$", re.IGNORECASE)
# Lines under the table that are not rows: the copyright line and the link to NCMEC's data page.
FOOTER = re.compile(r"^(Copyright ©|(MissingKids|NCMEC)\.org/CyberTiplineData$)", re.IGNORECASE)
# Words this close vertically are on one line; a count this close to the heading's right edge is in the count column.
SAME_LINE, RIGHT_EDGE = 3.0, 4.0
# A wrapped name's next line is closer than the table's row pitch (about 13 points against 16).
WRAP_SHARE = 0.9


@dataclass
class Entry:
    """One printed row: its name lines (a long name wraps), the page, and the count printed beside them."""

    page: int
    row: int
    top: float
    bottom: float
    name_parts: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " ".join(" ".join(self.name_parts).split())


@dataclass
class Table:
    """What one PDF holds: its year, the count column's heading, the footnote, rows and the printed total."""

    year: int
    heading: str
    footnote: str
    entries: list[Entry]
    total: Entry | None


class NcmecESP(Collector):
    id = "ncmec-esp"
    folders = ("ncmec",)
    patterns = ("*.pdf",)

    def sniff(self, path) -> bool:
        first = page_text(path, 0)
        return bool(TITLE.search(first)) and "Electronic Service Providers" in first

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read every ESP row with its count, map names to our platforms, and check the rows add up to the total."""
        (doc,) = documents
        table = read_table(doc)
        period = year(table.year)
        platforms = mapping(self.id, "platforms")
        rows, seen, notes = [], {}, []
        owners = {e.name: (platforms.lookup(e.name)["platform"] if e.name in platforms else "") or
                  slug(e.name, file=doc.path, place=f"page {e.page}, row {e.row}") for e in table.entries}
        shared_platforms = {p for p in owners.values() if list(owners.values()).count(p) > 1}
        for entry in table.entries:
            place = f"page {entry.page}, row {entry.row}"
            name = entry.name
            platform = owners[name]
            # A provider's row is its platform's figure (a total); only where NCMEC lists several providers we map
            # to one platform (Twitter, Inc. / Vine.co and X Corp in 2023) does each keep its name apart.
            breakdown = {"esp": name} if platform in shared_platforms else {}
            footnote = f"; footnote: {table.footnote}" if name.endswith("*") and table.footnote else ""
            if name in seen:
                raise ParseError(f"ESP {name!r} is printed twice (also at {seen[name]})", file=doc.path, place=place)
            seen[name] = place
            (count,) = entry.counts
            rows.append(observation(
                platform=platform, period=period, metric="ncmec_reports", metric_label=table.heading,
                value=parse_number(count, file=str(doc.path), place=place), value_text=count,
                policy_area=POLICY_AREA, policy_label=POLICY_LABEL, breakdown=breakdown,
                locator=f"{place}: {name} {count}{footnote}"))
        esp_sum = sum(r["value"] for r in rows)
        if table.total is not None:
            place = f"page {table.total.page}, row {table.total.row}"
            (count,) = table.total.counts
            printed = parse_number(count, file=str(doc.path), place=place)
            rows.append(observation(
                platform=TOTAL_PLATFORM, period=period, metric="ncmec_reports", metric_label=table.heading,
                value=printed, value_text=count, policy_area=POLICY_AREA, policy_label=POLICY_LABEL,
                locator=f"{place}: {table.total.name} {count}"))
            if printed != esp_sum:
                notes.append(f"{doc.name}: the {len(table.entries)} ESP rows sum to {esp_sum:,.0f} but the PDF prints "
                             f"{table.total.name} {count} ({printed - esp_sum:+,.0f})")
        else:
            notes.append(f"{doc.name}: no printed total; the {len(table.entries)} ESP rows sum to {esp_sum:,.0f}")
        meta = edition_meta(str(table.year), date(table.year, 12, 31),
                            text=f"{table.year} CyberTipline Reports by Electronic Service Providers (ESP)")
        return ParseResult(frame(rows), notes=notes, document_meta={doc.sha256: meta})


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
        if not title:
            raise ParseError("no title '<year> CyberTipline Reports by ...' on page 1", file=doc.path, place="page 1")
        footnote = next((line.lstrip("*").strip() for line in first.splitlines() if line.startswith("*")), "")
        entries, headings = [], set()
        for number, page in enumerate(pages, start=1):
            heading, page_entries = read_page(page, number, doc)
            headings.add(heading)
            entries += page_entries
    if len(headings) != 1:
        raise ParseError(f"the count column's heading changes between pages: {sorted(headings)}", file=doc.path)
    total = None
    if entries and TOTAL_NAME.match(entries[-1].name):
        total = entries.pop()
    stray = next((e for e in entries if TOTAL_NAME.match(e.name)), None)
    if stray:
        raise ParseError("a total row is printed before the last row", file=doc.path, place=f"page {stray.page}")
    if not entries:
        raise ParseError("no ESP rows found", file=doc.path)
    return Table(int(title.group(1)), headings.pop(), footnote, entries, total)


def read_page(page, number: int, doc: Document) -> tuple[str, list[Entry]]:
    """One page's rows: words below the `ESP ... Reports` heading, split into the name and count columns."""
    lines = group_lines(page.extract_words(keep_blank_chars=False, use_text_flow=False))
    start = next((i for i, line in enumerate(lines) if line[0]["text"] == "ESP" and line[-1]["text"] == "Reports"), None)
    if start is None:
        raise ParseError("no 'ESP ... Reports' column heading", file=doc.path, place=f"page {number}")
    heading_words = lines[start][1:]
    heading = " ".join(w["text"] for w in heading_words)
    right_edge = heading_words[-1]["x1"]
    name_lines, counts = [], []
    for line in lines[start + 1:]:
        text = " ".join(w["text"] for w in line)
        if FOOTER.match(text):
            break
        last = line[-1]
        if COUNT.match(last["text"]) and abs(last["x1"] - right_edge) <= RIGHT_EDGE:
            counts.append(last)
            line = line[:-1]
        if line:
            name_lines.append(line)
    entries = join_wrapped(name_lines, number)
    for count in counts:
        middle = (count["top"] + count["bottom"]) / 2
        owner = next((e for e in entries if e.top - SAME_LINE <= middle <= e.bottom + SAME_LINE), None)
        if owner is None:
            raise ParseError(f"count {count['text']} has no ESP name beside it", file=doc.path,
                             place=f"page {number}, y={count['top']:.0f}")
        owner.counts.append(count["text"])
    for entry in entries:
        if len(entry.counts) != 1:
            raise ParseError(f"ESP {entry.name!r} has {len(entry.counts)} counts beside it ({entry.counts})",
                             file=doc.path, place=f"page {number}, row {entry.row}")
    return heading, entries


def group_lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into printed lines (same top within a few points), each sorted left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= SAME_LINE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def join_wrapped(name_lines: list[list[dict]], page: int) -> list[Entry]:
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
            entries.append(Entry(page, len(entries) + 1, top, bottom, [text]))
    return entries
