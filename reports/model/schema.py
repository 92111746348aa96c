"""The common schema, declared once: every column of an observation with its type, description and constraints.

The pandera checks, the DuckDB table, the Frictionless Table Schema of exports and the curated-file columns are
all derived from `OBSERVATION_FIELDS` (and `EXPORT_FIELDS` for the columns an export adds)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reports.model import vocab
from reports.model.errors import ValidationError
from reports.model.periods import Period

if TYPE_CHECKING:  # imported where needed: an export to CSV runs without pandas
    import pandas as pd

UNITS = {"count", "ratio", "hours", "days", "people", "euros", "text"}
# What a derived figure is marked with when a source stores one (computed by us from published figures).
DERIVED = "derived"
# What a figure printed once for several platforms together is marked with (NCMEC 2020's 'Amazon / Twitch'): it is
# stored for each platform it covers, its locator naming the printed row, and counted once in any sum.
COMBINED = "combined"
# `text`: words printed where a number was expected (value empty, the words in value_text).
QUALIFIERS = {"", "range_lower", "range_upper", "less_than", "more_than", "approximate", "rounded", "estimate", "text",
              "footnoted", DERIVED, COMBINED}
# Patterns match a whole value (as Table Schema's do; use re.fullmatch).
REGION_PATTERN = r"GLOBAL|EU|EEA|[A-Z]{2}|[a-z]{2,3}"
BREAKDOWN_PATTERN = r"([a-z0-9_]+=[^;]*(;[a-z0-9_]+=[^;]*)*)?"
SLUG_PATTERN = r"[a-z0-9]+(-[a-z0-9]+)*"
URL_PATTERN = r"(https?|file)://.+"
SHA256_PATTERN = r"[0-9a-f]{64}"
# Patterns whose every match a CSV holds as it is: it cannot start like a formula, nor hold a comma, a quote or a
# line feed (tests draw values from each pattern and check it). A text in these is written without being checked.
CSV_PLAIN_PATTERNS = (REGION_PATTERN, SLUG_PATTERN, SHA256_PATTERN)
_CSV_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ .]*")


@dataclass(frozen=True)
class Field:
    """One column: its Table Schema type (string, date, number, integer), description and constraints."""

    name: str
    type: str
    description: str
    required: bool = True  # never empty ("" for a string, null for a date or number)
    pattern: str | None = None  # matches the whole value
    enum: Callable[[], Iterable[str]] | None = None  # the allowed values, read when checking

    def problem(self, value: str) -> str | None:
        """What is wrong with a text value for this column (None when nothing is): empty, pattern or enum."""
        if not value:
            return f"{self.name} is empty" if self.required else None
        if self.pattern and not re.fullmatch(self.pattern, value):
            return f"{self.name} {value!r} does not match {self.pattern}"
        if self.enum is not None and value not in set(self.enum()):
            return f"{self.name} {value!r} is not one of the known values"
        return None

    def csv_plain(self) -> bool:
        """Whether every value this column allows is written to a CSV as it is (no formula start, comma, quote or
        line feed): dates, the CSV_PLAIN_PATTERNS, and vocabularies of plain words."""
        if self.type == "date" or self.pattern in CSV_PLAIN_PATTERNS:
            return True
        return self.type == "string" and self.enum is not None and all(
            _CSV_PLAIN_TEXT.fullmatch(v) for v in self.enum() if v)

    def constraints(self) -> dict:
        """Its Frictionless constraints."""
        out: dict = {"required": True} if self.required else {}
        if self.pattern:
            out["pattern"] = self.pattern
        if self.enum is not None:
            out["enum"] = sorted(v for v in self.enum() if v)
        return out


def _policy_areas() -> Iterable[str]:
    return vocab.policy_areas()


def _metrics() -> Iterable[str]:
    return vocab.metrics()


OBSERVATION_FIELDS: tuple[Field, ...] = (
    # The export contract (../shared/DESIGN.md): these sixteen first, in this order.
    Field("platform", "string", "Platform slug (lowercase), e.g. facebook, twitch; an organisation without a platform "
          "of ours keeps a slug of its name.", pattern=SLUG_PATTERN),
    Field("source", "string", "Collector id of the source the figure comes from, e.g. meta-cser, ncmec-esp.",
          pattern=SLUG_PATTERN),
    Field("period_start", "date", "First day of the period the figure covers (inclusive)."),
    Field("period_end", "date", "Last day of the period the figure covers (inclusive)."),
    Field("period", "string", "Period label: 2023, 2023-H1, 2023-Q4, 2023-11 or 2023-11-05."),
    Field("region", "string", "GLOBAL, EU, EEA, an ISO 3166-1 alpha-2 code, or a lowercase language code "
          "(then the breakdown says region_kind=language).", pattern=REGION_PATTERN),
    Field("policy_area", "string", "EU DSA statement category (STATEMENT_CATEGORY_*) or ALL; UNMAPPED where no "
          "mapping covers the publisher's label yet (not yet harmonised: never sum it with the others).",
          enum=_policy_areas),
    Field("policy_label", "string", "The publisher's own words for the policy area.", required=False),
    Field("metric", "string", "Metric id in the atlas vocabulary, e.g. content_actioned, ncmec_reports; unmapped "
          "where no mapping covers the publisher's measure yet (metric_label names it).", enum=_metrics),
    Field("metric_label", "string", "The publisher's own words for the metric."),
    Field("value", "number", "The figure as published (a ratio for percentages); empty where the publisher printed "
          "no figure (N/A, empty cell, words), which is a gap, not a zero.", required=False),
    Field("unit", "string", "Unit of value: " + ", ".join(sorted(UNITS)) + ".", enum=lambda: UNITS),
    Field("source_url", "string", "Where the publisher published the document the figure was read from.",
          pattern=URL_PATTERN),
    Field("document_sha256", "string", "SHA-256 of the exact document the figure was read from (see sources).",
          pattern=SHA256_PATTERN),
    Field("locator", "string", "Where in that document the figure is printed (line, sheet and cell, page, "
          "part/row/column)."),
    Field("breakdown", "string", "Empty for a total, else key=value[;key=value]; totals and breakdowns must not be "
          "summed.", required=False, pattern=BREAKDOWN_PATTERN),
    # What the publisher printed, and how it qualified the figure.
    Field("value_text", "string", "The figure exactly as the publisher printed it.", required=False),
    Field("qualifier", "string", "How the publisher qualified the figure: empty for exact, else "
          + ", ".join(sorted(q for q in QUALIFIERS if q)) + f" ({DERIVED}: computed by the atlas from published figures; "
          f"{COMBINED}: one printed figure for several platforms together, given to each of them and counted once "
          "in any sum).", required=False, enum=lambda: QUALIFIERS),
)
COLUMNS = [f.name for f in OBSERVATION_FIELDS]
CONTRACT_COLUMNS = COLUMNS[:16]
EXTRA_COLUMNS = COLUMNS[16:]
# What the licence column says of a source that stated none: the atlas never claims one on its behalf.
NO_LICENCE = "no licence stated"
# Columns an export adds after the observation's own: the licence, whether the figure is harmonised, and the
# derived per-million columns (computed at export time, never stored).
EXPORT_FIELDS: tuple[Field, ...] = (
    Field("license", "string", f"Licence the source stated for the document ('{NO_LICENCE}' where it stated none; "
          "the atlas claims none on its behalf)."),
    Field("harmonised", "string", "yes, or 'not yet' where the figure's policy or measure is the publisher's own label "
          "that no mapping covers yet (policy_area UNMAPPED or metric unmapped): comparable only with itself, never "
          "summed or charted with harmonised figures.", enum=lambda: ("yes", "not yet")),
    Field("counted_in", "string", "What else counts this figure (reports/model/vocabularies/overlaps.csv): the figure "
          "that contains it (X's 'Abuse, Harassment & Hateful Conduct' contains 'Hateful Conduct'; NCMEC's total contains "
          "every provider), the other way a publisher counts the same things, or the other platforms of a combined "
          "figure; empty for none. Never add a figure to what counts it.", required=False),
    Field("coverage", "string", "Only in an export of sums of daily counts (--per month or year): 'complete', or "
          "'partial: N of M days (first to last)' where the source's daily figures cover only part of the month or "
          "year (such a sum is not the period's whole count); empty for a figure that is not such a sum.",
          required=False),
    Field("recipients", "number", "Derived: average monthly active recipients the platform reported under the DSA for "
          "the figure's region (EU or a member state) and period (computed at export time, not published with the "
          "figure).", required=False),
    Field("value_per_million_recipients", "number", "Derived: value per million recipients (computed at export time "
          "from value and recipients, not a published figure).", required=False),
)
FIELDS_BY_NAME = {f.name: f for f in OBSERVATION_FIELDS + EXPORT_FIELDS}

# Every document the figures come from: the store's `documents` table, and an export's sources sheet.
DOCUMENT_FIELDS: tuple[Field, ...] = (
    Field("sha256", "string", "SHA-256 of the document.", pattern=SHA256_PATTERN),
    Field("source", "string", "Collector id."),
    Field("name", "string", "File name of the document.", required=False),
    Field("path", "string", "Where the document was read from (relative to the sources folder).", required=False),
    Field("size", "integer", "Size of the document in bytes.", required=False),
    Field("media_type", "string", "Media type of the document.", required=False),
    Field("source_url", "string", "Where the document was published.", required=False),
    Field("publisher", "string", "Who published the document.", required=False),
    Field("license", "string", f"Licence the source stated ('{NO_LICENCE}' where none).", required=False),
    Field("published", "date", "Publication date where known.", required=False),
    Field("retrieved", "datetime", "When the document was retrieved, where known.", required=False),
    Field("title", "string", "Title of the publication.", required=False),
    Field("edition", "string", "Edition label of the document (the newest edition of a figure wins).", required=False),
    Field("edition_date", "date", "Date of the edition.", required=False),
    Field("first_seen", "datetime", "When the atlas first stored the document.", required=False),
    Field("fingerprint", "string", "Parser version and mappings the document was read with.", required=False),
    Field("text", "string", "Free text the document holds (e.g. a DSA report's qualitative part).", required=False),
    Field("notes", "string", "What reading the document found worth saying (a total that does not add up, ...).",
          required=False),
)
# A curated file (figures transcribed by hand, collectors/curated_*/figures.csv): the observation's own columns
# a transcriber fills in, then where the figure was transcribed from.
CURATED_FIELDS: tuple[Field, ...] = (
    *(FIELDS_BY_NAME[name] for name in ("platform", "period", "metric", "metric_label", "policy_label", "value", "unit",
                                        "region", "breakdown", "source_url", "locator")),
    Field("transcribed_from", "string", "The page, table or compilation the figure was copied from."),
    Field("note", "string", "What a reader should know about the figure.", required=False),
)
# Labels no mapping covers, per document: what `tatlas unmapped` lists and `tatlas build --strict` refuses.
UNMAPPED_FIELDS: tuple[Field, ...] = (
    Field("document_sha256", "string", "The document the label was printed in.", pattern=SHA256_PATTERN),
    Field("source", "string", "Collector id."),
    Field("field", "string", "The mapping the label was looked up in (policy_areas, metrics, platforms, ...)."),
    Field("label", "string", "The publisher's words, verbatim."),
    Field("figures", "integer", "How many figures of the document carry the label."),
    Field("first_place", "string", "Where the label was first met.", required=False),
    Field("first_locator", "string", "The locator of the first figure that carries it.", required=False),
    Field("mapping_file", "string", "The mapping file that would map it."),
    Field("suggestion", "string", "The row to add to that file, its targets in <angle brackets>."),
)
# What an export's sources sheet adds to a document's own fields.
SOURCE_EXPORT_FIELDS: tuple[Field, ...] = (
    Field("license_as_stated", "string", "The source card's own words about the licence.", required=False),
    Field("figures", "integer", "How many exported figures come from this document."),
)
# DuckDB's type for each Table Schema type.
SQL_TYPES = {"string": "VARCHAR", "date": "DATE", "number": "DOUBLE", "integer": "BIGINT", "datetime": "TIMESTAMP"}
_PANDAS_TYPES = {"string": str, "date": "datetime64[ns]", "number": float}


def sql_columns(fields: Iterable[Field] = OBSERVATION_FIELDS) -> str:
    """`name TYPE, ...` for a CREATE TABLE."""
    return ", ".join(f"{f.name} {SQL_TYPES[f.type]}" for f in fields)


def sql_typed(fields: Iterable[Field] = OBSERVATION_FIELDS) -> str:
    """`CAST(name AS TYPE) AS name, ...`: values as the store holds them (before they are hashed, say)."""
    return ", ".join(f"CAST({f.name} AS {SQL_TYPES[f.type]}) AS {f.name}" for f in fields)


# The columns that name one figure; two editions of it differ only in value and document. The metric is
# ours, not the publisher's wording, so a series whose label was reworded between editions stays one figure
# (Meta's fake accounts: 'Accounts Actioned' in 2021Q3, 'Content Actioned' elsewhere).
FIGURE_KEY = ["source", "platform", "period_start", "period_end", "region", "policy_area", "policy_label",
              "metric", "breakdown"]
# A measure no mapping covers (metric `unmapped`) is told apart by the publisher's words: two unmapped measures
# of one policy and period are two figures.
UNMAPPED_METRIC = "unmapped"
UNMAPPED_AREA = "UNMAPPED"


def figure_key_sql(alias: str = "") -> list[str]:
    """FIGURE_KEY as SQL expressions over a table (alias `o` -> `o.platform`, ...): labels compare without case
    (publishers recapitalise), and an unmapped metric is named by its label."""
    a = f"{alias}." if alias else ""
    out = []
    for column in FIGURE_KEY:
        if column.endswith("_label"):
            out.append(f"lower({a}{column})")
        elif column == "metric":
            out.append(f"CASE WHEN {a}metric = '{UNMAPPED_METRIC}' THEN '{UNMAPPED_METRIC}:' || lower({a}metric_label) "
                       f"ELSE {a}metric END")
        else:
            out.append(f"{a}{column}")
    return out


def figure_keys(df: pd.DataFrame) -> pd.DataFrame:
    """FIGURE_KEY columns of a frame, with an unmapped metric named by its label (as `figure_key_sql`)."""
    keys = df[FIGURE_KEY].copy()
    unmapped = df["metric"] == UNMAPPED_METRIC
    if unmapped.any():
        keys.loc[unmapped, "metric"] = UNMAPPED_METRIC + ":" + df.loc[unmapped, "metric_label"].str.lower()
    return keys


def passes_directly(df: pd.DataFrame) -> bool:
    """Whether a coerced frame passes every check of `_schema`, tested column by column: dates present, patterns
    matched whole, values in their vocabulary, required texts not empty, no period ending before it starts. Never
    more lenient than pandera (a test holds them to that): where this says no, pandera decides."""
    import pandas as pd
    for f in OBSERVATION_FIELDS:
        column = df[f.name]
        if f.type == "date" and column.isna().any():
            return False
        if f.type == "number" and f.required and column.isna().any():
            return False
        if f.type != "string":
            continue
        if f.pattern or f.enum is not None:  # each distinct value once: such a column repeats a few values
            column = pd.Series(column.unique(), dtype=column.dtype)
        if f.pattern and not column.str.fullmatch(f.pattern).all():
            return False
        if f.enum is not None and not column.isin(set(f.enum())).all():
            return False
        if f.required and not f.pattern and f.enum is None and (column.str.len() < 1).any():
            return False
    return bool((df["period_end"] >= df["period_start"]).all())


def _schema():
    """The pandera schema, from OBSERVATION_FIELDS (imported here: pandera is slow to import; only builds need it)."""
    import pandera.pandas as pa

    columns = {}
    for f in OBSERVATION_FIELDS:
        checks = []
        if f.pattern:
            checks.append(pa.Check.str_matches(f"(?:{f.pattern})\\Z"))  # whole: `$` would pass a final line feed
        if f.enum is not None:
            checks.append(pa.Check.isin(sorted(f.enum())))
        if f.required and f.type == "string" and not f.pattern and f.enum is None:
            checks.append(pa.Check.str_length(min_value=1))
        # Strings are never null (empty is ""); a number may be (a published gap).
        columns[f.name] = pa.Column(_PANDAS_TYPES[f.type], checks, nullable=f.type == "number" and not f.required)
    return pa.DataFrameSchema(
        columns,
        checks=[pa.Check(lambda df: df["period_end"] >= df["period_start"], error="period ends before it starts")],
        strict=True,
        ordered=True,
    )


def observation(*, platform: str, period: Period, metric: str, metric_label: str, value: float | None,
                locator: str, unit: str | None = None, region: str = "GLOBAL", policy_area: str = "ALL",
                policy_label: str = "", breakdown: str | dict[str, str] = "", value_text: str = "",
                qualifier: str = "", source_url: str = "", document_sha256: str = "") -> dict:
    """One row of the common schema; the build fills `source`, and the document's URL and sha256 where empty.

    `unit` defaults to the metric's unit in the vocabulary."""
    if isinstance(breakdown, dict):
        breakdown = format_breakdown(breakdown)
    unit = unit or vocab.metrics().get(metric, {}).get("unit") or "count"
    return {
        "platform": platform, "source": "", "period_start": period.start, "period_end": period.end,
        "period": period.label, "region": region, "policy_area": policy_area, "policy_label": policy_label,
        "metric": metric, "metric_label": metric_label, "value": value, "unit": unit, "source_url": source_url,
        "document_sha256": document_sha256, "locator": locator, "breakdown": breakdown,
        "value_text": value_text if value_text else ("" if value is None else repr_value(value)),
        "qualifier": qualifier,
    }


