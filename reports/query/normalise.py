"""Derived figures computed at query time, never stored: counts per million average monthly active recipients."""
from __future__ import annotations

import pandas as pd

from reports.store.database import Store

RECIPIENTS_SOURCE = "dsa-report"
RECIPIENTS_METRIC = "active_recipients"


def recipients(store: Store) -> pd.DataFrame:
    """Average monthly active recipients as published in EU DSA reports (part 10): platform, region, period, value."""
    df = store.latest("source = ? AND metric = ? AND breakdown = '' AND value IS NOT NULL",
                      [RECIPIENTS_SOURCE, RECIPIENTS_METRIC])
    return df[["platform", "region", "period_start", "period_end", "value"]].rename(
        columns={"period_start": "r_start", "period_end": "r_end", "value": "r_value"})


def per_million_recipients(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """Add `recipients` and `value_per_million_recipients` for counts of a platform with published active recipients."""
    out = df.copy()
    out["recipients"] = float("nan")
    out["value_per_million_recipients"] = float("nan")
    if out.empty:
        return out
    known = recipients(store)
    # Only counts for the EU or one member state can be set against recipients in the EU or that member state.
    eligible = (out["unit"] == "count") & out["region"].isin(set(known["region"])) & out["value"].notna()
    if known.empty or not eligible.any():
        return out
    rows = out.loc[eligible, ["platform", "region", "period_start", "period_end"]].reset_index()
    rows["period_start"] = pd.to_datetime(rows["period_start"])
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    known = known.assign(r_start=pd.to_datetime(known["r_start"]), r_end=pd.to_datetime(known["r_end"]))
    pairs = rows.merge(known, on=["platform", "region"])
    start = pairs[["period_start", "r_start"]].max(axis=1)
    end = pairs[["period_end", "r_end"]].min(axis=1)
    pairs["overlap_days"] = (end - start).dt.days + 1
    pairs = pairs[pairs["overlap_days"] > 0]
    if pairs.empty:
        return out
    # A count spanning several reporting periods is set against their recipients weighted by days of overlap.
    pairs["weighted"] = pairs["r_value"] * pairs["overlap_days"]
    sums = pairs.groupby("index")[["weighted", "overlap_days"]].sum()
    average = sums["weighted"] / sums["overlap_days"]
    out.loc[average.index, "recipients"] = average
    out.loc[average.index, "value_per_million_recipients"] = out.loc[average.index, "value"] / average * 1_000_000
    return out


def add_per_million(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """Add `recipients` and `value_per_million_recipients` (derived, computed now) where recipients are known."""
    out = per_million_recipients(store, df)
    extra = [c for c in out.columns if c not in df.columns]
    return out[list(df.columns) + extra]
