"""A platform's profile: the sources that cover it, their coverage over time, and its key series."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd

from reports.model import vocab
from reports.query.common import run
from reports.query.timeseries import granularity
from reports.store.database import Store


def platform_sources(store: Store, platform: str) -> pd.DataFrame:
    """The sources that hold figures for a platform: figure and document counts, first and last period."""
    df = run(store, """SELECT l.source, count(*) AS figures, count(DISTINCT l.document_sha256) AS documents,
                             min(l.period_start) AS first_period_start, max(l.period_end) AS last_period_end,
                             string_agg(DISTINCT l.metric, ', ' ORDER BY l.metric) AS metrics
                      FROM latest l WHERE l.platform = ? GROUP BY l.source ORDER BY l.source""", [platform])
    cards = store.source_cards()
    df["title"] = [cards[s].title if s in cards else s for s in df["source"]]
    return df


def coverage(store: Store, platform: str) -> pd.DataFrame:
    """Which periods each source covers for a platform, as spans of contiguous periods per source and granularity."""
    rows = run(store, """SELECT DISTINCT source, period_start, period_end FROM latest
                        WHERE platform = ? AND value IS NOT NULL ORDER BY source, period_start, period_end""",
              [platform])
    spans = []
    for source, part in rows.groupby("source", sort=True):
        part = part.copy()
        part["granularity"] = [granularity(s, e) for s, e in zip(part.period_start, part.period_end, strict=True)]
        for kind, periods in part.groupby("granularity", sort=False):
            current = None
            for r in periods.sort_values("period_start").itertuples():
                start, end = pd.Timestamp(r.period_start), pd.Timestamp(r.period_end)
                if current and start <= current["end"] + timedelta(days=1):
                    current["end"] = max(current["end"], end)
                    current["periods"] += 1
                else:
                    if current:
                        spans.append(current)
                    current = {"source": source, "granularity": kind, "start": start, "end": end, "periods": 1}
            if current:
                spans.append(current)
    return pd.DataFrame(spans, columns=["source", "granularity", "start", "end", "periods"])


def key_series(store: Store, platform: str, limit: int = 4) -> pd.DataFrame:
    """The platform's main totals: for each source, the count series (ALL policy areas first) with the most periods;
    then further series of the richest sources, up to `limit`."""
    df = run(store, f"""SELECT metric, policy_area, source, any_value(unit) AS unit, count(*) AS figures,
                             count(DISTINCT period_start) AS periods
                      FROM latest WHERE platform = ? AND breakdown = '' AND value IS NOT NULL
                            AND policy_area <> '{vocab.UNMAPPED_AREA}' AND metric <> '{vocab.UNMAPPED_METRIC}'
                      GROUP BY metric, policy_area, source
                      ORDER BY source, (any_value(unit) <> 'count'), (policy_area <> 'ALL'), periods DESC, figures DESC,
                               metric, policy_area""", [platform])
    df["rank"] = df.groupby("source").cumcount()
    return df.sort_values(["rank", "source"], kind="stable").head(limit).drop(columns="rank").reset_index(drop=True)
