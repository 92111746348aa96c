"""The common schema: one row per published figure, validated with pandera."""
from __future__ import annotations

import pandas as pd

from reports import vocab
from reports.errors import ValidationError
from reports.periods import Period

# The export contract (../shared/DESIGN.md): these columns first, in this order.
CONTRACT_COLUMNS = [
    "platform", "source", "period_start", "period_end", "period", "region", "policy_area", "policy_label",
    "metric", "metric_label", "value", "unit", "source_url", "document_sha256", "locator", "breakdown",
]
# What the publisher printed, and how it qualified the figure ('' exact; 'range_lower', 'less_than', ...).
EXTRA_COLUMNS = ["value_text", "qualifier"]
COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS
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


# What a derived figure is marked with when a source stores one (computed by us from published figures).
DERIVED = "derived"

UNITS = {"count", "ratio", "hours", "days", "people", "euros", "text"}
# `text`: words printed where a number was expected (value empty, the words in value_text).
QUALIFIERS = {"", "range_lower", "range_upper", "less_than", "more_than", "approximate", "rounded", "estimate", "text",
              DERIVED}
REGION_PATTERN = r"^(GLOBAL|EU|EEA|[A-Z]{2}|[a-z]{2,3})$"
BREAKDOWN_PATTERN = r"^$|^[a-z0-9_]+=[^;]*(;[a-z0-9_]+=[^;]*)*$"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def _schema():
    """The pandera schema (imported here: pandera is slow to import and only builds need it)."""
    import pandera.pandas as pa

    text = {"nullable": False}
    return pa.DataFrameSchema(
        {
            "platform": pa.Column(str, pa.Check.str_matches(SLUG_PATTERN), **text),
            "source": pa.Column(str, pa.Check.str_matches(SLUG_PATTERN), **text),
            "period_start": pa.Column("datetime64[ns]", **text),
            "period_end": pa.Column("datetime64[ns]", **text),
            "period": pa.Column(str, pa.Check.str_length(min_value=4), **text),
            "region": pa.Column(str, pa.Check.str_matches(REGION_PATTERN), **text),
            "policy_area": pa.Column(str, pa.Check.isin(sorted(vocab.policy_areas())), **text),
            "policy_label": pa.Column(str, **text),
            "metric": pa.Column(str, pa.Check.isin(sorted(vocab.metrics())), **text),
            "metric_label": pa.Column(str, pa.Check.str_length(min_value=1), **text),
            "value": pa.Column(float, nullable=True),
            "unit": pa.Column(str, pa.Check.isin(sorted(UNITS)), **text),
            "source_url": pa.Column(str, pa.Check.str_matches(r"^(https?|file)://"), **text),
            "document_sha256": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$"), **text),
            "locator": pa.Column(str, pa.Check.str_length(min_value=1), **text),
            "breakdown": pa.Column(str, pa.Check.str_matches(BREAKDOWN_PATTERN), **text),
            "value_text": pa.Column(str, **text),
            "qualifier": pa.Column(str, pa.Check.isin(sorted(QUALIFIERS)), **text),
        },
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
    df = pd.DataFrame(rows, columns=COLUMNS)
    return coerce(df)


def coerce(df: pd.DataFrame) -> pd.DataFrame:
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
    """Validate observations against the common schema; raise ValidationError naming the rows at fault."""
    from pandera.errors import SchemaErrors

    try:
        return _schema().validate(coerce(df), lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.head(5)
        details = "; ".join(
            f"column {row.column} check {row.check} value {row.failure_case!r}"
            + (f" at {df['locator'].iloc[int(row.index)]}" if row.index is not None and str(row.index).isdigit()
               and "locator" in df and int(row.index) < len(df) else "")
            for row in cases.itertuples())
        raise ValidationError(f"{len(exc.failure_cases)} schema failure(s): {details}", file=file,
                              source=source) from None
