"""TikTok's CSV editions (2022Q4 on) read into the long table: each column named by its header (columns.csv), a
renamed header recognised by its content or by its place between the columns around it."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pandas as pd

from collectors.tiktok_cger.source import LONG, SOURCE, Reading, label_mapping
from reports.ingest.columns import flag_recognised, recognised
from reports.ingest.textio import check_complete, decode_text
from reports.model import vocab
from reports.model.errors import ParseError
from reports.model.numbers import MISSING
from reports.model.periods import is_period

# A CSV edition's columns in TikTok's order (the period type is not needed: the period itself says it).
CSV_ORDER = ["metric", "period_type", "period", "policy_type", "issue", "task_type", "task", "location", "market", "result"]
REQUIRED = ("metric", "period", "result")
# The mapping files whose labels a column of that kind holds (how a renamed header is recognised by its content).
ROLE_MAPPINGS = {"metric": ("metrics",), "policy_type": ("policy_types",), "issue": ("policy_areas",),
                 "task_type": ("task_types",), "task": ("tasks",), "location": ("location_types",),
                 "market": ("countries", "languages")}


def read_csv(reading: Reading) -> pd.DataFrame:
    """The CSV edition as the long table, its columns found by header (columns.csv), else by content or place."""
    df, headers = _cells_and_headers(reading)
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


def _cells_and_headers(reading: Reading) -> tuple[pd.DataFrame, list[str]]:
    """The file's cells as text, each column by its position, and its headers as printed (stripped)."""
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
    return df, headers


def csv_roles(df: pd.DataFrame, headers: list[str], reading: Reading) -> dict[str, int]:
    """{long-table column: column position}: by header (columns.csv), then a renamed header by its content, then by
    its place between the columns around it. Every header read so is recorded, so are columns of figures left out."""
    found = ColumnRoles(df, headers, reading)
    found.by_header()
    found.by_content()
    found.by_place()
    found.report_left_out()
    missing = [r for r in REQUIRED if r not in found.roles]
    if missing:
        raise ParseError(f"no column for {', '.join(missing)} (headers {headers})", file=reading.doc.path, place="line 1")
    return found.roles


@dataclass
class ColumnRoles:
    """The long-table column each CSV column is read as (`roles`), found in stages; `free` holds the columns not
    yet read as any."""

    df: pd.DataFrame
    headers: list[str]
    reading: Reading
    roles: dict[str, int] = field(default_factory=dict)
    free: list[int] = field(default_factory=list)

    def by_header(self) -> None:
        """The columns whose header columns.csv names (the first column of a role wins)."""
        columns = label_mapping("columns")
        for at, header in enumerate(self.headers):
            role = columns.lookup(header)["column"] if header in columns else ""
            if role and role not in self.roles:
                self.roles[role] = at
            else:
                self.free.append(at)

    def take(self, role: str, at: int, how: str) -> None:
        """Read a free column as `role`, recording its header as one columns.csv should name."""
        self.roles[role] = at
        self.free.remove(at)
        flag_recognised(SOURCE, self.headers[at], role, file=self.reading.doc.path,
                        columns_mapping=label_mapping("columns"), how=how)

    def by_content(self) -> None:
        """A renamed header recognised by what its column holds, the best fits first."""
        needed = [r for r in LONG if r not in self.roles]
        cells = {at: self.df[at].tolist() for at in self.free}
        for role, at in recognised(needed, cells, lambda role, printed: _content_score(role, pd.Series(printed))):
            self.take(role, at, "content")

    def by_place(self) -> None:
        """A column still missing read from the one free column between the columns around it in TikTok's order."""
        for role in [r for r in LONG if r not in self.roles]:
            order = CSV_ORDER.index(role)
            before = max((self.roles[r] for r in CSV_ORDER[:order] if r in self.roles), default=-1)
            after = min((self.roles[r] for r in CSV_ORDER[order + 1:] if r in self.roles), default=len(self.headers))
            between = [at for at in self.free if before < at < after]
            if len(between) == 1 and _plausible(role, self.df[between[0]]):
                self.take(role, between[0], "place between the columns around it")

    def report_left_out(self) -> None:
        """Every printed column left out is listed; one of figures is also recorded as a header to map."""
        columns, doc = label_mapping("columns"), self.reading.doc
        for at in self.free:
            header, cells = self.headers[at], self.df[at].str.strip()
            if not (cells != "").any():
                continue
            if _numeric_share(cells) >= 0.5:
                vocab.record_unmapped(SOURCE, "columns", header, file=doc.path,
                                      place=f"line 1, header {header!r} (a column of figures the long table has no place for)",
                                      mapping_file=columns.relative_path, suggestion=vocab.csv_line([header, "<column>", ""]))
                self.reading.skip(f"line 1, header {header!r}",
                                  "a column of figures the long table has no place for: not imported")
            else:
                self.reading.skip(f"line 1, header {header!r}", "a column of words the long table does not need: ignored")


def _numeric_share(cells: pd.Series) -> float:
    """The share of the printed (non-missing) cells that are numbers, percentages included."""
    cells = cells.astype(str).str.strip()
    cells = cells[~cells.str.lower().isin(MISSING)]
    if cells.empty:
        return 0.0
    numbers = pd.to_numeric(cells.str.replace(",", "", regex=False).str.rstrip("%").str.strip(), errors="coerce")
    return float(numbers.notna().mean())


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
        return sum(is_period(v) for v in sample) / len(sample)
    named = [v for v in unique if v.casefold() != "all"]
    if not named or role not in ROLE_MAPPINGS:
        return 0.0
    known = [label_mapping(kind) for kind in ROLE_MAPPINGS[role]]
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
    languages, markets = label_mapping("languages"), label_mapping("countries")
    kinds = {m: ("All" if m.casefold() in ("all", "") else "Language" if m in languages and m not in markets else "Market")
             for m in market.unique()}
    return market.map(kinds)
