"""TikTok's Community Guidelines Enforcement Report data: XLSX editions (2021-2022) and long CSV editions (2022Q4 on).

Every edition restates the history from Jul-Sep 2020, so each file is its own document. Both formats are first
turned into the same long table (the columns of the CSV editions), and every label in it is then mapped through
the data files in collectors/tiktok_cger/mappings/, vectorised over the unique labels because the 2024Q2 CSV is big.

Both formats are read by their structure, the mapping files being hints, so that the next edition reads too:
- a CSV's columns are named through columns.csv; a header no row names is recognised from its content (numbers:
  the result; printed periods: the period; labels of a mapping file: that column) or, failing that, from its place
  between the columns around it; a column the long table does not need is left out (and flagged when it holds figures);
- an XLSX sheet is read from its layout: a header row, then leading columns of labels (quarter-end dates, policies,
  markets with their ISO codes) that name each row, then columns of figures named by their headers
  (xlsx_series.csv, else metrics.csv, else kept verbatim). The period is a row's date, else the one a title states,
  else the workbook's latest quarter. A sheet xlsx_sheets.csv does not list keeps its title in the breakdown.
- a label no mapping covers is kept verbatim and flagged (UNMAPPED / unmapped), its unit read from how the values are
  printed and said in a note; words where a number belongs are kept with the qualifier `text`.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from reports.ingest.collector import Collector, ParseResult, Skipped, edition_meta
from reports.ingest.textio import check_complete, decode_text
from reports.model import vocab
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import MISSING, TEXT, is_missing, parse_figure
from reports.model.periods import Period, month, parse_period, period_from_name, quarter
from reports.model.schema import coerce, format_breakdown, repr_value
from reports.model.vocab import mappings_in

SOURCE = "tiktok-cger"
# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in(SOURCE, FOLDER / "mappings")

# The long table both formats become; `result` is the printed value.
LONG = ["metric", "period", "policy_type", "issue", "task_type", "task", "location", "market", "result"]
# ... and what else a row carries: an ISO code printed beside the market, breakdown parts of the place it was read
# from (an unlisted sheet), whether the value was printed as a percentage, and where it was printed.
EXTRA = ["code", "extra", "pct", "place"]
# A CSV edition's columns in TikTok's order (the period type is not needed: the period itself says it).
CSV_ORDER = ["metric", "period_type", "period", "policy_type", "issue", "task_type", "task", "location", "market", "result"]
REQUIRED = ("metric", "period", "result")
# The mapping files whose labels a column of that kind holds (how a renamed header is recognised by its content).
ROLE_MAPPINGS = {"metric": ("metrics",), "policy_type": ("policy_types",), "issue": ("policy_areas",),
                 "task_type": ("task_types",), "task": ("tasks",), "location": ("location_types",),
                 "market": ("markets", "languages")}
PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")
# Words that say a measure is a rate or a share (its values are ratios).
RATE_WORDS = re.compile(r"%|\b(rates?|ratios?|percentages?|percent|pct|shares?|proportions?)\b", re.I)
# A period stated inside a title: 'Jul-Sep 2021 removal policy', 'Q2 2022', '2022-H1'.
PERIOD_IN_TEXT = re.compile(r"[A-Za-z]{3,9}\.?\s*(?:-|–|to)\s*[A-Za-z]{3,9}\.?\s+\d{4}|\bQ[1-4]\s*-?\s*\d{4}\b"
                            r"|\b\d{4}\s*-?\s*Q[1-4]\b|\bH[12]\s*-?\s*\d{4}\b|\b\d{4}\s*-?\s*H[12]\b", re.I)
# Printed market codes that are not ISO 3166 alpha-2 (the EU's own usage).
NOT_ISO = {"UK": "GB", "EL": "GR"}


def _map(kind: str):
    return label_mapping(kind)


@dataclass
class Reading:
    """One document being read, with what the build should be told of it."""

    doc: Document
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def note(self, text: str) -> None:
        if (line := f"{self.doc.name}: {text}") not in self.notes:
            self.notes.append(line)

    def skip(self, locator: str, reason: str) -> None:
        self.skipped.append(Skipped(self.doc.sha256, locator, reason))


class TikTokCGER(Collector):
    id = SOURCE
    version = "2"
    patterns = ("*.csv", "*.xlsx")

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read one edition into the long table, skip placeholder rows, map every label, and keep every value."""
        (doc,) = documents
        reading = Reading(doc)
        long = read_xlsx(reading) if doc.path.suffix.lower() == ".xlsx" else read_csv(reading)
        long = drop_placeholders(long, reading)
        long = resolve_periods(long, reading)
        if long.empty:
            raise ParseError("no figures in any table", file=doc.path)
        observations = observations_from(long, reading)
        last = observations["period_end"].max().date()
        label = f"{last.year}-Q{(last.month - 1) // 3 + 1}"
        meta = edition_meta(label, last, text=f"TikTok Community Guidelines Enforcement Report, {label} edition")
        return ParseResult(observations, skipped=reading.skipped, notes=reading.notes, document_meta={doc.sha256: meta})