def repr_value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def format_breakdown(parts: dict[str, str]) -> str:
    """`key=value;key=value` in the order given; ';' and '=' inside values are replaced so it stays parseable."""
    clean = {k: str(v).replace(";", ",").replace("=", ":").strip() for k, v in parts.items() if v is not None}
    return ";".join(f"{k}={v}" for k, v in clean.items())


def parse_breakdown(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(";")) if text else {}


def frame(rows: list[dict]) -> pd.DataFrame:
    """Rows (dicts from `observation`) as a DataFrame with the schema's column order and dtypes."""
    import pandas as pd
    df = pd.DataFrame(rows, columns=COLUMNS)
    return coerce(df)


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd
    df = df.reindex(columns=COLUMNS).copy()
    for column in COLUMNS:
        if column in ("period_start", "period_end"):
            df[column] = pd.to_datetime(df[column]).astype("datetime64[ns]")
        elif column == "value":
            df[column] = pd.to_numeric(df[column], errors="raise").astype("float64")
        else:
            df[column] = df[column].fillna("").astype(str)
    return df


def validate(df: pd.DataFrame, *, file: str | None = None, source: str | None = None) -> pd.DataFrame:
    """Validate observations against the common schema; raise ValidationError naming the rows at fault.

    A frame whose every value passes the fields' checks as tested directly (`passes_directly`) is valid as it
    is; pandera, which takes most of a second to import and set up, judges the others and names their faults."""
    coerced = coerce(df)
    if passes_directly(coerced):
        return coerced
    from pandera.errors import SchemaErrors

    try:
        return _schema().validate(coerced, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.head(5)
        details = "; ".join(
            f"column {row.column} check {row.check} value {row.failure_case!r}"
            + (f" at {df['locator'].iloc[int(row.index)]}" if row.index is not None and str(row.index).isdigit()
               and "locator" in df and int(row.index) < len(df) else "")
            for row in cases.itertuples())
        raise ValidationError(f"{len(exc.failure_cases)} schema failure(s): {details}", file=file,
                              source=source) from None
