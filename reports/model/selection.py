"""Selections: the shared filters every command, chart, brief and dashboard view applies to the figures."""
from __future__ import annotations

from dataclasses import dataclass, field

from reports.model.overlaps import totals_sql
from reports.model.periods import parse_period

# Selection's list fields and the column each filters.
LIST_FILTERS = {"platforms": "platform", "sources": "source", "policy_areas": "policy_area", "metrics": "metric",
                "regions": "region", "breakdowns": "breakdown"}


@dataclass
class Selection:
    """Shared filters: every list is OR within itself and AND across; empty means everything."""

    platforms: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    policy_areas: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    # Exact breakdowns ('task=automation'); see also totals_only.
    breakdowns: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    # Only totals (an empty breakdown, or a part declared as standing without a total, such as NCMEC's providers of
    # one platform in 2023): what a reader usually wants when citing or charting one figure.
    totals_only: bool = False

    def __post_init__(self) -> None:
        """Drop empty choices (an unset dashboard field); read --since/--until as any period we parse ('2024',
        '2024-H1', '2024-03-31'): the start and the end of it."""
        for name in LIST_FILTERS:
            setattr(self, name, [v for v in getattr(self, name) if v not in (None, "")])
        if self.since:
            self.since = parse_period(self.since, place="--since").start.isoformat()
        if self.until:
            self.until = parse_period(self.until, place="--until").end.isoformat()

    def where(self) -> tuple[str, list]:
        clauses, params = [], []
        if self.totals_only:  # an empty breakdown, or a part that stands without a total (overlaps.csv)
            clauses.append(totals_sql())
        for name, column in LIST_FILTERS.items():
            values = getattr(self, name)
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

    def describe(self) -> str:
        """The filters in words, for titles and descriptors ('all figures' when there are none)."""
        parts = [f"{column.replace('_', ' ')} {', '.join(getattr(self, name))}" for name, column in LIST_FILTERS.items()
                 if getattr(self, name)]
        if self.since:
            parts.append(f"periods ending on or after {self.since}")
        if self.until:
            parts.append(f"periods starting on or before {self.until}")
        if self.totals_only:
            parts.append("totals only")
        return "; ".join(parts) or "all figures"
