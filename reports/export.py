"""Exports of the latest observations: the contract columns first (../shared/DESIGN.md), then the licence
each figure's source stated, then extras; every export also writes a Frictionless `datapackage.json`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd

from reports import normalise
from reports.errors import AtlasError
from reports.periods import parse_period
from reports.schema import COLUMNS, CONTRACT_COLUMNS, EXTRA_COLUMNS, NO_LICENCE, UNMAPPED_AREA, UNMAPPED_METRIC
from reports.spreadsheet import write_csv, write_xlsx
from reports.store import Store

FORMATS = ("csv", "parquet", "xlsx", "json")
TEXT_FORMATS = ("csv", "json")  # those that can go to standard output
# The licence travels with each figure, right after the contract columns; `harmonised` says which figures are the
# publisher's own labels that no mapping covers yet.
EXPORT_COLUMNS = CONTRACT_COLUMNS + ["license"] + EXTRA_COLUMNS + ["harmonised"]
DATA_SHEET, SOURCES_SHEET = "data", "sources"
XLSX_MAX_ROWS = 1_048_576  # a sheet's rows, the header included
SOURCE_COLUMNS = ["sha256", "source", "publisher", "title", "edition", "edition_date", "published", "retrieved",
                  "source_url", "license", "license_as_stated", "name", "size", "media_type", "figures"]

# Licences we recognise in a source card's words: (pattern, SPDX id, title, URL). Anything else a card says
# is repeated verbatim; a card that states none (or says so) gives NO_LICENCE, never a guess.
KNOWN_LICENCES = (
    (r"\bcc[- ]?by[- ]?4\.0\b|creative commons attribution 4\.0", "CC-BY-4.0",
     "Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    (r"\bcc[- ]?by[- ]?sa[- ]?4\.0\b", "CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 International",
     "https://creativecommons.org/licenses/by-sa/4.0/"),
    (r"\bcc0\b|public domain dedication", "CC0-1.0", "Creative Commons Zero v1.0 Universal",
     "https://creativecommons.org/publicdomain/zero/1.0/"),
    (r"\bapache[- ]?(license )?2\.0\b|\bapache-2\.0\b", "Apache-2.0", "Apache License 2.0",
     "https://www.apache.org/licenses/LICENSE-2.0"),
    (r"\bodbl\b|open database license", "ODbL-1.0", "Open Data Commons Open Database License v1.0",
     "https://opendatacommons.org/licenses/odbl/1-0/"),
    (r"^mit\b|\bmit license\b", "MIT", "MIT License", "https://opensource.org/license/mit"),
)
_NO_LICENCE_PATTERN = re.compile(r"^\s*$|^(no|none)\b|\bnot stated\b|\bno (open )?licen[cs]e\b|\bunknown\b", re.I)


# Selection's list fields and the column each filters.
LIST_FILTERS = {"platforms": "platform", "sources": "source", "policy_areas": "policy_area", "metrics": "metric",
                "regions": "region", "breakdowns": "breakdown"}


@dataclass
class Selection:
    """Shared filters: every list is OR within itself and AND across; empty means everything."""

    platforms: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    policy_areas: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    # Exact breakdowns ('task=automation'); see also totals_only.
    breakdowns: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    # Only totals (an empty breakdown): what a reader usually wants when citing or charting one figure.
    totals_only: bool = False

    def __post_init__(self) -> None:
        """Drop empty choices (an unset dashboard field); read --since/--until as any period we parse ('2024',
        '2024-H1', '2024-03-31'): the start and the end of it."""
        for name in LIST_FILTERS:
            setattr(self, name, [v for v in getattr(self, name) if v not in (None, "")])
        if self.since:
            self.since = parse_period(self.since, place="--since").start.isoformat()
        if self.until:
            self.until = parse_period(self.until, place="--until").end.isoformat()

    def where(self) -> tuple[str, list]:
        clauses, params = [], []
        if self.totals_only:
            clauses.append("breakdown = ''")
        for name, column in LIST_FILTERS.items():
            values = getattr(self, name)
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params += list(values)
        if self.since:
            clauses.append("period_end >= CAST(? AS DATE)")
            params.append(self.since)
        if self.until:
            clauses.append("period_start <= CAST(? AS DATE)")
            params.append(self.until)
        return " AND ".join(clauses), params

    def describe(self) -> str:
        """The filters in words, for titles and descriptors ('all figures' when there are none)."""
        parts = [f"{column.replace('_', ' ')} {', '.join(getattr(self, name))}" for name, column in LIST_FILTERS.items()
                 if getattr(self, name)]
        if self.since:
            parts.append(f"periods ending on or after {self.since}")
        if self.until:
            parts.append(f"periods starting on or before {self.until}")
        if self.totals_only:
            parts.append("totals only")
        return "; ".join(parts) or "all figures"


def select(store: Store, selection: Selection | None = None) -> pd.DataFrame:
    """The latest observations matching a selection, with dates as ISO strings."""
    where, params = (selection or Selection()).where()
    df = store.latest(where, params)
    for column in ("period_start", "period_end"):
        df[column] = pd.to_datetime(df[column]).dt.strftime("%Y-%m-%d")
    return df[COLUMNS]


# -- licences ------------------------------------------------------------------------------------------
def known_licences(text: str | None) -> list[dict]:
    """The recognised licences a source card states ({name, title, path} each); none when it states none."""
    if text is None or (isinstance(text, float) and pd.isna(text)) or _NO_LICENCE_PATTERN.search(str(text)):
        return []
    return [{"name": name, "title": title, "path": url} for pattern, name, title, url in KNOWN_LICENCES
            if re.search(pattern, str(text), re.I)]


def licence_statement(text: str | None) -> str:
    """What an export says about a source's licence: 'no licence stated' where the card states none, the SPDX id
    where the card names exactly that licence, else the card's own words (e.g. two licences for two layers)."""
    if text is None or (isinstance(text, float) and pd.isna(text)) or _NO_LICENCE_PATTERN.search(str(text)):
        return NO_LICENCE
    licences = known_licences(text)
    if len(licences) == 1 and len(str(text).strip()) <= 40:
        return licences[0]["name"]
    return " ".join(str(text).split())