# --- CSV editions ---------------------------------------------------------------------------------------------

def read_csv(reading: Reading) -> pd.DataFrame:
    """The CSV edition as the long table, its columns found by header (columns.csv), else by content or place."""
    doc = reading.doc
    text = decode_text(doc.read_bytes(), file=doc.path, allow_cp1252=True)
    check_complete(text, file=doc.path)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"not a readable CSV: {exc}", file=doc.path) from None
    # the headers as printed (pandas renames a repeated one 'Result.1'), each column by its position
    printed = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    if len(printed) != len(df.columns):
        printed = [str(c) for c in df.columns]
    df.columns = range(len(df.columns))
    headers = [h.strip() for h in printed]
    if len(headers) < 2:
        raise ParseError(f"not a table: one column ({headers})", file=doc.path, place="line 1")
    roles = csv_roles(df, headers, reading)
    out = pd.DataFrame({role: (df[roles[role]].str.strip() if role in roles else "All") for role in LONG}, index=df.index)
    if "location" not in roles and "market" in roles:
        out["location"] = location_from_market(out["market"])
        reading.note("no Location column: each row's location (a market, a language or all) read from its Market")
    for role in LONG:
        if role not in roles and not (role == "location" and "market" in roles):
            reading.note(f"no {role} column: every row read as 'All'")
    out["code"], out["extra"], out["pct"] = "", "", False
    out["place"] = "line " + (df.index + 2).astype(str)
    return out.reset_index(drop=True)


def csv_roles(df: pd.DataFrame, headers: list[str], reading: Reading) -> dict[str, int]:
    """{long-table column: column position}: by header (columns.csv), then a renamed header by its content, then by
    its place between the columns around it. Every header read so is recorded, so are columns of figures left out."""
    doc, columns = reading.doc, _map("columns")
    roles: dict[str, int] = {}
    free: list[int] = []
    for at, header in enumerate(headers):
        role = columns.lookup(header)["column"] if header in columns else ""
        if role and role not in roles:
            roles[role] = at
        else:
            free.append(at)

    def take(role: str, at: int, how: str) -> None:
        roles[role] = at
        free.remove(at)
        header = headers[at]
        vocab.record_unmapped(SOURCE, "columns", header, file=doc.path,
                              place=f"line 1, header {header!r} (read as the {role} column from its {how})",
                              mapping_file=columns.relative_path, suggestion=vocab.csv_line([header, role, ""]))

    needed = [r for r in LONG if r not in roles]
    scores = sorted(((_content_score(role, df[at]), -at, role, at) for role in needed for at in free), reverse=True)
    for score, _, role, at in scores:
        if score >= 0.5 and role not in roles and at in free:
            take(role, at, "content")
    for role in [r for r in LONG if r not in roles]:
        order = CSV_ORDER.index(role)
        before = max((roles[r] for r in CSV_ORDER[:order] if r in roles), default=-1)
        after = min((roles[r] for r in CSV_ORDER[order + 1:] if r in roles), default=len(headers))
        between = [at for at in free if before < at < after]
        if len(between) == 1 and _plausible(role, df[between[0]]):
            take(role, between[0], "place between the columns around it")
    for at in free:
        header, cells = headers[at], df[at].str.strip()
        if not (cells != "").any():
            continue
        if _numeric_share(cells) >= 0.5:
            vocab.record_unmapped(SOURCE, "columns", header, file=doc.path,
                                  place=f"line 1, header {header!r} (a column of figures the long table has no place for)",
                                  mapping_file=columns.relative_path, suggestion=vocab.csv_line([header, "<column>", ""]))
            reading.skip(f"line 1, header {header!r}", "a column of figures the long table has no place for: not imported")
        else:
            reading.skip(f"line 1, header {header!r}", "a column of words the long table does not need: ignored")
    missing = [r for r in REQUIRED if r not in roles]
    if missing:
        raise ParseError(f"no column for {', '.join(missing)} (headers {headers})", file=doc.path, place="line 1")
    return roles


