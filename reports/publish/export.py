"""Exports of the latest observations: the contract columns first (../shared/DESIGN.md), then the licence
each figure's source stated, then extras; every export also writes a Frictionless `datapackage.json`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pandas as pd

from reports.model.errors import AtlasError
from reports.model.licences import licence_statement
from reports.model.overlaps import counted_in
from reports.model.schema import CONTRACT_COLUMNS, EXTRA_COLUMNS, NO_LICENCE, UNMAPPED_AREA, UNMAPPED_METRIC
from reports.model.selection import Selection
from reports.publish.package import check_output, package_path, write_package
from reports.publish.spreadsheet import DATA_SHEET, SOURCES_SHEET, write_csv, write_xlsx
from reports.query import rollup
from reports.query.figures import select, sources_frame
from reports.query.normalise import add_per_million
from reports.store.database import Store

FORMATS = ("csv", "parquet", "xlsx", "json")
TEXT_FORMATS = ("csv", "json")  # those that can go to standard output
# The licence travels with each figure, right after the contract columns; `harmonised` says which figures are the
# publisher's own labels that no mapping covers yet; `counted_in` what else counts a figure (never add the two).
EXPORT_COLUMNS = CONTRACT_COLUMNS + ["license"] + EXTRA_COLUMNS + ["harmonised", "counted_in"]
XLSX_MAX_ROWS = 1_048_576  # a sheet's rows, the header included


# -- what an export holds ------------------------------------------------------------------------------
def export_frame(store: Store, selection: Selection | None = None, *, per_million: bool = False,
                 per: str | None = None) -> pd.DataFrame:
    """The latest figures of a selection in export order: contract columns, `license`, extras (and derived ones).
    `per` ('month' or 'year') replaces daily counts by their sums per calendar month or year (derived; `coverage`
    says whether the daily figures cover the whole period)."""
    df = select(store, selection)
    if per:
        df = summed_daily(store, df, per)
    licences = store.query("SELECT sha256, license FROM documents")
    by_document = {sha: licence_statement(text) for sha, text in zip(licences.sha256, licences.license, strict=True)}
    df.insert(len(CONTRACT_COLUMNS), "license", df["document_sha256"].map(by_document).fillna(NO_LICENCE))
    df["harmonised"] = harmonised(df)
    df["counted_in"] = counted_in(df)  # overlaps declared as data: what else counts each figure
    if per_million:
        df = add_per_million(store, df)
    return df.reset_index(drop=True)


def summed_daily(store: Store, df: pd.DataFrame, per: str) -> pd.DataFrame:
    """An export's daily counts summed per month or year (rollup), in the export's columns plus `coverage`."""
    sums = rollup.sums_of_daily(store, df, per)
    coverage = ["" if pd.isna(c) else "complete" if c == n else f"partial: {c} of {n} days"
                for c, n in zip(sums["days_covered"], sums["days_in_period"], strict=True)]
    for column in ("period_start", "period_end"):
        sums[column] = pd.to_datetime(sums[column]).dt.strftime("%Y-%m-%d")
    return sums[list(df.columns)].assign(coverage=coverage)


def harmonised(df: pd.DataFrame) -> pd.Series:
    """'yes', or 'not yet' for a figure whose policy or measure no mapping covers yet (its words kept verbatim)."""
    unmapped = (df["policy_area"] == UNMAPPED_AREA) | (df["metric"] == UNMAPPED_METRIC)
    return unmapped.map({True: "not yet", False: "yes"})


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
           per_million: bool = False, per: str | None = None) -> Exported:
    """Write a selection's figures and, beside them, a `datapackage.json` describing and checksumming them."""
    check_output(out, store.path)
    package_path(out)  # refuses before anything is written when no descriptor may be written
    selection = selection or Selection()
    df = export_frame(store, selection, per_million=per_million, per=per)
    sources = sources_frame(store, df)
    write(df, out, fmt, sources)
    package = write_package(store, out, fmt, df, sources, selection)
    return Exported(data=out, package=package, rows=len(df), sources=len(sources))
