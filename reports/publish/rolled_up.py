"""An export's figures with daily counts summed per calendar month or year, built in memory: a sum needs every day
of its period, and a selection's daily figures are what it holds. Sums are derived figures; `coverage` says
whether the days summed cover the whole period."""
from __future__ import annotations

import pandas as pd

from reports.model.licences import licence_statement
from reports.model.overlaps import counted_in
from reports.model.schema import CONTRACT_COLUMNS, NO_LICENCE, UNMAPPED_AREA, UNMAPPED_METRIC
from reports.model.selection import Selection
from reports.query import rollup
from reports.query.figures import select
from reports.query.normalise import add_per_million
from reports.store.database import Store


def rolled_up_frame(store: Store, selection: Selection, *, per_million: bool, per: str) -> pd.DataFrame:
    """The figures of a selection with daily counts summed per month or year, in export order, in memory (the sums
    need every day of their period; a selection's daily figures are what it holds)."""
    df = summed_daily(store, select(store, selection), per)
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
