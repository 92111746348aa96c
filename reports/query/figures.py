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
# How a document's column is read from the store where it is not its own text.
SOURCE_READ = {"edition_date": "strftime(edition_date, '%Y-%m-%d')", "published": "strftime(published, '%Y-%m-%d')",
               "retrieved": "strftime(retrieved, '%Y-%m-%dT%H:%M:%S')", "license_as_stated": "license"}


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
    stored = [c for c in SOURCE_COLUMNS if c not in ("license", "figures")]  # those two are made here
    read = ", ".join(c if c == "size" else f"coalesce(CAST({SOURCE_READ.get(c, c)} AS VARCHAR), '')" for c in stored)
    records = []
    for row in store.con.execute(f"SELECT {read} FROM documents ORDER BY source, edition_date NULLS LAST, name").fetchall():
        record = dict(zip(stored, row, strict=True))
        if record["sha256"] in counts:
            record |= {"license": licence_statement(record["license_as_stated"]), "figures": int(counts[record["sha256"]])}
            records.append({c: record[c] for c in SOURCE_COLUMNS})
    return records
