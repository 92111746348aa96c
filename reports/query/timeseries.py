"""Series: the latest figures of a selection, each value across its real period, never summed across lengths;
gaps, indices and per-million rates, each derived figure marked."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd

from reports.model import vocab
from reports.model.overlaps import totals_sql
from reports.model.selection import Selection
from reports.query.common import on_own_cursor, run
from reports.query.naming import labels
from reports.query.normalise import add_per_million
from reports.store.database import Store

NCMEC_SOURCE = "ncmec-esp"


SERIES_COLUMNS = ["platform", "source", "region", "policy_area", "policy_label", "metric", "metric_label", "unit",
                  "period_start", "period_end", "period", "value", "value_text", "qualifier", "source_url",
                  "document_sha256", "locator", "breakdown"]


def granularity(start, end) -> str:
    """What kind of period a span is: day, week, month, quarter, half, year, or span (anything else)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = (end - start).days + 1
    if days == 1:
        return "day"
    if days == 7:
        return "week"
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        names = {1: "month", 3: "quarter", 6: "half", 12: "year"}
        if months in names and (months == 1 or (start.month - 1) % months == 0):
            return names[months]
    return "span"


# The granularity of a period, in SQL (the same rules as `granularity`), so series need no per-row Python.
GRANULARITY_SQL = """CASE
    WHEN period_start = period_end THEN 'day'
    WHEN date_diff('day', period_start, period_end) = 6 THEN 'week'
    WHEN day(period_start) = 1 AND period_end = last_day(period_end) THEN
        CASE date_diff('month', period_start, period_end) + 1
            WHEN 1 THEN 'month'
            WHEN 3 THEN CASE WHEN (month(period_start) - 1) % 3 = 0 THEN 'quarter' ELSE 'span' END
            WHEN 6 THEN CASE WHEN (month(period_start) - 1) % 6 = 0 THEN 'half' ELSE 'span' END
            WHEN 12 THEN CASE WHEN month(period_start) = 1 THEN 'year' ELSE 'span' END
            ELSE 'span' END
    ELSE 'span' END"""


# What a chart needs of each figure (the document, to name its source and licence); the rest of the provenance
# (URL, locator) is fetched per figure on demand.
PLOT_COLUMNS = ["platform", "source", "region", "policy_area", "policy_label", "metric", "metric_label", "unit",
                "period_start", "period_end", "period", "value", "value_text", "qualifier", "document_sha256",
                "breakdown"]


def series(store: Store, selection: Selection, *, full: bool = False) -> pd.DataFrame:
    """The latest figures of a selection, one row per published value, each spanning its real period.

    Without `breakdowns` in the selection: totals, plus parts that stand without a total (overlaps.csv: NCMEC's
    per-provider counts of one platform, each its own line). Adds
    `granularity` (day/week/month/quarter/half/year/span) and `series`, a key naming one line: platform, source,
    region, the platform's own policy label, our metric and the granularity (a publisher's reworded heading is the
    same line; each row keeps its own `metric_label`). Lines never mix period lengths or policies, so nothing of
    different lengths is ever joined or summed. `full=True` adds the provenance columns
    (source_url, locator) for downloads."""
    where, params = selection.where()
    clauses = [where] if where else []
    clauses += harmonised_only(selection)
    if not selection.breakdowns:
        clauses.append(totals_sql())
    columns = SERIES_COLUMNS if full else PLOT_COLUMNS
    df = run(store, f"""SELECT {', '.join(columns)}, {GRANULARITY_SQL} AS granularity
                       FROM latest WHERE {' AND '.join(clauses)}
                       ORDER BY platform, source, region, policy_label, metric, granularity, period_start,
                                period_end, policy_area""", params)
    return _with_series_keys(df)


def harmonised_only(selection: Selection) -> list[str]:
    """SQL clauses keeping figures whose policy and measure are not yet harmonised (UNMAPPED / unmapped) out of a
    selection, unless it asks for them by name: they are never charted or summed with harmonised figures."""
    clauses = []
    if vocab.UNMAPPED_AREA not in selection.policy_areas:
        clauses.append(f"policy_area <> '{vocab.UNMAPPED_AREA}'")
    if vocab.UNMAPPED_METRIC not in selection.metrics:
        clauses.append(f"metric <> '{vocab.UNMAPPED_METRIC}'")
    return clauses


