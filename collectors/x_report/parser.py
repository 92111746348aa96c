"""X Corp.'s Global Transparency Report (H1 2024): the PDF's tables of reports, suspensions, removals and requests."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reports.ingest.collector import Collector, ParseResult, Skipped, edition_meta
from reports.ingest.pdfio import open_pdf, page_text
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import parse_figure
from reports.model.periods import Period, half, period_from_name
from reports.model.schema import FIGURE_KEY, frame, observation, parse_breakdown
from reports.model.vocab import mappings_in

# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in("x", FOLDER / "mappings")

TITLE = re.compile(r"Global Transparency Report \| (H[12]) (\d{4})")
METHOD_COLUMNS = ("TOTAL ACTIONS", "AUTOMATED", "HUMAN")
FOOTNOTE = re.compile(r"^(\d{1,2})\. (.+)$")
# A section heading is set in large type (42 pt and up); body text is 21-23 pt.
HEADING_SIZE = 40.0
# A digit set much smaller than the rest of its line is a footnote marker ("Accounts Suspended ¹").
MARKER_SHARE = 0.75
# Tables pdfplumber finds in the page's background frame cover the whole page; they are layout, not data.
FRAME_SHARE = 0.9
# The totals on pages 4 and 5 leave out Platform Manipulation & Spam (page 4 says so; page 5's add up the same way).
ALL_BUT_SPAM = "All policy areas excluding Platform Manipulation & Spam"
# Pages 4 and 5 summarise the per-policy tables that follow; a figure printed there and again later is one figure.
OVERVIEW_PAGES = r"^page [45],"
# A cell that holds a figure rather than a label.
FIGURE_CELL = re.compile(r"^[<>~]?\s*\d[\d.,]*\s*%?$")


@dataclass
class Grid:
    """One table as printed: its page, the section heading above it, its cells, and footnote markers per cell."""

    page: int
    title: str
    rows: list[list[str]]
    markers: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    footnotes: dict[str, str] = field(default_factory=dict)

    headed: bool = True
    # Why the table cannot be read as a grid (rows of different lengths), if so: it is listed as skipped.
    problem: str = ""

    def place(self, row: int, column: int) -> str:
        """Page, table heading, row and column (by their printed labels), and any footnote the cell points to."""
        marks = self.markers.get((row, 0), []) + (self.markers.get((row, column), []) if column else [])
        notes = "".join(f" [footnote {m}: {self.footnotes.get(m, '?')}]" for m in marks)
        where = f"page {self.page}, table {self.title!r}, row {row + 1} {label(self.rows[row][0])!r}"
        if self.headed and column:
            where += f", column {label(self.rows[0][column])!r}"
        return where + notes


class XReport(Collector):
    id = "x"
    version = "2"
    patterns = ("*.pdf",)

    def sniff(self, path) -> bool:
        text = page_text(path, 1)
        return bool(TITLE.search(text)) and "X Safety" in text

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read every table, name each by its section heading, and map rows and columns to our vocabulary."""
        (doc,) = documents
        period, grids = read_grids(doc)
        rows, skipped = [], []
        methods = label_mapping("methods")
        for grid in grids:
            header = [label(c) for c in grid.rows[0]]
            if grid.problem:
                skipped.append((f"page {grid.page}, table {grid.title!r}", grid.problem))
            elif header[0] == "" and any(h in methods for h in header[1:]):
                rows += method_table(grid, period, doc)
            elif len(header) == 2 and all(len(r) == 2 for r in grid.rows) and FIGURE_CELL.match(header[1]):
                grid.headed = False  # label | figure rows, no header: the headline totals beside pages 4 and 5
                rows += headline_table(grid, period, doc)
            elif header[0] != "" and len(grid.rows) > 1:
                # 'POLICY AREA' | measure | measure ...: one row per policy (a row label no mapping covers is flagged)
                found, left = policy_table(grid, period, doc)
                rows += found
                skipped += left
            elif header[0] == "" and len(grid.rows) > 1 and label(grid.rows[1][0]).startswith("TOTAL "):
                rows += request_table(grid, period, doc)
            elif header[0] == "" and len(grid.rows) > 1:
                rows += notice_table(grid, period, doc)
            else:  # a table laid out in a way this collector does not read: listed, never guessed at
                skipped.append((f"page {grid.page}, table {grid.title!r}",
                                f"a table of a kind this collector does not know (header {header}); not imported"))
        observations, repeats = separate_differing_repeats(frame(rows), doc)
        result = ParseResult(observations, skipped=[Skipped(doc.sha256, loc, why) for loc, why in skipped])
        result.notes += repeats + check_totals(result.observations, doc)
        result.document_meta[doc.sha256] = edition_meta(period.label, period.end, text=f"Global Transparency Report "
                                                        f"{period.label}")
        return result


