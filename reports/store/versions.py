"""Which stored version of a figure is its newest: the SQL the store chooses it with, over the table of every version
(`figures`, or `observations` in a store of the earlier layout)."""
from __future__ import annotations

import duckdb

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


# Each stored figure's figure_hash(), computed once when it is stored: a write finds the figures it touches by it.
KEY_HASH = "key_hash"
HASHED_BY = "key hashes computed by DuckDB"  # in store_info: the version of DuckDB that computed them


def figure_hash(alias: str = "") -> str:
    """One number per figure key: DuckDB's hash of the key's columns (as `figure_key_sql`)."""
    return f"hash({', '.join(figure_key_sql(alias))})"


def touched_rows(touched: str, alias: str = "") -> str:
    """Rows of `alias` whose stored key hash is a number in `touched` (a table of hashes `h`). Equal keys hash
    equal, so these hold every version of every figure touched, and now and then of another figure whose key shares
    a hash with one, which is recomputed alike: the result is exact. Comparing one stored number per row is much
    cheaper than comparing the keys' strings, or hashing them again at every write."""
    return f"{alias + '.' if alias else ''}{KEY_HASH} IN (SELECT h FROM {touched})"


def base_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the store holds a table of that name (not a view, not a temporary table)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                            [name]).fetchall()[0][0])


def hash_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Every figure's key hash computed and stored with it, as this DuckDB computes it (run in a transaction, where
    `key_hashes_current` is false). The hash, and the lower-casing in a key, are DuckDB's own: a store whose hashes
    another version of DuckDB computed (or that has none, written before they were stored) has them all computed
    again before anything else is written."""
    if not _has_key_hashes(con):
        con.execute(f"ALTER TABLE figures ADD COLUMN {KEY_HASH} UBIGINT")
    con.execute(f"UPDATE figures SET {KEY_HASH} = {figure_hash()}")
    con.execute("INSERT OR REPLACE INTO store_info VALUES (?, ?)", [HASHED_BY, duckdb.__version__])


def key_hashes_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store's key hashes are this DuckDB's (a store of an earlier layout has none)."""
    if not (_has_key_hashes(con) and base_table(con, "store_info")):
        return False
    return con.execute("SELECT value FROM store_info WHERE name = ?", [HASHED_BY]).fetchall() == [(duckdb.__version__,)]


def _has_key_hashes(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'figures' AND column_name = ? "
                       "AND NOT internal", [KEY_HASH]).fetchall()[0][0] > 0


def wrong_key_hashes(con: duckdb.DuckDBPyConnection) -> int:
    """Figures whose stored key hash is not their key's (none, in a sound store; 0 where another DuckDB computed
    them: the next write computes them again)."""
    if not key_hashes_current(con):
        return 0
    return con.execute(f"SELECT count(*) FROM figures WHERE {KEY_HASH} IS DISTINCT FROM {figure_hash()}").fetchall()[0][0]


def stale_marks(con: duckdb.DuckDBPyConnection, versions: str) -> tuple[int, int]:
    """(figure versions missing from `latest`, rows of `latest` that are not the newest version or orphaned), where
    `versions` is the table of every version (`figures`; `observations` in a store of the earlier layout).

    `latest` is compared with a fresh recomputation as two multisets of rows (EXCEPT ALL both ways), each row
    represented by a 64-bit hash of every column: a stale row goes unseen only if its hash equals the fresh one's."""
    columns = ", ".join(COLUMNS)
    return tuple(con.execute(f"""
        WITH fresh AS (SELECT hash({columns}) AS h, count(*) AS n FROM ({newest(versions)}) GROUP BY h),
             held AS (SELECT hash({columns}) AS h, count(*) AS n FROM latest GROUP BY h)
        SELECT coalesce(sum(greatest(coalesce(fresh.n, 0) - coalesce(held.n, 0), 0)), 0),
               coalesce(sum(greatest(coalesce(held.n, 0) - coalesce(fresh.n, 0), 0)), 0)
        FROM fresh FULL OUTER JOIN held USING (h)""").fetchall()[0])
