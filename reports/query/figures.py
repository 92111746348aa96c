"""The latest figures of a selection, and the documents behind them."""
from __future__ import annotations

import pandas as pd

from reports.model.licences import licence_statement
from reports.model.schema import COLUMNS
from reports.model.selection import Selection
from reports.store.database import Store

SOURCE_COLUMNS = ["sha256", "source", "publisher", "title", "edition", "edition_date", "published", "retrieved",
                  "source_url", "license", "license_as_stated", "name", "size", "media_type", "figures"]


def select(store: Store, selection: Selection | None = None) -> pd.DataFrame:
    """The latest observations matching a selection, with dates as ISO strings."""
    where, params = (selection or Selection()).where()
    df = store.latest(where, params)
    for column in ("period_start", "period_end"):
        df[column] = pd.to_datetime(df[column]).dt.strftime("%Y-%m-%d")
    return df[COLUMNS]


def sources_frame(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """The documents behind a set of figures: URL, sha256, publisher, licence, dates, and how many figures each gave."""
    return sources_of(store, df["document_sha256"].value_counts())


def sources_of(store: Store, counts: pd.Series) -> pd.DataFrame:
    """The documents of `counts` (figures per document sha256), as `sources_frame` gives them."""
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