def label(text: str | None) -> str:
    """A cell's text on one line, with runs of spaces collapsed."""
    return " ".join((text or "").split())


def figure_rows(grid: Grid, row: int, column: int, doc: Document, **common) -> list[dict]:
    """The observation(s) for one printed cell: a count, a percentage as a ratio, or a published gap."""
    text = label(grid.rows[row][column])
    place = grid.place(row, column)
    figures = parse_figure(text, file=str(doc.path), place=place, lenient=True)  # words: kept, qualifier text
    if not figures:
        return [observation(**common, value=None, value_text=text, locator=place)]
    return [observation(**common, value=f.value, unit=f.unit, qualifier=f.qualifier, value_text=text, locator=place)
            for f in figures]


def metric_of(key: str, doc: Document, place: str) -> tuple[str, dict[str, str]]:
    """Our metric and the breakdown it implies for one of X's row or column labels."""
    row = label_mapping("metrics").lookup(key, file=doc.path, place=place)
    return row["metric"], parse_breakdown(row["breakdown"])


def policy_of(text: str, doc: Document, place: str) -> str:
    return label_mapping("policy_areas").lookup(text, file=doc.path, place=place)["policy_area"]


def policy_label_of(text: str, doc: Document, place: str) -> str:
    """One name per policy however a page prints it ('CHILD SAFETY' on page 7, 'Child Safety' on page 5)."""
    return label_mapping("policy_areas").lookup(text, file=doc.path, place=place)["canonical_label"] or text


def method_table(grid: Grid, period: Period, doc: Document) -> list[dict]:
    """A policy's table: one row per action (NCMEC reports, suspensions, removals, labels), total / automated / human."""
    out = []
    area = policy_of(grid.title, doc, f"page {grid.page}")
    methods = label_mapping("methods")
    for r in range(1, len(grid.rows)):
        row_label = label(grid.rows[r][0])
        metric, breakdown = metric_of(row_label, doc, grid.place(r, 0))
        for c in range(1, len(grid.rows[r])):
            method = methods.lookup(label(grid.rows[0][c]), file=doc.path, place=grid.place(r, c))
            # a column no mapping covers is a method of its own, named as printed (never the total's empty breakdown)
            by = {"method": label(grid.rows[0][c])} if method.get("unmapped") else parse_breakdown(method["breakdown"])
            out += figure_rows(grid, r, c, doc, platform="x", period=period, metric=metric, metric_label=row_label,
                               policy_area=area, policy_label=policy_label_of(grid.title, doc, f"page {grid.page}"),
                               breakdown={**breakdown, **by})
    return out


def policy_table(grid: Grid, period: Period, doc: Document) -> tuple[list[dict], list[tuple[str, str]]]:
    """Pages 4 and 5: one row per policy area, one column per measure; shares of the total are not imported."""
    out, skipped = [], []
    for r in range(1, len(grid.rows)):
        policy = label(grid.rows[r][0])
        area = policy_of(policy, doc, grid.place(r, 0))
        for c in range(1, len(grid.rows[r])):
            column = label(grid.rows[0][c])
            metric, breakdown = metric_of(column, doc, grid.place(r, c))
            if metric == "":
                skipped.append((grid.place(r, c), f"{column}: a share of the printed total, derived from it"))
                continue
            out += figure_rows(grid, r, c, doc, platform="x", period=period, metric=metric, metric_label=column,
                               policy_area=area, policy_label=policy_label_of(policy, doc, grid.place(r, 0)),
                               breakdown=breakdown)
    return out, skipped


