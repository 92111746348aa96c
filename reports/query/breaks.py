"""Where series start or stop inside their source's span, and whether each break is explained.

A series (timeseries.series: one line per platform, source, region, policy label, measure, period kind and
breakdown) that starts after its platform's first period in its source, or stops before its last, is a break. A
break is *adjacent* when, in the same source, platform, measure, region, period kind and kind of breakdown, another
series stops the day before it starts (or starts the day after it stops): that is what a renamed label looks like,
so an adjacent break must be documented, by a dated definition change in the source's card, an annotation of the
source at that date (reports/query/annotations.csv), or a rule in reports/query/series_breaks.csv (a publisher
that lists only non-zero rows, so a label's line starts and stops with its figures). A break with no line beside it
is a real start or stop of publishing: the publisher added or dropped that figure, nothing took its place."""
from __future__ import annotations

import csv
import functools
from pathlib import Path

import pandas as pd

from reports.model.selection import Selection
from reports.query import events
from reports.query.common import on_own_cursor
from reports.query.timeseries import series
from reports.store.database import Store

RULES = Path(__file__).resolve().parent / "series_breaks.csv"
# Regions that are a whole (not one country or language of a publisher's per-market lists).
WHOLE_REGIONS = ("GLOBAL", "EU", "EEA")
GROUP = ["source", "platform", "metric", "region", "granularity", "breakdown_kind"]
BREAK_COLUMNS = ["series", "source", "platform", "metric", "region", "granularity", "policy_label", "breakdown",
                 "kind", "date", "beside", "documented_by"]


def spans(store: Store) -> pd.DataFrame:
    """One row per series: its keys, first day and last day (a period published without a figure, N/A, is part
    of its line: the publisher still printed the row)."""
    df = series(on_own_cursor(store), Selection())
    out = df.groupby("series", sort=False).agg(
        source=("source", "first"), platform=("platform", "first"), metric=("metric", "first"),
        region=("region", "first"), granularity=("granularity", "first"), policy_label=("policy_label", "first"),
        breakdown=("breakdown", "first"), start=("period_start", "min"), end=("period_end", "max")).reset_index()
    out["breakdown_kind"] = out["breakdown"].str.replace(r"=[^;]*", "", regex=True)
    edges = out.groupby(["source", "platform", "granularity"])[["start", "end"]].agg({"start": "min", "end": "max"})
    return out.join(edges.rename(columns={"start": "first", "end": "last"}), on=["source", "platform", "granularity"])


def _breaks(lines: pd.DataFrame) -> pd.DataFrame:
    starts = lines[lines["start"] > lines["first"]].assign(kind="start", date=lambda d: d["start"])
    stops = lines[lines["end"] < lines["last"]].assign(kind="stop", date=lambda d: d["end"] + pd.Timedelta(days=1))
    out = pd.concat([starts, stops], ignore_index=True)
    # The line beside a break: one of its group that stops the day before it starts, or starts the day after it stops.
    ends = lines.assign(date=lines["end"] + pd.Timedelta(days=1))[[*GROUP, "date", "series"]]
    begins = lines.assign(date=lines["start"])[[*GROUP, "date", "series"]]
    beside = []
    for r in out.itertuples():
        other = ends if r.kind == "start" else begins
        hit = other[(other["date"] == r.date) & (other["series"] != r.series)
                    & (other[GROUP] == pd.Series({k: getattr(r, k) for k in GROUP})).all(axis=1)]
        beside.append("; ".join(hit["series"]))
    return out.assign(beside=beside)


@functools.cache
def rules() -> tuple[dict, ...]:
    """series_breaks.csv: source, granularity, scope (whole: GLOBAL/EU/EEA; markets: any other region; any),
    date (empty: any), reason."""
    with RULES.open(newline="", encoding="utf-8") as handle:
        return tuple({k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle))


def _rule_covers(rule: dict, r) -> bool:
    if rule["source"] != r.source or (rule["granularity"] and rule["granularity"] != r.granularity):
        return False
    if rule["date"] and pd.Timestamp(rule["date"]) != r.date:
        return False
    whole = r.region in WHOLE_REGIONS
    return rule["scope"] == "any" or (rule["scope"] == "whole") == whole


def _documentation(cards: dict, r) -> str:
    """What explains a break: the card's definition change, an annotation or a rule dated (or valid) then; ''
    for nothing."""
    card = cards.get(r.source)
    for change in (card.definition_changes if card else []):
        if pd.Timestamp(str(change.get("date", ""))) == r.date:
            return f"card {r.source}: {change['text']}"
    for note in events.annotations():
        if r.source in note["sources"] and pd.Timestamp(note["start"]) == r.date:
            return f"annotation {note['id']}: {note['text']}"
    for rule in rules():
        if _rule_covers(rule, r):
            return f"series_breaks.csv {rule['id']}: {rule['reason']}"
    return ""


def series_breaks(store: Store) -> pd.DataFrame:
    """Every series that starts or stops inside its platform's span in its source (`kind` start / stop, `date` the
    first day with or without it), the line beside it (`beside`, '' for none: a real start or stop of publishing)
    and what documents it (`documented_by`, '' for nothing; needed where a line is beside it)."""
    found = _breaks(spans(store))
    cards = on_own_cursor(store).source_cards()
    found["documented_by"] = [_documentation(cards, r) for r in found.itertuples()]
    return found[BREAK_COLUMNS].sort_values(["source", "platform", "date", "series"]).reset_index(drop=True)
