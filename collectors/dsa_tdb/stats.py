"""The daily statistics over the whole EU DSA Transparency Database (shantay's builtin.parquet) as observations."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from collectors.dsa_tdb.layout import SOURCE_ID
from reports.ingest.collector import Collector, ParseResult, edition_meta
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.schema import DERIVED, coerce
from reports.model.vocab import mappings_in, slugify

# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in(SOURCE_ID, FOLDER / "mappings")

METRIC_LABEL = "statements of reasons"
# The columns of shantay's statistics as we know them, and those the import reads (by name, in any order): a
# column added later is not read and is named in the document's notes; one the import reads must be there.
STATS_COLUMNS = ["start_date", "end_date", "tag", "platform", "category", "column", "entity", "variant", "text",
                 "count", "min", "mean", "max"]
READ_COLUMNS = ["start_date", "end_date", "platform", "column", "entity", "variant", "count"]

# The cuts imported besides the category, as (shantay's column, where the value sits). decision_type keeps its
# combination in `entity` (vis, vis_mon, ..., is_null); every other column keeps the field's value in `variant`.
CUTS = {
    "decision_type": "entity", "decision_visibility": "variant", "decision_monetary": "variant",
    "decision_provision": "variant", "decision_account": "variant", "decision_ground": "variant",
    "content_type": "variant", "automated_detection": "variant", "automated_decision": "variant",
    "source_type": "variant", "account_type": "variant", "territorial_scope": "variant",
}
# A statement that leaves the field empty (shantay's null variant), as it appears in the breakdown.
NO_VALUE = "none"


def platform_slug(name: str) -> str:
    """Our slug for a platform name in the database: the mapping file for known ones, else a slug of the name."""
    known = label_mapping("platforms")
    if name in known:
        return known.lookup(name)["platform"]
    slug = slugify(name)
    # A name with no ASCII letters at all still needs a stable slug.
    return slug or "platform-" + hashlib.sha1(name.encode()).hexdigest()[:8]


def slug_table(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"platform_name": names, "slug": [platform_slug(n) for n in names]})


class DsaTdbStats(Collector):
    """Import shantay's daily statistics: per day, platform and category totals; other cuts summed per month."""

    id = SOURCE_ID
    version = "3"  # 3: columns read by name; the fields not imported are told
    patterns = ("*.parquet",)
    folders = ("dsa-tdb-stats",)
    read_elsewhere = {"dsa-sor": "statements of reasons from the daily dumps, read by `tatlas sor ingest`, not by the build"}

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read the parquet with DuckDB and shape the rows of the common schema in SQL."""
        (doc,) = documents
        con = duckdb.connect()
        notes: list[str] = []
        try:
            frame, first, last = stats_observations(con, str(doc.path), notes)
        finally:
            con.close()
        label = f"shantay statistics {first.isoformat()} to {last.isoformat()}"
        notes.insert(0, f"{doc.name}: {len(frame)} observation(s), days {first} to {last}; other cuts than the "
                        "category are monthly sums of the daily counts")
        return ParseResult(frame, document_meta={doc.sha256: edition_meta(label, last)}, notes=notes)


def register_stats(con: duckdb.DuckDBPyConnection, path: str, notes: list[str]) -> None:
    """The statistics as the view `stats`, once they hold the columns the import reads; what it does not read is
    told in `notes`."""
    try:
        con.register("stats", con.read_parquet(path))
        columns = [r[0] for r in con.execute("DESCRIBE stats").fetchall()]
    except duckdb.Error as exc:
        raise ParseError(f"not a readable Parquet file ({exc})", file=path) from None
    missing = [c for c in READ_COLUMNS if c not in columns]
    if missing:
        raise ParseError(f"missing column(s) {missing}: the statistics' columns are {columns}", file=path)
    if added := [c for c in columns if c not in STATS_COLUMNS]:
        notes.append(f"{Path(path).name}: column(s) {added} are new to us: not read")
    fields = [r[0] for r in con.execute('SELECT DISTINCT "column" FROM stats WHERE "column" IS NOT NULL '
                                        'ORDER BY 1').fetchall()]
    if unread := [f for f in fields if f not in CUTS and f not in ("rows", "category")]:
        notes.append(f"{Path(path).name}: the statistics of {len(unread)} field(s) are not imported (only the "
                     f"category and {len(CUTS)} cuts are): {', '.join(unread)}")


def stats_observations(con: duckdb.DuckDBPyConnection, path: str,
                       notes: list[str]) -> tuple[pd.DataFrame, date, date]:
    """Daily totals per platform (ALL) and per platform and category; monthly sums per platform for each cut.
    What is not read (columns added later, fields shantay counts but the atlas does not import) is told in `notes`."""
    register_stats(con, path, notes)
    first, last, multi_day = con.execute(
        "SELECT min(start_date), max(end_date), count(*) FILTER (WHERE start_date <> end_date) FROM stats").fetchone()
    if first is None:
        raise ParseError("no rows", file=path)
    if multi_day:
        raise ParseError(f"{multi_day} row(s) span more than one day; expected daily statistics", file=path)
    names = [r[0] for r in con.execute("SELECT DISTINCT platform FROM stats WHERE platform IS NOT NULL").fetchall()]
    con.register("slugs", slug_table(names))
    cut_values = " ".join(f"WHEN '{c}' THEN {where}" for c, where in CUTS.items())
    cut_names = ", ".join(f"'{c}'" for c in CUTS)
    df = con.sql(f"""
        WITH daily AS (
            SELECT start_date AS day, platform, "column" AS col, variant AS area, "count" AS n
            FROM stats
            WHERE platform IS NOT NULL AND "column" IN ('rows', 'category') AND entity IS NULL),
        cuts AS (
            SELECT date_trunc('month', start_date)::DATE AS month, platform, "column" AS col,
                   coalesce(CASE "column" {cut_values} END, '{NO_VALUE}') AS val, sum("count") AS n
            FROM stats
            WHERE platform IS NOT NULL AND "column" IN ({cut_names})
              AND (entity IS NULL OR "column" = 'decision_type') AND "count" > 0
            GROUP BY ALL),
        shaped AS (
            SELECT platform, day AS period_start, day AS period_end, strftime(day, '%Y-%m-%d') AS period,
                   CASE col WHEN 'rows' THEN 'ALL' ELSE area END AS policy_area,
                   CASE col WHEN 'rows' THEN '' ELSE area END AS policy_label,
                   '' AS breakdown, n,
                   strftime(day, '%Y-%m-%d') || ' ' || platform || ' ' || CASE col WHEN 'rows' THEN 'rows'
                       ELSE 'category=' || area END AS locator, '' AS qualifier
            FROM daily
            UNION ALL
            SELECT platform, month, last_day(month), strftime(month, '%Y-%m'), 'ALL', '', col || '=' || val, n,
                   strftime(month, '%Y-%m') || ' ' || platform || ' ' || col || '=' || val || ' (sum of daily counts)',
                   -- the statistics are daily: a monthly sum is ours, so it is marked as derived
                   '{DERIVED}'
            FROM cuts)
        SELECT s.slug AS platform, '{SOURCE_ID}' AS source, period_start, period_end, period, 'EU' AS region,
               policy_area, policy_label, 'sor_count' AS metric, '{METRIC_LABEL}' AS metric_label,
               n::DOUBLE AS value, 'count' AS unit, '' AS source_url, '' AS document_sha256, locator, breakdown,
               n::VARCHAR AS value_text, qualifier
        FROM shaped JOIN slugs s ON s.platform_name = shaped.platform
        ORDER BY platform, period_start, policy_area, breakdown""").to_arrow_table().to_pandas()
    bad = df[df["policy_area"].isna()]
    if not bad.empty:
        raise ParseError("a category row has no category value", file=path, place=bad.iloc[0]["locator"])
    return coerce(df), first, last
