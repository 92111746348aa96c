"""Exports of the latest observations: the contract columns first (../shared/DESIGN.md), then extras."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reports.schema import COLUMNS
from reports.store import Store

FORMATS = ("csv", "parquet", "xlsx", "json")


@dataclass
class Selection:
    """Shared filters: every list is OR within itself and AND across; empty means everything."""

    platforms: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    policy_areas: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None

    def where(self) -> tuple[str, list]:
        clauses, params = [], []
        for column, values in (("platform", self.platforms), ("source", self.sources),
                               ("policy_area", self.policy_areas), ("metric", self.metrics),
                               ("region", self.regions)):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params += list(values)
        if self.since:
            clauses.append("period_end >= CAST(? AS DATE)")
            params.append(self.since)
        if self.until:
            clauses.append("period_start <= CAST(? AS DATE)")
            params.append(self.until)
        return " AND ".join(clauses), params


def select(store: Store, selection: Selection | None = None) -> pd.DataFrame:
    """The latest observations matching a selection, with dates as ISO strings."""
    where, params = (selection or Selection()).where()
    df = store.latest(where, params)
    for column in ("period_start", "period_end"):
        df[column] = pd.to_datetime(df[column]).dt.strftime("%Y-%m-%d")
    return df[COLUMNS]


def write(df: pd.DataFrame, out: Path, fmt: str) -> Path:
    """Write observations in one of FORMATS."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        df.to_csv(out, index=False)
    elif fmt == "parquet":
        df.to_parquet(out, index=False)
    elif fmt == "json":
        df.to_json(out, orient="records", indent=1, force_ascii=False)
    elif fmt == "xlsx":
        df.to_excel(out, index=False, sheet_name="observations")
    else:
        raise ValueError(f"unknown format {fmt}")
    return out