def headline_table(grid: Grid, period: Period, doc: Document) -> list[dict]:
    """The headline figures beside pages 4 and 5's tables: totals over all policy areas but spam."""
    out = []
    for r, (name, _) in enumerate(grid.rows):
        metric, breakdown = metric_of(label(name), doc, grid.place(r, 0))
        out += figure_rows(grid, r, 1, doc, platform="x", period=period, metric=metric, metric_label=label(name),
                           policy_area="ALL", policy_label=ALL_BUT_SPAM, breakdown=breakdown)
    return out


def request_table(grid: Grid, period: Period, doc: Document) -> list[dict]:
    """Page 13: government information or removal requests, a global total then rows per country or group."""
    out = []
    kind = label(grid.rows[1][0])
    regions = label_mapping("regions")
    area = policy_of(grid.title, doc, f"page {grid.page}")
    for r in range(1, len(grid.rows)):
        where = regions.lookup(label(grid.rows[r][0]), file=doc.path, place=grid.place(r, 0))
        if where.get("unmapped"):  # a country or group no mapping covers: named as printed, apart from the total
            where = {"region": "GLOBAL", "breakdown": f"country={label(grid.rows[r][0])}"}
        for c in range(1, len(grid.rows[r])):
            column = label(grid.rows[0][c])
            metric, breakdown = metric_of(f"{kind} | {column}", doc, grid.place(r, c))
            out += figure_rows(grid, r, c, doc, platform="x", period=period, metric=metric, metric_label=column,
                               policy_area=area, policy_label=kind.removeprefix("TOTAL "), region=where["region"],
                               breakdown={**breakdown, **parse_breakdown(where["breakdown"])})
    return out


def notice_table(grid: Grid, period: Period, doc: Document) -> list[dict]:
    """Page 14: copyright and trademark notices (and counter notices): received, actioned, URLs, rate."""
    out = []
    kinds = label_mapping("notice_kinds")
    for r in range(1, len(grid.rows)):
        kind = label(grid.rows[r][0])
        known = kinds.lookup(kind, file=doc.path, place=grid.place(r, 0))
        for c in range(1, len(grid.rows[r])):
            column = label(grid.rows[0][c])
            metric, breakdown = metric_of(column, doc, grid.place(r, c))
            out += figure_rows(grid, r, c, doc, platform="x", period=period, metric=metric, metric_label=column,
                               policy_area=known["policy_area"], policy_label=kind,
                               breakdown={**parse_breakdown(known["breakdown"]), **breakdown})
    return out


def separate_differing_repeats(df, doc: Document):
    """Figures printed twice (page 5's overview repeats pages 7-11) stay one figure when the values agree (the build
    keeps one); where they differ, the overview's value is kept apart (breakdown table=overview) and a note says so."""
    key = [c for c in FIGURE_KEY if c != "source"]
    values = df.groupby(key, dropna=False)["value"].transform("nunique")
    differing = df[values > 1]
    notes = []
    if differing.empty:
        return df, notes
    df = df.copy()
    overview = differing.index[differing.locator.str.match(OVERVIEW_PAGES)]
    df.loc[overview, "breakdown"] = [";".join(filter(None, [b, "table=overview"])) for b in df.loc[overview, "breakdown"]]
    for _, group in differing.groupby(key, dropna=False):
        printed = "; ".join(f"{row.value_text} at {row.locator}" for row in group.itertuples())
        notes.append(f"{doc.name}: {group.metric.iloc[0]} / {group.policy_label.iloc[0]} printed with different values: "
                     f"{printed} (the overview's is kept apart with breakdown table=overview)")
    return df, notes