def _numeric_share(cells: pd.Series) -> float:
    """The share of the printed (non-missing) cells that are numbers, percentages included."""
    cells = cells.astype(str).str.strip()
    cells = cells[~cells.str.lower().isin(MISSING)]
    if cells.empty:
        return 0.0
    numbers = pd.to_numeric(cells.str.replace(",", "", regex=False).str.rstrip("%").str.strip(), errors="coerce")
    return float(numbers.notna().mean())


def _is_period_text(text: str) -> bool:
    try:
        parse_period(text)
    except ParseError:
        return False
    return True


def _content_score(role: str, cells: pd.Series) -> float:
    """How well a column's values fit a long-table column (0..1)."""
    unique = pd.Series(cells.astype(str).str.strip().unique())
    unique = unique[unique != ""]
    if unique.empty:
        return 0.0
    numeric = _numeric_share(unique)
    if role == "result":
        return numeric
    if numeric >= 0.5:
        return 0.0
    if role == "period":
        sample = unique.head(200)
        return sum(_is_period_text(v) for v in sample) / len(sample)
    named = [v for v in unique if v.casefold() != "all"]
    if not named or role not in ROLE_MAPPINGS:
        return 0.0
    known = [_map(kind) for kind in ROLE_MAPPINGS[role]]
    return sum(any(v in m for m in known) for v in named) / len(named)


def _plausible(role: str, cells: pd.Series) -> bool:
    """Whether a column could be a long-table column at all (for a header recognised by its place)."""
    numeric = _numeric_share(cells)
    if role == "result":
        return numeric >= 0.5
    if role == "period":
        return _content_score("period", cells) >= 0.5
    return numeric < 0.5


def location_from_market(market: pd.Series) -> pd.Series:
    """A row's location kind from its market when the file has no Location column."""
    languages, markets = _map("languages"), _map("markets")
    kinds = {m: ("All" if m.casefold() in ("all", "") else "Language" if m in languages and m not in markets else "Market")
             for m in market.unique()}
    return market.map(kinds)


# --- XLSX editions --------------------------------------------------------------------------------------------

@dataclass
class Grid:
    """A sheet's cells (stripped text, None where empty) and the cells whose number format prints a percentage."""

    rows: list[list]
    pct: set[tuple[int, int]]


