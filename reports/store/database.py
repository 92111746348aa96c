"""The store: an embedded DuckDB database holding every version of every figure, with its document."""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from reports import data_home
from reports.model.documents import Document, SourceCard, card_from, document_row
from reports.model.errors import StoreError
from reports.model.schema import COLUMNS, DOCUMENT_FIELDS, FIGURE_KEY, UNMAPPED_FIELDS, sql_columns, sql_typed
from reports.store.locks import locked
from reports.store.versions import (
    EDITION_ORDER,
    KEY,
    KEY_HASH,
    O_KEY,
    base_table,
    chosen,
    figure_hash,
    hash_keys,
    key_hashes_current,
    touched_rows,
)

if TYPE_CHECKING:  # imported where needed: an export to CSV runs without pandas
    import pandas as pd

ENV_VAR = "TATLAS_DB"
BUNDLED_DIR = Path(__file__).resolve().parent / "atlas"
BUNDLE_TABLES = ("documents", "observations", "skipped", "latest", "unmapped", "sources")
# Every version of every figure is a row of `figures`; its newest version is marked there (the view `latest`), not
# copied, so a write stores each figure once. `observations` is the view of every version.
LATEST_MARK = "is_latest"

# The tables' columns come from the schema's declarations (reports/schema.py).
DOCUMENT_COLUMNS = [f.name for f in DOCUMENT_FIELDS]
def figures_table(observations: pd.DataFrame | pa.Table) -> pa.Table:
    """Figures as an Arrow table in the schema's columns: DuckDB scans one several times faster than a pandas frame."""
    if isinstance(observations, pa.Table):
        return observations.select(COLUMNS)
    return pa.Table.from_pandas(observations[COLUMNS], preserve_index=False)


def default_db_path() -> Path:
    """`$TATLAS_DB`, else `$XDG_DATA_HOME/tatlas/atlas.duckdb` (~/.local/share/tatlas/atlas.duckdb)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return data_home() / "atlas.duckdb"


def resolve_db(db: str | Path | None) -> Path:
    """The store's path, symlinks resolved (a link to a store is that store: one lock, one file)."""
    return (Path(db).expanduser() if db else default_db_path()).resolve()


@dataclass
class Bundle:
    """A parsed bundle as the store takes it: its documents (`add_document`'s arguments), figures, rows not
    imported, labels no mapping covers, and its source's card."""

    entries: list[dict]
    observations: pd.DataFrame | pa.Table
    card: SourceCard | None = None
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    unmapped: list[dict] = field(default_factory=list)