def check_totals(df, doc: Document) -> list[str]:
    """Notes where a printed total over all policy areas but spam differs from its page's per-policy rows."""
    notes = []
    page = df.locator.str.extract(r"^page (\d+),")[0]
    totals = df[(df.policy_label == ALL_BUT_SPAM) & (df.unit == "count")]
    for index, total in totals.iterrows():
        parts = df[(page == page[index]) & (df.policy_label != ALL_BUT_SPAM) & (df.metric == total.metric)
                   & (df.breakdown == "") & (df.region == "GLOBAL")]
        if parts.empty or parts.value.sum() != total.value:
            notes.append(f"{doc.name}: {total.metric_label} prints {total.value_text} but its policy rows on page "
                         f"{page[index]} sum to {parts.value.sum():,.0f}")
    return notes


def read_grids(doc: Document) -> tuple[Period, list[Grid]]:
    """Open the PDF, find its period in the running title, and read every data table with its heading."""
    grids: list[Grid] = []
    period = None
    with open_pdf(doc.read_bytes(), file=doc.path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            text = page.extract_text() or ""
            title = TITLE.search(text)
            if title and period is None:
                period = half(int(title.group(2)), int(title.group(1)[1]))
            grids += read_page(page, number, doc)
    if period is None:
        period = period_from_name(doc.path.name)
    if period is None:
        raise ParseError("no 'Global Transparency Report | H1 2024' running title on any page, and no period in the "
                         "file name", file=doc.path)
    if not grids:
        raise ParseError("no tables found (are they images?)", file=doc.path)
    return period, grids


def read_page(page, number: int, doc: Document) -> list[Grid]:
    """One page's data tables, read with footnote markers taken out of the cells and kept beside them."""
    markers = footnote_markers(page)
    clean = page.filter(lambda obj: not (obj.get("object_type") == "char" and id_of(obj) in markers))
    lines = clean.extract_text_lines()
    footnotes = {m.group(1): m.group(2) for m in (FOOTNOTE.match(line["text"]) for line in lines) if m}
    grids = []
    for table in clean.find_tables():
        x0, top, x1, bottom = table.bbox
        if (x1 - x0) * (bottom - top) >= FRAME_SHARE * page.width * page.height:
            continue
        rows = table.extract()
        if not rows or not rows[0]:
            continue
        grid = Grid(number, heading_above(lines, top), [[c or "" for c in row] for row in rows], footnotes=footnotes)
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                if cell is None:
                    continue
                inside = [m for m in markers.values()
                          if cell[0] <= m["x0"] and m["x1"] <= cell[2] and cell[1] <= m["top"] and m["bottom"] <= cell[3]]
                if inside:
                    grid.markers[(r, c)] = [m["text"] for m in sorted(inside, key=lambda m: m["x0"])]
        if any(len(row) != len(grid.rows[0]) for row in grid.rows):
            grid.problem = "its rows have different numbers of cells; not imported"
        grids.append(grid)
    return grids


def id_of(char: dict) -> tuple:
    return (round(char["x0"], 2), round(char["top"], 2), char["text"])


def footnote_markers(page) -> dict[tuple, dict]:
    """Digits set much smaller than the largest type on their line: footnote markers, by position."""
    lines: list[list[dict]] = []
    for char in sorted(page.chars, key=lambda c: c["top"]):
        if lines and char["top"] - lines[-1][0]["top"] <= 3:
            lines[-1].append(char)
        else:
            lines.append([char])
    markers = {}
    for chars in lines:
        largest = max(c["size"] for c in chars)
        for char in chars:
            if char["text"].isdigit() and char["size"] < MARKER_SHARE * largest:
                markers[id_of(char)] = char
    return markers


def heading_above(lines: list[dict], top: float) -> str:
    """The section heading (large type) nearest above a table; a heading set over two lines is joined."""
    headings = [line for line in lines if line["bottom"] <= top and line["chars"][0]["size"] >= HEADING_SIZE]
    if not headings:
        return ""
    block = [headings[-1]]
    for line in reversed(headings[:-1]):
        if block[0]["top"] - line["bottom"] > line["bottom"] - line["top"]:
            break
        block.insert(0, line)
    return label(" ".join(line["text"] for line in block))