# -- what an export holds ------------------------------------------------------------------------------
def export_frame(store: Store, selection: Selection | None = None, *, per_million: bool = False) -> pd.DataFrame:
    """The latest figures of a selection in export order: contract columns, `license`, extras (and derived ones)."""
    df = select(store, selection)
    licences = store.query("SELECT sha256, license FROM documents")
    by_document = {sha: licence_statement(text) for sha, text in zip(licences.sha256, licences.license, strict=True)}
    df.insert(len(CONTRACT_COLUMNS), "license", df["document_sha256"].map(by_document).fillna(NO_LICENCE))
    df["harmonised"] = harmonised(df)
    if per_million:
        df = add_per_million(store, df)
    return df.reset_index(drop=True)


def harmonised(df: pd.DataFrame) -> pd.Series:
    """'yes', or 'not yet' for a figure whose policy or measure no mapping covers yet (its words kept verbatim)."""
    unmapped = (df["policy_area"] == UNMAPPED_AREA) | (df["metric"] == UNMAPPED_METRIC)
    return unmapped.map({True: "not yet", False: "yes"})


def add_per_million(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """Add `recipients` and `value_per_million_recipients` (derived, computed now) where recipients are known."""
    out = normalise.per_million_recipients(store, df)
    extra = [c for c in out.columns if c not in df.columns]
    return out[list(df.columns) + extra]


def sources_frame(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """The documents behind a set of figures: URL, sha256, publisher, licence, dates, and how many figures each gave."""
    counts = df["document_sha256"].value_counts()
    docs = store.query("SELECT * FROM documents ORDER BY source, edition_date NULLS LAST, name")
    docs = docs[docs["sha256"].isin(counts.index)].copy()
    docs["license_as_stated"] = docs["license"].fillna("")
    docs["license"] = docs["license_as_stated"].map(licence_statement)
    docs["figures"] = docs["sha256"].map(counts).astype("int64")
    for column in ("edition_date", "published"):
        docs[column] = pd.to_datetime(docs[column]).dt.strftime("%Y-%m-%d")
    docs["retrieved"] = pd.to_datetime(docs["retrieved"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    for column in SOURCE_COLUMNS:
        if column not in ("size", "figures"):
            docs[column] = docs[column].fillna("").astype(str)
    return docs[SOURCE_COLUMNS].reset_index(drop=True)


# -- writing -------------------------------------------------------------------------------------------
def write(df: pd.DataFrame, out: Path | TextIO, fmt: str, sources: pd.DataFrame | None = None) -> Path | TextIO:
    """Write observations in one of FORMATS to a file or a text stream (standard output: csv and json only;
    XLSX: a data sheet, and a sources sheet when given)."""
    if not hasattr(out, "write"):
        out.parent.mkdir(parents=True, exist_ok=True)
    elif fmt not in TEXT_FORMATS:
        raise AtlasError(f"{fmt} cannot go to a text stream: give a file (--out) or use {' or '.join(TEXT_FORMATS)}")
    if fmt == "csv":
        write_csv(df, out)
    elif fmt == "parquet":
        df.to_parquet(out, index=False)
    elif fmt == "json":
        df.to_json(out, orient="records", indent=1, force_ascii=False)
    elif fmt == "xlsx":
        if len(df) >= XLSX_MAX_ROWS:
            raise AtlasError(f"{len(df)} figures do not fit in one XLSX sheet ({XLSX_MAX_ROWS - 1} rows at most): "
                             "narrow the selection or use --format parquet or csv", file=out)
        write_xlsx({DATA_SHEET: df, **({SOURCES_SHEET: sources} if sources is not None else {})}, out)
    else:
        raise AtlasError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}", file=out)
    return out


@dataclass
class Exported:
    """What an export wrote."""

    data: Path
    package: Path
    rows: int
    sources: int


def export(store: Store, out: Path, fmt: str, selection: Selection | None = None, *,
           per_million: bool = False) -> Exported:
    """Write a selection's figures and, beside them, a `datapackage.json` describing and checksumming them."""
    from reports.package import check_output, package_path, write_package

    check_output(out, store.path)
    package_path(out)  # refuses before anything is written when no descriptor may be written
    selection = selection or Selection()
    df = export_frame(store, selection, per_million=per_million)
    sources = sources_frame(store, df)
    write(df, out, fmt, sources)
    package = write_package(store, out, fmt, df, sources, selection)
    return Exported(data=out, package=package, rows=len(df), sources=len(sources))