class Store:
    """Read and write the atlas. Open a file with `Store(path)`, or the bundled atlas with `Store.bundled()`."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False):
        self.path = path
        try:
            self.con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the store ({exc})", file=path) from None
        if not read_only:
            self._create()

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def bundled(cls, directory: Path = BUNDLED_DIR) -> Store:
        """The atlas committed with the project, loaded into memory (no build needed)."""
        missing = [t for t in BUNDLE_TABLES if not (directory / f"{t}.parquet").exists()]
        if missing:
            raise StoreError(f"the bundled atlas lacks {missing}; run `tatlas bundle`", file=directory)
        store = cls(None)
        # `latest` ships materialised, so opening the bundle is a load, not a recomputation; every version of
        # every figure is read from its Parquet file only when asked for (changes, provenance), so start is quick.
        for table in BUNDLE_TABLES:
            path = str(directory / f"{table}.parquet")
            quoted = path.replace("'", "''")
            if table == "observations":
                store.con.execute("DROP VIEW observations")
                store.con.execute(f"CREATE VIEW observations AS SELECT * FROM read_parquet('{quoted}')")
            elif table == "latest":
                store.con.execute("DROP VIEW latest")
                store.con.execute(f"CREATE TABLE latest AS SELECT * FROM read_parquet('{quoted}')")
            else:
                store.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [path])
        store.label = "bundled atlas"
        return store

    @classmethod
    def open(cls, db: str | Path | None = None, *, fallback_to_bundled: bool = True) -> Store:
        """The store at --db / $TATLAS_DB / the default path; the bundled atlas where none was built yet."""
        path = resolve_db(db)
        if path.exists():
            store = cls(path, read_only=True)
            store.label = str(path)
            return store
        if db or not fallback_to_bundled:
            raise StoreError("no store here; run `tatlas build` first", file=path)
        return cls.bundled()

    label = "store"

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------------------
    def _create(self) -> None:
        self.con.execute(f"CREATE TABLE IF NOT EXISTS documents ({sql_columns(DOCUMENT_FIELDS)}, PRIMARY KEY (sha256))")
        if base_table(self.con, "observations"):
            self._mark_in_place()
        self.con.execute(f"CREATE TABLE IF NOT EXISTS figures ({sql_columns()}, {LATEST_MARK} BOOLEAN NOT NULL "
                         f"DEFAULT false, {KEY_HASH} UBIGINT)")
        self.con.execute(f"CREATE VIEW IF NOT EXISTS observations AS SELECT {', '.join(COLUMNS)} FROM figures")
        self.con.execute(f"CREATE VIEW IF NOT EXISTS latest AS SELECT {', '.join(COLUMNS)} FROM figures WHERE {LATEST_MARK}")
        self.con.execute("CREATE TABLE IF NOT EXISTS skipped (document_sha256 VARCHAR, locator VARCHAR, "
                         "reason VARCHAR)")
        self.con.execute(f"CREATE TABLE IF NOT EXISTS unmapped ({sql_columns(UNMAPPED_FIELDS)})")
        self.con.execute("CREATE TABLE IF NOT EXISTS sources (id VARCHAR PRIMARY KEY, card VARCHAR)")
        self.con.execute("CREATE TABLE IF NOT EXISTS store_info (name VARCHAR PRIMARY KEY, value VARCHAR)")
        if not key_hashes_current(self.con):
            with self.transaction():
                hash_keys(self.con)

    def _mark_in_place(self) -> None:
        """Bring a store written by an earlier version (every version in `observations`, the newest copied into a
        table `latest`) to the figures marked in place, in one transaction."""
        with self.transaction():
            self.con.execute("ALTER TABLE observations RENAME TO figures")
            self.con.execute(f"ALTER TABLE figures ADD COLUMN {LATEST_MARK} BOOLEAN DEFAULT false")
            self.con.execute("DROP TABLE IF EXISTS latest")
            self.con.execute(f"CREATE VIEW observations AS SELECT {', '.join(COLUMNS)} FROM figures")
            self.con.execute(f"CREATE VIEW latest AS SELECT {', '.join(COLUMNS)} FROM figures WHERE {LATEST_MARK}")
            self.refresh_latest()

    # -- writing ---------------------------------------------------------------------------------
    def fingerprints(self) -> dict[str, str]:
        """The fingerprint each stored document was read with (collector version and mappings), by sha256."""
        return dict(self.con.execute("SELECT sha256, fingerprint FROM documents").fetchall())

    def remove_document(self, sha256: str) -> None:
        for table, column in (("figures", "document_sha256"), ("skipped", "document_sha256"),
                              ("unmapped", "document_sha256"), ("documents", "sha256")):
            self.con.execute(f"DELETE FROM {table} WHERE {column} = ?", [sha256])

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One atomic, durable change: committed whole when the block ends, rolled back whole when it raises (a
        process killed inside it leaves nothing of it: DuckDB replays only committed transactions)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def replace_documents(self, entries: list[dict], observations: pd.DataFrame, *, card: SourceCard | None = None,
                          skipped: list[tuple[str, str, str]] = (), unmapped: list[dict] = ()) -> None:
        """Store one parsed bundle (its documents, figures, skipped rows and unmapped labels, and its source's card)
        in one transaction, replacing any earlier parse of the same documents, and bring `latest` up to date for the
        figures touched."""
        self.replace_bundles([Bundle(entries, observations, card, list(skipped), list(unmapped))])

    def replace_bundles(self, bundles: list[Bundle]) -> None:
        """Store several parsed bundles in one transaction: each is stored whole or not at all, as on its own, and
        `latest` is brought up to date once for the figures any of them touched (a build stores together the
        bundles its workers have ready, so a store write's fixed costs are paid once for them all)."""
        shas = [e["doc"].sha256 for bundle in bundles for e in bundle.entries]
        # The figures touched: those the documents held before, and those they hold now (hashed as stored).
        touched = (f"SELECT DISTINCT {KEY_HASH} AS h FROM figures "
                   f"WHERE document_sha256 IN ({', '.join('?' for _ in shas)})")
        with self.transaction():
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE touched AS {touched}", shas)
            for bundle in bundles:
                if bundle.card is not None:
                    self.put_card(bundle.card)
                self.add_documents(bundle.entries)
                self.add_skipped(bundle.skipped)
                self.add_unmapped(bundle.unmapped)
                self.add_observations(bundle.observations)
            self.con.execute(f"INSERT INTO touched {touched}", shas)
            self.refresh_latest(touched="touched")
            self.con.execute("DROP TABLE touched")

    def put_card(self, card: SourceCard) -> None:
        """Keep a source's card with its figures, so whatever reads the store can show it (caveats, licence)."""
        text = json.dumps(asdict(card))
        if self.con.execute("SELECT card FROM sources WHERE id = ?", [card.id]).fetchone() != (text,):
            self.con.execute("INSERT OR REPLACE INTO sources VALUES (?, ?)", [card.id, text])  # replacing costs more

    def source_cards(self) -> dict[str, SourceCard]:
        """The cards of the sources the store holds, by id."""
        rows = self.con.execute("SELECT id, card FROM sources ORDER BY id").fetchall()
        return {sid: card_from(json.loads(text), source_id=sid) for sid, text in rows}

    def source_card(self, source_id: str) -> SourceCard | None:
        return self.source_cards().get(source_id)

    def add_document(self, doc: Document, *, relative_path: str, fingerprint: str, meta: dict | None = None,
                     notes: list[str] | None = None) -> None:
        self.add_documents([{"doc": doc, "relative_path": relative_path, "fingerprint": fingerprint, "meta": meta,
                             "notes": notes}])

    def add_documents(self, entries: list[dict]) -> None:
        """Documents (each `add_document`'s arguments) in one query, replacing earlier reads of the same ones (the
        last of a document given twice is kept)."""
        entries = list({entry["doc"].sha256: entry for entry in entries}.values())
        if not entries:
            return
        shas = [entry["doc"].sha256 for entry in entries]
        seen = dict(self.con.execute(f"SELECT sha256, first_seen FROM documents WHERE sha256 IN "
                                     f"({', '.join('?' for _ in shas)})", shas).fetchall())
        for sha in seen:  # a document's rows are stored with it, in one transaction: a new one has none
            self.remove_document(sha)
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = [document_row(**entry, first_seen=seen.get(entry["doc"].sha256, now)) for entry in entries]
        one = f"({', '.join('?' for _ in DOCUMENT_COLUMNS)})"
        self.con.execute(f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)}) VALUES {', '.join(one for _ in rows)}",
                         [row[c] for row in rows for c in DOCUMENT_COLUMNS])

    def add_observations(self, observations: pd.DataFrame | pa.Table) -> None:
        if not len(observations):
            return
        self.con.register("new_observations", figures_table(observations))
        # The key hashed as the store holds it (a timestamp and a date of the same day hash apart).
        self.con.execute(f"INSERT INTO figures BY NAME SELECT *, true AS {LATEST_MARK}, {figure_hash()} AS {KEY_HASH} "
                         f"FROM (SELECT {sql_typed()} FROM new_observations)")
        self.con.unregister("new_observations")

    def add_skipped(self, rows: list[tuple[str, str, str]]) -> None:
        if rows:
            self.con.executemany("INSERT INTO skipped VALUES (?, ?, ?)", rows)

    def add_unmapped(self, rows: list[dict]) -> None:
        if rows:
            import pandas as pd

            frame = pd.DataFrame(rows, columns=[f.name for f in UNMAPPED_FIELDS])
            self.con.register("new_unmapped", frame)
            self.con.execute("INSERT INTO unmapped BY NAME SELECT * FROM new_unmapped")
            self.con.unregister("new_unmapped")

    def refresh_latest(self, touched: str | None = None) -> None:
        """Mark each figure's newest version (the value in the newest edition that printed it): the view `latest`.

        With `touched` (a table of the hashes `h` of figure keys), only the versions of those figures are marked
        again, found by a semi-join on one number: a write costs its own size, not the store's. Of those, a hash
        only one row holds is a figure with one version, its newest: the editions are compared only where a hash
        is shared (most figures are printed by one edition)."""
        # Only the marks that change are written (a figure stored is marked newest until then): most new figures
        # are the newest, and an update costs DuckDB its size again at the commit.
        if touched is None:
            self.con.execute(f"UPDATE figures SET {LATEST_MARK} = NOT {LATEST_MARK} "
                             f"WHERE {LATEST_MARK} <> (rowid IN ({chosen()}))")
            return
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE shared AS SELECT {KEY_HASH} AS h FROM figures "
                         f"WHERE {touched_rows(touched)} GROUP BY 1 HAVING count(*) > 1")
        self.con.execute(f"UPDATE figures SET {LATEST_MARK} = NOT {LATEST_MARK} WHERE {touched_rows(touched)} AND "
                         f"{LATEST_MARK} <> ({KEY_HASH} NOT IN (SELECT h FROM shared) OR rowid IN ({chosen('shared')}))")
        self.con.execute("DROP TABLE shared")

    # -- reading ---------------------------------------------------------------------------------
    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).fetchdf()

    def latest(self, where: str = "", params: list | None = None) -> pd.DataFrame:
        """Latest observations, contract columns first, ordered for reading."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM latest {('WHERE ' + where) if where else ''} " \
              "ORDER BY source, platform, metric, policy_area, region, breakdown, period_start, period_end, " \
              "policy_label, metric_label, document_sha256, locator"  # a total order: the same store, the same bytes
        return self.query(sql, params)

    def documents(self) -> pd.DataFrame:
        return self.query("SELECT * FROM documents ORDER BY source, edition_date NULLS LAST, name")

    def changes(self, platform: str | None = None, source: str | None = None) -> pd.DataFrame:
        """Figures whose value differs between consecutive editions: old and new value, both documents."""
        filters, params = [], []
        if platform:
            filters.append("platform = ?")
            params.append(platform)
        if source:
            filters.append("source = ?")
            params.append(source)
        where = ("WHERE " + " AND ".join(filters)) if filters else ""
        return self.query(f"""
            WITH versions AS (
                SELECT o.*, d.edition, d.edition_date, d.first_seen, d.name AS document_name, d.source_url AS doc_url,
                       row_number() OVER (PARTITION BY {O_KEY}
                                          ORDER BY {EDITION_ORDER.replace('DESC', 'ASC')}) AS version
                FROM observations o JOIN documents d ON d.sha256 = o.document_sha256
                {where.replace('platform', 'o.platform').replace('source =', 'o.source =')}),
            paired AS (
                SELECT *, lag(value) OVER w AS old_value, lag(value_text) OVER w AS old_value_text,
                       lag(document_sha256) OVER w AS old_document_sha256, lag(edition) OVER w AS old_edition,
                       lag(document_name) OVER w AS old_document_name, lag(locator) OVER w AS old_locator,
                       lag(metric_label) OVER w AS old_metric_label
                FROM versions WINDOW w AS (PARTITION BY {KEY} ORDER BY version))
            SELECT {', '.join(FIGURE_KEY)}, metric_label, old_metric_label, period, old_value, value AS new_value,
                   old_value_text, value_text AS new_value_text,
                   unit, old_edition, edition AS new_edition, old_document_name, document_name AS new_document_name,
                   old_document_sha256, document_sha256 AS new_document_sha256, old_locator, locator AS new_locator,
                   first_seen AS new_first_seen
            FROM paired
            WHERE old_document_sha256 IS NOT NULL AND old_value IS DISTINCT FROM value
            ORDER BY source, platform, metric, policy_label, breakdown, period_start, new_edition""", params)

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("documents", "observations", "latest", "skipped")}

    def unmapped(self) -> pd.DataFrame:
        """Labels no mapping covers, once per source, field and label: the documents and figures that carry them
        (in the latest edition that printed them), where first met, and the mapping row that would map them."""
        return self.query("""
            WITH dated AS (
                SELECT u.*, d.name, coalesce(d.edition_date, CAST(d.first_seen AS DATE)) AS edition_order
                FROM unmapped u JOIN documents d ON d.sha256 = u.document_sha256)
            SELECT source, field, label, count(DISTINCT document_sha256) AS documents,
                   arg_max(figures, (edition_order, name)) AS figures,
                   arg_min(first_place, (edition_order, name)) AS first_place,
                   arg_min(first_locator, (edition_order, name)) AS first_locator,
                   arg_min(name, (edition_order, name)) AS first_document,
                   any_value(mapping_file) AS mapping_file, any_value(suggestion) AS suggestion
            FROM dated GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""")

    def carry_first_seen(self, previous: Path) -> None:
        """Keep the date a document was first seen from an earlier bundle, so rebuilding does not renew it."""
        old = previous / "documents.parquet"
        if old.exists():
            self.con.execute("UPDATE documents SET first_seen = old.first_seen FROM read_parquet(?) AS old "
                             "WHERE old.sha256 = documents.sha256 AND old.first_seen < documents.first_seen",
                             [str(old)])

    def export_bundle(self, directory: Path) -> None:
        """Write the tables as compressed Parquet, sorted so that the same build gives the same files."""
        directory.mkdir(parents=True, exist_ok=True)
        orders = {"documents": "source, name, sha256", "skipped": "document_sha256, locator, reason", "sources": "id",
                  "unmapped": "document_sha256, source, field, label",
                  "latest": f"{', '.join(FIGURE_KEY)}, document_sha256, locator",
                  "observations": f"{', '.join(FIGURE_KEY)}, document_sha256, locator"}
        for table in BUNDLE_TABLES:
            target = directory / f"{table}.parquet"
            tmp = target.with_suffix(".parquet.tmp")
            self.con.execute(f"COPY (SELECT * FROM {table} ORDER BY {orders[table]}) TO '{tmp}' "
                             "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 9, ROW_GROUP_SIZE 250000)")
            os.replace(tmp, target)


@contextmanager
def writing(path: Path) -> Iterator[Store]:
    """Open a store for changes, holding its lock. Each change is its own DuckDB transaction
    (`Store.transaction`, `Store.replace_documents`), so a write costs its own size and a failure or a kill in
    the middle of one leaves the store as the last committed change left it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        # Leftovers of the copy-then-rename writes of earlier versions.
        for stale in (path.with_name(path.name + ".tmp"), path.with_name(path.name + ".tmp.wal")):
            stale.unlink(missing_ok=True)
        store = Store(path)
        try:
            yield store
            store.con.execute("CHECKPOINT")
        finally:
            store.close()
