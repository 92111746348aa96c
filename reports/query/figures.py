"""The latest figures of a selection, and the documents behind them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from reports.model.licences import licence_statement
from reports.model.schema import COLUMNS
from reports.model.selection import Selection
from reports.store.database import Store

if TYPE_CHECKING:  # imported where needed: an export to CSV runs without pandas
    import pandas as pd

SOURCE_COLUMNS = ["sha256", "source", "publisher", "title", "edition", "edition_date", "published", "retrieved",
                  "source_url", "license", "license_as_stated", "name", "size", "media_type", "figures"]


def select(store: Store, selection: Selection | None = None) -> pd.DataFrame:
    """The latest observations matching a selection, with dates as ISO strings."""
    import pandas as pd

    where, params = (selection or Selection()).where()
    df = store.latest(where, params)
    for column in ("period_start", "period_end"):
        df[column] = pd.to_datetime(df[column]).dt.strftime("%Y-%m-%d")
    return df[COLUMNS]


def sources_frame(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """The documents behind a set of figures: URL, sha256, publisher, licence, dates, and how many figures each gave."""
    import pandas as pd

    return pd.DataFrame(sources_of(store, df["document_sha256"].value_counts().to_dict()), columns=SOURCE_COLUMNS)


def sources_of(store: Store, counts: Mapping[str, int]) -> list[dict]:
    """The documents of `counts` (figures per document sha256) as records of SOURCE_COLUMNS, as `sources_frame`
    gives them: dates as ISO text, texts '' where missing, the licence as an export states it beside its words."""
    texts = [f"coalesce(strftime({c}, '%Y-%m-%d'), '')" if c in ("edition_date", "published")
             else "coalesce(strftime(retrieved, '%Y-%m-%dT%H:%M:%S'), '')" if c == "retrieved"
             else "coalesce(license, '')" if c == "license_as_stated"
             else c if c in ("size", "license") else f"coalesce(CAST({c} AS VARCHAR), '')"
             for c in SOURCE_COLUMNS if c != "figures"]
    rows = store.con.execute(f"SELECT {', '.join(texts)} FROM documents "
                             "ORDER BY source, edition_date NULLS LAST, name").fetchall()
    names = [c for c in SOURCE_COLUMNS if c != "figures"]
    records = [dict(zip(names, row, strict=True)) for row in rows if row[0] in counts]
    for record in records:
        record["license"] = licence_statement(record["license_as_stated"])
        record["figures"] = int(counts[record["sha256"]])
    return records