def read_xlsx(reading: Reading) -> pd.DataFrame:
    """The workbook edition as the long table: every sheet read by its structure (xlsx_sheets.csv gives hints)."""
    doc = reading.doc
    try:
        book = openpyxl.load_workbook(io.BytesIO(doc.read_bytes()), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise ParseError(f"not a readable XLSX workbook: {exc}", file=doc.path) from None
    try:
        grids = {ws.title: _grid(ws) for ws in book.worksheets}
    finally:
        book.close()
    latest = latest_period(grids, reading)
    rows: list[dict] = []
    for title, grid in grids.items():
        rows += sheet_rows(title, grid, latest, reading)
    return pd.DataFrame(rows, columns=LONG + EXTRA)


def _grid(ws) -> Grid:
    rows, pct = [], set()
    for r, cells in enumerate(ws.iter_rows()):
        row = []
        for c, cell in enumerate(cells):
            value = cell.value
            if isinstance(value, str):
                value = value.strip() or None
            elif isinstance(value, int | float) and not isinstance(value, bool) and "%" in str(cell.number_format or ""):
                pct.add((r, c))
            row.append(value)
        rows.append(row)
    return Grid(rows, pct)


def _quarter_of(value) -> Period:
    return quarter(value.year, (value.month - 1) // 3 + 1)


def _quarter_ending(value) -> Period | None:
    """The quarter a date ends (None when it is not a quarter's last day)."""
    period = _quarter_of(value)
    return period if period.end == (value.date() if isinstance(value, datetime) else value) else None


def _month_ending(value) -> Period | None:
    """The month a date ends (None when it is not a month's last day)."""
    period = month(value.year, value.month)
    return period if period.end == (value.date() if isinstance(value, datetime) else value) else None


def _whole_period(value) -> Period | None:
    """The period a cell names as a whole: a quarter's last day, or a printed period ('Jul-Sep 2022', 'Q2 2022')."""
    if isinstance(value, datetime | date):
        return _quarter_ending(value)
    if isinstance(value, str) and not _is_number(value) and PERIOD_IN_TEXT.fullmatch(value.strip()):
        try:
            return parse_period(value)
        except ParseError:
            return None
    return None


def period_in(text) -> Period | None:
    """The first period a title states ('Jul-Sep 2021 removal policy' -> 2021-Q3), None when it states none."""
    for found in PERIOD_IN_TEXT.finditer(str(text or "")):
        try:
            return parse_period(found[0])
        except ParseError:
            continue
    return None


def latest_period(grids: dict[str, Grid], reading: Reading) -> Period:
    """The workbook's latest quarter: the last date in its dated sheets, else the latest period a title states,
    else the one its file name states (the period of sheets that print none)."""
    dates = [row[0] for grid in grids.values() for row in grid.rows[1:] if row and isinstance(row[0], datetime | date)]
    if dates:
        return _quarter_of(max(dates))
    stated = [p for title, grid in grids.items() for p in
              [period_in(title), *(period_in(v) for row in grid.rows[:3] for v in row if isinstance(v, str))] if p]
    if stated:
        return max(stated, key=lambda p: p.end)
    if named := period_from_name(reading.doc.name):
        return named
    raise ParseError("no period anywhere: no dated rows, no period in a title or in the file name", file=reading.doc.path)


def _cell(column: int, row: int) -> str:
    return f"{openpyxl.utils.get_column_letter(column + 1)}{row + 1}"


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str):
        return False
    try:
        figures = parse_figure(value)
    except ParseError:
        return False
    return bool(figures) and figures[0].value is not None


def _share_known(cells: list, table) -> float:
    return sum(isinstance(v, str) and v in table for v in cells) / len(cells) if cells else 0.0


def key_kind(head, cells: list, spec: dict) -> str:
    """What a leading column of labels holds: dates or periods, market codes, markets, languages, or policy labels."""
    head = str(head or "")
    if all(isinstance(v, datetime | date) or _whole_period(v) for v in cells):
        return "date"
    if re.search(r"\b(code|iso)\b", head, re.I) or all(isinstance(v, str) and re.fullmatch(r"[A-Z]{2}", v) for v in cells):
        return "code"
    if (spec.get("layout") == "by_market" or re.search(r"countr|market|territor|region", head, re.I)
            or _share_known(cells, _map("markets")) >= 0.5):
        return "market"
    if re.search(r"language", head, re.I) or _share_known(cells, _map("languages")) >= 0.5:
        return "language"
    return "label"


def sheet_rows(title: str, grid: Grid, latest: Period, reading: Reading) -> list[dict]:
    """One sheet's printed values as long-table rows, each locating its cell."""
    doc = reading.doc
    sheets, series, policies = _map("xlsx_sheets"), _map("xlsx_series"), _map("policy_areas")
    listed = title in sheets
    spec = sheets.lookup(title) if listed else {}
    rows = grid.rows
    filled = [i for i, row in enumerate(rows) if any(v is not None for v in row)]
    h = next((i for i in filled if sum(v is not None for v in rows[i]) >= 2), None)
    if h is None:
        if filled:
            reading.skip(f"sheet {title!r}", "no table (no header row over figures): not imported")
        return []
    header = rows[h]
    titles = [v for i in filled if i < h for v in rows[i] if v is not None]
    data = [i for i in filled if i > h]
    width = max(len(rows[i]) for i in [h, *data])

    def cells(c: int) -> list:
        return [rows[i][c] for i in data if c < len(rows[i]) and rows[i][c] is not None]

    def head(c: int):
        return header[c] if c < len(header) else None

    # a leading rank column ('Rank', '#') numbers the rows but names nothing: the labels follow it
    first = 1 if width > 1 and re.fullmatch(r"rank(ing)?|#|no\.?|n°", str(head(0) or "").strip(), re.I) else 0
    keys = first
    while keys < width and cells(keys) and not any(_is_number(v) for v in cells(keys)):
        keys += 1
    if not data or keys == first:
        if any(_is_number(v) for i in data for v in rows[i]):
            reading.skip(f"sheet {title!r}", "no column of labels (dates, policies or markets) names its rows: not imported")
        return []
    kinds = ["rank"] * first + [key_kind(head(c), cells(c), spec) for c in range(first, keys)]
    dated = [c for c in range(keys) if kinds[c] == "date"]
    labels = [c for c in range(keys) if kinds[c] == "label"]
    codes = [c for c in range(keys) if kinds[c] == "code"]
    # the column of market (or language) names: where most names are known, the first such column on a tie
    places = sorted((c for c in range(keys) if kinds[c] in ("market", "language")),
                    key=lambda c: -max(_share_known(cells(c), _map("markets")), _share_known(cells(c), _map("languages"))))

    sheet_period, undated, monthly = None, False, False
    if dated:  # dates that are all months' last days, not all quarters', are months (never read as quarters)
        stamps = [v for v in cells(dated[0]) if isinstance(v, datetime | date)]
        monthly = (bool(stamps) and not all(map(_quarter_ending, stamps)) and all(map(_month_ending, stamps)))
    else:
        sheet_period = next((p for p in map(period_in, [*(head(c) for c in range(keys)), *titles, title]) if p), None)
        if sheet_period is None:
            sheet_period, undated = latest, spec.get("layout") not in ("by_market", "by_subpolicy")
    # what the sheet measures where its columns name policies or periods: its printed heading, else its title
    measure = spec.get("tiktok_metric") or next((str(t) for t in titles if isinstance(t, str)), title)
    policy_type = spec.get("policy_type") or ("Sub-policy" if len(labels) > 1 else "Policy")
    if len(labels) > 1 and policy_type in _map("policy_types") and _map("policy_types").lookup(policy_type)["level"] == "policy":
        policy_type = "Sub-policy"
    fixed = {"metric": spec.get("tiktok_metric") or "", "policy_type": spec.get("policy_type") or "All", "issue": "All",
             "task_type": spec.get("task_type") or "All", "task": spec.get("task") or "All", "location": "All",
             "market": "All", "code": "", "extra": "" if listed else format_breakdown({"sheet": title})}

    columns: dict[int, dict] = {}
    for c in range(keys, width):
        name = head(c)
        if name is None:
            if cells(c):
                reading.skip(f"sheet {title!r} column {openpyxl.utils.get_column_letter(c + 1)}",
                             "figures under no header: not imported")
            continue
        text = name if isinstance(name, str) else str(name)
        if isinstance(name, str) and name in series:
            s = series.lookup(name)
            columns[c] = {"metric": s["tiktok_metric"],
                          **{k: s[k] for k in ("policy_type", "issue", "task_type", "task") if s[k]}}
        elif period := _whole_period(name):
            columns[c] = {"metric": measure, "when": period}
        elif spec.get("tiktok_metric"):  # the sheet names the measure; its columns are policies
            columns[c] = {"issue": text}
        elif not listed and dated and text in policies and text.casefold() != "all":
            columns[c] = {"metric": measure, "issue": text, "policy_type": "Policy"}
        else:
            columns[c] = {"metric": text}

    if undated and any("when" not in column for column in columns.values()):
        reading.note(f"sheet {title!r} states no period: read as the workbook's latest quarter ({latest.label})")
    out = []
    for i in data:
        row = rows[i] + [None] * (width - len(rows[i]))
        rec = dict(fixed)
        if dated:
            value = row[dated[0]]
            period = (None if value is None else _month_ending(value) if monthly and isinstance(value, datetime | date)
                      else _whole_period(value))
            if period is None and any(row[c] is not None for c in columns):
                reading.skip(f"sheet {title!r} cell {_cell(dated[0], i)}",
                             f"{value!r} is not the last day of a quarter (or of a month in a monthly sheet) nor a period: "
                             "the row is not imported")
                continue
        else:
            period = sheet_period
        if labels:
            named = [row[c] for c in labels if row[c] is not None]
            if not named:
                if any(row[c] is not None for c in columns):
                    reading.skip(f"sheet {title!r} row {i + 1}", "figures in a row no label names: not imported")
                continue
            rec.update(policy_type=policy_type, issue=str(row[labels[-1]] if row[labels[-1]] is not None else named[-1]))
        if places or codes:
            name = next((str(row[c]) for c in places if row[c] is not None), "")
            code = next((str(row[c]) for c in codes if row[c] is not None), "")
            kind = kinds[places[0]] if places else "market"
            rec.update(location="Language" if kind == "language" else "Market", market=name or code, code=code)
        for c, column in columns.items():
            value = row[c]
            if value is None:
                continue
            cell = dict(rec, period=column.get("when", period),
                        **{k: v for k, v in column.items() if k != "when"})
            cell.update(result=value if isinstance(value, str) else
                        repr_value(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value),
                        pct=(i, c) in grid.pct, place=f"sheet {title!r} cell {_cell(c, i)}")
            out.append(cell)
    if out and not listed:
        sheets.lookup(title, file=doc.path, place=f"sheet {title!r}")  # recorded: a sheet no row of xlsx_sheets.csv lists
    return out


# --- Both formats ---------------------------------------------------------------------------------------------

def drop_placeholders(long: pd.DataFrame, reading: Reading) -> pd.DataFrame:
    """Rows holding an unfilled template placeholder such as {{comment_cg_policy_grouping}} are not imported."""
    text = long[LONG].astype(str)
    hit = np.zeros(len(long), dtype=bool)
    for column in LONG:
        hit |= text[column].str.contains("{{", regex=False).to_numpy()
    for _, row in long[hit].iterrows():
        found = sorted({p for column in LONG for p in PLACEHOLDER.findall(str(row[column]))})
        reading.skip(f"{row['place']} ({row['metric']}, {_period_text(row['period'])})",
                     f"unfilled template placeholder {', '.join(found)}")
    return long[~hit].reset_index(drop=True)


def resolve_periods(long: pd.DataFrame, reading: Reading) -> pd.DataFrame:
    """Each row's period (column `when`); a row whose printed period cannot be read is skipped and listed."""
    doc = reading.doc
    periods: dict = {}
    for printed, place in zip(*_first_places(long, "period"), strict=True):
        if isinstance(printed, Period):
            periods[printed] = printed
            continue
        try:
            periods[printed] = parse_period(printed, file=str(doc.path), place=place)
        except ParseError as exc:
            periods[printed] = None
            reading.note(f"{place}: {exc.message}: its rows are not imported")
    long = long.assign(when=long["period"].map(periods))
    bad = long["when"].isna()
    for place, printed in zip(long.loc[bad, "place"], long.loc[bad, "period"], strict=True):
        reading.skip(place, f"period {printed!r} cannot be read")
    return long[~bad].reset_index(drop=True)


def _lookup_unique(long: pd.DataFrame, column: str, kind: str, doc: Document) -> dict:
    """Map each distinct label of a column through a mapping file, naming the first place it appears when unmapped."""
    table = _map(kind)
    return {label: table.lookup(label, file=doc.path, place=f"{place}, {column} {label!r}")
            for label, place in zip(*_first_places(long, column), strict=True)}


def observations_from(long: pd.DataFrame, reading: Reading) -> pd.DataFrame:
    """Map the long table's labels to our vocabulary and build the common-schema frame, column by column."""
    doc = reading.doc
    metrics = _lookup_unique(long, "metric", "metrics", doc)
    policy_types = _lookup_unique(long, "policy_type", "policy_types", doc)
    issues = _lookup_unique(long, "issue", "policy_areas", doc)
    task_types = _lookup_unique(long, "task_type", "task_types", doc)
    tasks = _lookup_unique(long, "task", "tasks", doc)
    locations = _lookup_unique(long, "location", "location_types", doc)
    regions = region_parts(long, locations, reading)
    period = long["when"]

    metric_row = long["metric"].map(metrics)
    task_type_row = long["task_type"].map(task_types)
    metric = np.array([t["metric"] or m["metric"] for m, t in zip(metric_row, task_type_row, strict=True)], dtype=object)
    metric_label = [m["metric_label"] or printed for m, printed in zip(metric_row, long["metric"], strict=True)]
    values, qualifier, printed_ratio = figure_values(long, reading)
    unit = units(long, metric, values, printed_ratio, reading)
    task_parts = {(tt, t): task_breakdown(tt, task_types[tt], t, tasks[t])
                  for tt, t in long[["task_type", "task"]].drop_duplicates().itertuples(index=False)}
    task_part = [task_parts[pair] for pair in zip(long["task_type"], long["task"], strict=True)]
    region_row = [regions[key] for key in zip(long["location"], long["market"], long["code"], strict=True)]
    breakdown = [";".join(p for p in parts if p) for parts in zip(
        (m["breakdown"] for m in metric_row), policy_type_parts(long, policy_types), task_part,
        (r[1] for r in region_row), long["extra"], strict=True)]
    issue_row = long["issue"].map(issues)
    is_ratio = unit == "ratio"
    values = np.where(is_ratio, np.round(values, 10), values)
    df = pd.DataFrame({
        "platform": "tiktok", "source": "",
        "period_start": [p.start for p in period], "period_end": [p.end for p in period],
        "period": [p.label for p in period], "region": [r[0] for r in region_row],
        "policy_area": [i["policy_area"] for i in issue_row],
        "policy_label": policy_labels(long["issue"], issue_row, period),
        "metric": metric, "metric_label": metric_label, "value": values, "unit": unit,
        "source_url": "", "document_sha256": doc.sha256,
        "locator": locator(long), "breakdown": breakdown, "value_text": long["result"].astype(str), "qualifier": qualifier,
    })
    return coerce(df)


def _key(label: str) -> str:
    """A breakdown key from a printed label ('Turn around time' -> turn_around_time)."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "other"


def task_breakdown(task_type: str, type_row: dict, task: str, task_row: dict) -> str:
    """The breakdown part of a (task type, task) pair; an unmapped one keeps the printed words."""
    value = task_row["value"] or ("" if task.casefold() in ("all", "") else task)
    if not value:
        return ""
    key = type_row["key"] or (_key(task_type) if type_row.get("unmapped") else "task")
    return format_breakdown({key: value})


def policy_type_parts(long: pd.DataFrame, policy_types: dict) -> list[str]:
    """Each row's policy-type breakdown part. Policy types that continue another (policy_types.csv canonical_label:
    'Ban reason - safety' continues 'Ban reason') are one series with it, unless the file prints one figure under two
    of them in the same period (as 'Fake accounts removed' under both ban-reason groups): then each keeps its own."""
    table = _map("policy_types")
    own = {p: (format_breakdown({"policy_type": p}) if r.get("unmapped") else r["breakdown"]) for p, r in policy_types.items()}
    family = {p: r.get("canonical_label", "") for p, r in policy_types.items()}
    printed = long["policy_type"]
    part = printed.map(own)
    fam = printed.map(family)
    members = (fam != "").to_numpy()
    if members.any():
        series = ["metric", "issue", "task_type", "task", "location", "market", "code", "extra"]
        sub = long.loc[members, series].assign(family=fam[members], label=long.loc[members, "when"].map(lambda p: p.label),
                                               printed=printed[members])
        per_period = sub.groupby([*series, "family", "label"], sort=False)["printed"].nunique()
        split = per_period[per_period > 1].reset_index()[[*series, "family"]].drop_duplicates().assign(split=True)
        is_split = sub[[*series, "family"]].merge(split, how="left", on=[*series, "family"])["split"].eq(True).to_numpy()
        canonical = fam[members].map(lambda f: table.lookup(f)["breakdown"] if f in table else "").to_numpy()
        values = part.to_numpy(dtype=object).copy()
        chosen = np.where(is_split, values[members], canonical)
        values[members] = chosen
        return list(values)
    return list(part)


def policy_labels(printed: pd.Series, issue_row: pd.Series, period: pd.Series) -> list[str]:
    """Each row's canonical policy label (policy_areas.csv), so a series reworded between editions stays one figure."""
    out = []
    for label, issue, p in zip(printed, issue_row, period, strict=True):
        # a label both taxonomies use (Gambling) names the new taxonomy's policy only from the date it took effect
        applies = not issue["canonical_from"] or p.start >= date.fromisoformat(issue["canonical_from"])
        canonical = issue["canonical_label"] if applies else ""
        out.append(canonical or (label if issue["policy_area"] != "ALL" else ""))
    return out


