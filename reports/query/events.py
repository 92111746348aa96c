"""Annotations: events and data corrections (reports/query/annotations.csv, each with a citation) drawn on the
charts they touch."""
from __future__ import annotations

import csv
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from reports.model.errors import AtlasError

ANNOTATIONS_FILE = Path(__file__).resolve().parent / "annotations.csv"


@cache
def annotations() -> tuple[dict, ...]:
    """Events and data corrections from `reports/annotations.csv`, with dates parsed and lists split."""
    with ANNOTATIONS_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for n, row in enumerate(rows, start=2):
        try:
            start = date.fromisoformat(row["start"])
            end = date.fromisoformat(row["end"]) if row["end"] else None
        except ValueError:
            raise AtlasError(f"bad date {row['start']!r}/{row['end']!r}", file=ANNOTATIONS_FILE,
                             place=f"line {n}") from None
        out.append({**row, "start": start, "end": end,
                    "platforms": tuple(p for p in row["platforms"].split(";") if p),
                    "sources": tuple(s for s in row["sources"].split(";") if s),
                    "policy_areas": tuple(a for a in row["policy_areas"].split(";") if a)})
    return tuple(out)


def annotations_for(platforms, sources, start=None, end=None, policy_area: str | None = None) -> list[dict]:
    """Annotations that touch a chart: their dates overlap [start, end] and they name one of its platforms and
    sources (an empty list in the file means every one)."""
    platforms, sources = set(platforms or []), set(sources or [])
    start = pd.Timestamp(start).date() if start is not None else None
    end = pd.Timestamp(end).date() if end is not None else None
    out = []
    for a in annotations():
        a_end = a["end"] or a["start"]
        if start and a_end < start or end and a["start"] > end:
            continue
        if a["platforms"] and not platforms & set(a["platforms"]):
            continue
        if a["sources"] and not sources & set(a["sources"]):
            continue
        if a["policy_areas"] and policy_area and policy_area != "ALL" and policy_area not in a["policy_areas"]:
            continue
        out.append(a)
    return out
