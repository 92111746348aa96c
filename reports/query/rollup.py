"""Monthly and yearly sums of daily counts. The EU Transparency Database's statements of reasons come as one count
a day (Twitch: 0 to a few dozen a day in a category), which nobody can read as a trend: here they are summed per
calendar month or year, each sum marked derived, and a month or year the daily figures cover only in part (Twitch's
start on 2025-03-19, the last day held) marked partial, naming the days it covers.

Coverage is the source's, not the category's: a day the source holds figures for a platform, but none for one
category, counts as a day with none in that category (the database lists no zero counts); a day the source holds
nothing for the platform is a day not covered. Only counts are summed, and only figures of one series (platform,
source, region, policy, measure, breakdown) read from one document (each sum keeps its document and its coverage is
that document's); other rows pass through unchanged."""
from __future__ import annotations

import pandas as pd

from reports.model.schema import DERIVED
from reports.query.common import on_own_cursor, run
from reports.query.naming import platform_name
from reports.query.timeseries import series_key
from reports.store.database import Store

PER = ("month", "year")
# What makes one line of daily counts (timeseries.series's identity, without the period).
IDENTITY = ["platform", "source", "region", "policy_area", "policy_label", "metric", "unit", "breakdown",
            "document_sha256"]
HELD = ["platform", "source", "document_sha256", "day"]


def days_held(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """The days each platform, source and document of a frame holds daily figures for, whatever the category or
    breakdown."""
    daily = df[_daily(df)]
    if daily.empty:
        return pd.DataFrame(columns=HELD)
    pairs = daily[["platform", "source", "document_sha256"]].drop_duplicates()
    clauses = " OR ".join(["(platform = ? AND source = ? AND document_sha256 = ?)"] * len(pairs))
    params = [v for pair in pairs.itertuples(index=False) for v in pair]
    days = run(on_own_cursor(store), f"""SELECT DISTINCT platform, source, document_sha256, period_start AS day
                                         FROM latest WHERE period_start = period_end AND ({clauses})""", params)
    days["day"] = pd.to_datetime(days["day"])
    return days


def _daily(df: pd.DataFrame) -> pd.Series:
    return (pd.to_datetime(df["period_start"]) == pd.to_datetime(df["period_end"])) & (df["unit"] == "count")


def _bucket(days: pd.Series, per: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each day's month or year: its first day, last day and label ('2025-04', '2025')."""
    if per == "month":
        start = days.dt.to_period("M").dt.start_time
        end = days.dt.to_period("M").dt.end_time.dt.normalize()
        return start, end, start.dt.strftime("%Y-%m")
    start = days.dt.to_period("Y").dt.start_time
    return start, days.dt.to_period("Y").dt.end_time.dt.normalize(), start.dt.strftime("%Y")


def _span(days: pd.Series) -> str:
    return f"{days.min():%Y-%m-%d} to {days.max():%Y-%m-%d}"


def summed(df: pd.DataFrame, per: str, held: pd.DataFrame) -> pd.DataFrame:
    """`df` with its daily counts replaced by one derived sum per series and calendar month or year (`per`).

    Each sum keeps the series' columns; `period` is the month or year, `qualifier` `derived`, `value_text` the
    sum, `locator` (when present) and `derived` say what was summed; `partial` is True where `held` (days_held)
    does not cover the whole month or year, and `days_covered` / `days_in_period` say how much is covered."""
    if per not in PER:
        raise ValueError(f"per must be one of {', '.join(PER)}, not {per!r}")
    df = df.assign(period_start=pd.to_datetime(df["period_start"]), period_end=pd.to_datetime(df["period_end"]))
    daily = _daily(df)
    rest = df[~daily].assign(partial=False, days_covered=pd.NA, days_in_period=pd.NA)
    days = df[daily].copy()
    if days.empty:
        return rest.reset_index(drop=True)
    days["bucket_start"], days["bucket_end"], days["bucket"] = _bucket(days["period_start"], per)
    coverage = _coverage(held, per)
    out = [_one_sum(rows, coverage, per) for _key, rows in
           days.groupby([*IDENTITY, "bucket"], sort=False, dropna=False)]
    sums = pd.DataFrame(out)
    result = pd.concat([rest, sums], ignore_index=True) if not rest.empty else sums
    if "series" in result:  # a line of sums is its own line, named with its period kind
        result["series"] = series_key(result)
    return result.sort_values([*IDENTITY, "period_start"], kind="stable").reset_index(drop=True)


def _coverage(held: pd.DataFrame, per: str) -> dict[tuple[str, str, str, str], pd.Series]:
    """(platform, source, document, bucket label) -> the days held in it."""
    if held.empty:
        return {}
    held = held.assign(day=pd.to_datetime(held["day"]))
    held["bucket"] = _bucket(held["day"], per)[2]
    return {key: rows["day"] for key, rows in held.groupby(["platform", "source", "document_sha256", "bucket"])}


def _one_sum(rows: pd.DataFrame, coverage: dict, per: str) -> dict:
    first = rows.iloc[0]
    start, end = first["bucket_start"], first["bucket_end"]
    covered_days = coverage.get((first["platform"], first["source"], first["document_sha256"], first["bucket"]),
                                rows["period_start"])
    covered, length = int(covered_days.nunique()), (end - start).days + 1
    value = rows["value"].sum(min_count=1)
    what = (f"sum of {len(rows)} daily count(s) ({_span(rows['period_start'])}; a day the source holds without a "
            f"figure in this series counts as none)")
    partial = covered < length
    if partial:
        what += (f"; partial: the source's daily figures cover {covered} of the {length} days of this {per} "
                 f"({_span(covered_days)})")
    row = {column: first[column] for column in rows.columns if not column.startswith("bucket")}
    row.update(period_start=start, period_end=end, period=first["bucket"], value=value, qualifier=DERIVED,
               value_text="" if pd.isna(value) else f"{value:.0f}", granularity=per, partial=partial,
               days_covered=covered, days_in_period=length, derived=f"derived: {what}")
    if "locator" in rows:
        row["locator"] = f"{first['bucket']}: {what}"
    if "source_url" in rows:
        row["source_url"] = "; ".join(dict.fromkeys(rows["source_url"]))
    return row


def notes(df: pd.DataFrame) -> list[str]:
    """One line per series of sums: what was summed, and which periods are partial."""
    if "days_covered" not in df:
        return []
    sums = df[df["days_covered"].notna()]
    lines = []
    for (platform, source), rows in sums.groupby(["platform", "source"], sort=False):
        kind = rows["granularity"].iloc[0]
        partial = rows[rows["partial"]].drop_duplicates("period").sort_values("period_start")
        line = (f"{platform_name(platform)} ({source}): each value is a sum of daily counts per {kind}, derived by the atlas")
        if not partial.empty:
            line += "; partial (the daily figures cover only part of it): " + ", ".join(
                f"{r.period} ({r.days_covered} of {r.days_in_period} days)" for r in partial.itertuples())
        lines.append(line)
    return lines


def sums_of_daily(store: Store, df: pd.DataFrame, per: str | None) -> pd.DataFrame:
    """`summed` with the days the store holds, or `df` unchanged when `per` is None."""
    if not per or df.empty:
        return df
    return summed(df, per, days_held(store, df))
