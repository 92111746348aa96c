"""What every query shares: one cursor per query (callers share a store across threads) and IN clauses."""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from reports.store.database import Store

if TYPE_CHECKING:  # imported where needed: an export to CSV runs without pandas
    import pandas as pd


def run(store: Store, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one query on its own cursor (DuckDB connections are not shared safely between threads)."""
    return store.con.cursor().execute(sql, params or []).fetchdf()


def rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    """`run`, as plain tuples: for what needs no frame (and so no pandas)."""
    return store.con.cursor().execute(sql, params or []).fetchall()


def on_own_cursor(store: Store) -> Store:
    """The store seen through its own cursor, so that Store methods are safe beside other threads."""
    view = copy.copy(store)
    view.con = store.con.cursor()
    return view


def add_in(column: str, values, clauses: list[str], params: list) -> None:
    """Append `column IN (...)` for a non-empty list of values."""
    values = [v for v in (values or []) if v not in (None, "")]
    if values:
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
        params.extend(values)