def _with_series_keys(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for column in ("period_start", "period_end"):
        df[column] = pd.to_datetime(df[column])
    if "granularity" not in df:
        df["granularity"] = [granularity(s, e) for s, e in zip(df["period_start"], df["period_end"], strict=True)]
    df["series"] = series_key(df)
    df["derived"] = ""
    return df.reset_index(drop=True)


def series_key(df: pd.DataFrame) -> pd.Series:
    """The key naming each row's line: platform, source, region, the platform's own policy label, the measure (named
    with the heading of the line's first period) and the granularity, and the breakdown where there is one."""
    names = labels("platforms")
    areas = labels("policy_areas")
    label = df["policy_label"].where(df["policy_label"] != "", df["policy_area"].map(lambda a: areas.get(a, a)))
    # Publishers recapitalise labels between editions ('Violence And Incitement'); one line per label, whatever its case.
    label = label.str.lower().map(dict(zip(label.str.lower(), label, strict=True)))
    # One line per figure identity (schema.FIGURE_KEY: our metric, not the publisher's heading), so a renamed
    # heading (NCMEC's 'Number of Reports', then 'Reports') stays one line; the line is named with the heading of
    # its first period (each row keeps its own metric_label); an unmapped measure is told apart by its words.
    measure = df["metric"].where(df["metric"] != vocab.UNMAPPED_METRIC, vocab.UNMAPPED_METRIC + ":" + df["metric_label"])
    identity = [df["platform"], df["source"], df["region"], label, measure, df["granularity"], df["breakdown"]]
    first = df["metric_label"].groupby(identity, sort=False).transform("first") if len(df) else df["metric_label"]
    return (df["platform"].map(lambda p: names.get(p, p)) + " · " + df["source"] + " · " + df["region"]
            + " · " + label + " · " + first + " · " + df["granularity"]
            + df["breakdown"].where(df["breakdown"] == "", " · " + df["breakdown"]))


def missing_periods(df: pd.DataFrame) -> pd.DataFrame:
    """Gaps inside each series: holes between consecutive periods, and periods published without a value."""
    gaps = []
    for key, rows in df.groupby("series", sort=False):
        rows = rows.sort_values("period_start")
        previous_end = None
        for r in rows.itertuples():
            if previous_end is not None and r.period_start > previous_end + timedelta(days=1):
                gaps.append({"series": key, "start": previous_end + timedelta(days=1),
                             "end": r.period_start - timedelta(days=1), "reason": "no figure published for this period"})
            if pd.isna(r.value):
                gaps.append({"series": key, "start": r.period_start, "end": r.period_end,
                             "reason": f"published without a figure ({r.value_text or 'empty'})"})
            previous_end = r.period_end if previous_end is None else max(previous_end, r.period_end)
    return pd.DataFrame(gaps, columns=["series", "start", "end", "reason"])


def indexed(df: pd.DataFrame) -> pd.DataFrame:
    """Each series as an index: its first period with a non-zero value = 100 (derived; NaN before it)."""
    df = df.copy()
    out = []
    for _, rows in df.groupby("series", sort=False):
        rows = rows.sort_values("period_start").copy()
        base = rows["value"].dropna()
        base = base[base != 0]
        rows["base_period"] = rows.loc[base.index[0], "period"] if len(base) else ""
        rows["value"] = rows["value"] / base.iloc[0] * 100 if len(base) else float("nan")
        out.append(rows)
    result = pd.concat(out) if out else df.assign(base_period="")
    result["derived"] = "index: first period with a non-zero value = 100 (base " + result["base_period"] + ")"
    result["unit"] = "index"
    return result.sort_index()


def per_million_recipients(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """Counts per million average monthly active recipients of the same platform, region and period (derived).

    The export's `add_per_million` (recipients from EU DSA reports, part 10) with its rate as the value; rows
    without a recipients figure keep value NaN and say why in `derived`."""
    result = add_per_million(on_own_cursor(store), df)
    result["value"] = result["value_per_million_recipients"]
    result["derived"] = [
        f"per million average monthly active recipients ({r:,.0f})" if not pd.isna(r)
        else "no recipients figure for this platform, region and period" for r in result["recipients"]]
    result["unit"] = "per million recipients"
    return result