def _first_places(long: pd.DataFrame, column: str) -> tuple[list, list]:
    first = long.drop_duplicates(column)
    return list(first[column]), list(first["place"])


def region_parts(long: pd.DataFrame, locations: dict, reading: Reading) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(Location, Market, code) -> (region, breakdown part): a country becomes the region, a language its code.

    A market no row of markets.csv names is kept: as the ISO code printed beside it, else GLOBAL with market=<name>."""
    doc = reading.doc
    markets, languages = _map("markets"), _map("languages")
    out = {}
    pairs = long.drop_duplicates(["location", "market", "code"])
    for loc, mkt, code, place in zip(pairs["location"], pairs["market"], pairs["code"], pairs["place"], strict=True):
        kind = locations[loc]["kind"]
        where = f"{place}, Market {mkt!r}"
        printed = NOT_ISO.get(code.upper(), code.upper()) if re.fullmatch(r"[A-Za-z]{2}", code) else ""
        if kind == "all":
            out[(loc, mkt, code)] = ("GLOBAL", "" if mkt.casefold() in ("all", "") else format_breakdown({"market": mkt}))
        elif kind == "market":
            row = markets.lookup(mkt, file=doc.path, place=where + (f" (printed with the code {code!r})" if code else ""))
            region = row["region"]
            if printed and region and printed != region:
                reading.note(f"market {mkt!r} is printed with the code {code!r} but markets.csv gives {region}: "
                             f"kept as {region}")
            region = region or (printed if row.get("unmapped") else "")
            out[(loc, mkt, code)] = (region, "") if region else ("GLOBAL", format_breakdown({"market": mkt}))
        elif kind == "language":
            lang = languages.lookup(mkt, file=doc.path, place=where)["language"]
            out[(loc, mkt, code)] = ((lang, "region_kind=language") if lang
                                     else ("GLOBAL", format_breakdown({"language": mkt.lower()})))
        else:  # a location kind location_types.csv does not know (recorded): kept in the breakdown, never guessed
            out[(loc, mkt, code)] = ("GLOBAL", format_breakdown({_key(loc): mkt}))
    return out


def figure_values(long: pd.DataFrame, reading: Reading) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The printed results as floats (NaN where nothing or words were printed), each row's qualifier ('text' for
    words where a number belongs), and whether it was printed as a percentage (then read as a ratio)."""
    text = long["result"].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", copy=True)
    values[~np.isfinite(values)] = np.nan
    qualifier = np.full(len(long), "", dtype=object)
    ratio = long["pct"].to_numpy(dtype=bool).copy()
    cache: dict[str, list] = {}
    for i in np.flatnonzero(np.isnan(values)):
        printed = text.iat[i]
        if is_missing(printed):
            continue
        if printed not in cache:
            cache[printed] = parse_figure(printed, file=str(reading.doc.path), place=long["place"].iat[i], lenient=True)
        figures = cache[printed]
        if len(figures) == 1:
            figure = figures[0]
            values[i] = np.nan if figure.value is None else figure.value
            qualifier[i] = figure.qualifier
            ratio[i] |= figure.unit == "ratio"
        elif figures:  # a range ('4%-5%') is one printed figure: kept as words, never halved into two
            qualifier[i] = TEXT
    return values, qualifier, ratio


