"""Which stored version of a figure is its newest: the SQL the store chooses it with, over the table of every version
(`figures`, or `observations` in a store of the earlier layout)."""
from __future__ import annotations

from reports.model.schema import COLUMNS, figure_key_sql

# Labels compare without case: publishers recapitalise ('Violence And Incitement' / 'Violence and Incitement').
KEY = ", ".join(figure_key_sql())
O_KEY = ", ".join(figure_key_sql("o"))
EDITION_ORDER = ("d.edition_date DESC NULLS LAST, d.published DESC NULLS LAST, d.retrieved DESC NULLS LAST, "
                 "d.first_seen DESC, o.document_sha256")


# Documents from newest edition to oldest, a total order (the sha256 breaks ties): a figure's newest version is its
# row in the document ranked first.
DOCUMENT_RANK = (f"SELECT d.sha256, row_number() OVER (ORDER BY {EDITION_ORDER.replace('o.document_sha256', 'd.sha256')}) "
                 "AS rank FROM documents d")


def chosen(touched: str | None = None, table: str = "figures") -> str:
    """The row id of each figure's newest version: its row in the document ranked first. A hash aggregate over row
    ids (much cheaper than a window sorted by the keys' strings); with `touched`, only the figures it names."""
    versions = f"{table} o" if touched is None else f"{table} o WHERE {touched_rows(touched, 'o')}"
    return (f"SELECT arg_min(o.rowid, r.rank) AS id FROM (SELECT o.rowid, o.* FROM {versions}) o "
            f"JOIN ({DOCUMENT_RANK}) r ON r.sha256 = o.document_sha256 GROUP BY {O_KEY}")


def newest(table: str = "figures") -> str:
    """Each figure's newest version, recomputed from every version stored (in `table`)."""
    return f"SELECT {', '.join(COLUMNS)} FROM {table} o SEMI JOIN ({chosen(table=table)}) c ON c.id = o.rowid"


def figure_hash(alias: str = "") -> str:
    """One number per figure key: DuckDB's hash of the key's columns (as `figure_key_sql`)."""
    return f"hash({', '.join(figure_key_sql(alias))})"


def touched_rows(touched: str, alias: str = "") -> str:
    """Rows of `alias` whose figure key hashes to a number in `touched` (a table of hashes `h`). Equal keys hash
    equal, so these hold every version of every figure touched, and now and then of another figure whose key shares
    a hash with one, which is recomputed alike: the result is exact. Comparing one number per row is much cheaper
    than comparing the keys' strings."""
    return f"{figure_hash(alias)} IN (SELECT h FROM {touched})"