def units(long: pd.DataFrame, metric: np.ndarray, values: np.ndarray, printed_ratio: np.ndarray,
          reading: Reading) -> np.ndarray:
    """Each row's unit: the mapped metric's; for an unmapped measure, how its values are printed (a % sign, a label
    naming a rate or share, or fractions between 0 and 1 give ratios), said in a note, never silently."""
    known = vocab.metrics()
    unit = np.array([known[m]["unit"] for m in metric], dtype=object)
    unmapped = metric == vocab.UNMAPPED_METRIC
    clash = printed_ratio & ~unmapped & (unit == "count")
    for label in long.loc[clash, "metric"].unique():
        reading.note(f"metric {label!r} counts but some of its values are printed as percentages: those are kept as ratios")
    unit[clash] = "ratio"
    printed = long["metric"].to_numpy(dtype=object)
    for label in pd.unique(printed[unmapped]):
        rows = unmapped & (printed == label)
        numbers = values[rows & ~printed_ratio]
        numbers = numbers[~np.isnan(numbers)]
        fractions = numbers.size > 0 and bool(((numbers >= 0) & (numbers <= 1)).all()) and bool((numbers % 1 != 0).any())
        if printed_ratio[rows].all() and printed_ratio[rows].any():
            chosen, why = "ratio", "printed as percentages"
        elif RATE_WORDS.search(str(label)) and (numbers.size == 0 or bool((numbers <= 1).all())):
            chosen, why = "ratio", "its label names a rate or share and its values are fractions"
        elif fractions:
            chosen, why = "ratio", "printed as fractions between 0 and 1"
        elif RATE_WORDS.search(str(label)):
            chosen, why = "count", "its label names a rate or share but its values exceed 1: kept as printed"
        else:
            chosen, why = "count", "printed as whole numbers"
        unit[rows] = chosen
        unit[rows & printed_ratio] = "ratio"
        reading.note(f"metric {label!r} is not mapped: its values are read as {chosen}s ({why})")
    return unit


def locator(long: pd.DataFrame) -> pd.Series:
    """Where each figure was printed, with the labels that name it (so a reader can find the row)."""
    market = long["market"] + np.where(long["code"] != "", " (" + long["code"] + ")", "")
    return (long["place"] + " (" + long["metric"] + "; " + long["period"].map(_period_text) + "; "
            + long["policy_type"] + ": " + long["issue"] + "; " + long["task_type"] + ": " + long["task"] + "; "
            + long["location"] + ": " + market + ")")


def _period_text(period) -> str:
    return period.label if isinstance(period, Period) else str(period)
