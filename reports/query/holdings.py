"""What the store holds: the metrics, policy areas, platforms, sources and regions a selection can choose from."""
from __future__ import annotations

import pandas as pd

from reports.model.overlaps import totals_sql
from reports.query.common import add_in, run
from reports.query.naming import metric_name, platform_name, policy_area_name
from reports.store.database import Store


def available_metrics(store: Store) -> pd.DataFrame:
    """Metrics with at least one total (breakdown '', or a part standing without a total: overlaps.csv), with
    their unit, figure count and sources."""
    df = run(store, f"""SELECT metric, any_value(unit) AS unit, count(*) AS figures,
                             string_agg(DISTINCT source, ', ' ORDER BY source) AS sources
                      FROM latest WHERE {totals_sql()} GROUP BY metric ORDER BY metric""")
    df["label"] = df["metric"].map(metric_name)
    return df


def available_policy_areas(store: Store, metric: str) -> pd.DataFrame:
    """Policy areas holding totals of a metric, with every platform's own words for each (`labels`)."""
    df = run(store, f"""SELECT policy_area, count(*) AS figures,
                             string_agg(DISTINCT platform || ': ' || coalesce(nullif(policy_label, ''), '(no label)'),
                                        '; ' ORDER BY platform || ': ' || coalesce(nullif(policy_label, ''), '(no label)'))
                                 AS labels
                      FROM latest WHERE {totals_sql()} AND metric = ? GROUP BY policy_area
                      ORDER BY policy_area""", [metric])
    df["label"] = df["policy_area"].map(policy_area_name)
    return df


def available_platforms(store: Store, metric: str | None = None, policy_area: str | None = None) -> pd.DataFrame:
    """Platforms (with their sources and regions) holding totals for a metric and policy area."""
    clauses, params = [totals_sql()], []
    add_in("metric", [metric] if metric else [], clauses, params)
    add_in("policy_area", [policy_area] if policy_area else [], clauses, params)
    df = run(store, f"""SELECT platform, string_agg(DISTINCT source, ',' ORDER BY source) AS sources,
                              string_agg(DISTINCT region, ',' ORDER BY region) AS regions, count(*) AS figures
                       FROM latest WHERE {' AND '.join(clauses)} GROUP BY platform ORDER BY platform""", params)
    df["name"] = df["platform"].map(platform_name)
    return df


def available_sources(store: Store) -> list[str]:
    return run(store, "SELECT DISTINCT source FROM latest ORDER BY source")["source"].tolist()


def available_regions(store: Store, metric: str, policy_area: str | None = None) -> list[str]:
    """Regions holding totals for a metric (GLOBAL and EU first)."""
    clauses, params = [totals_sql(), "metric = ?"], [metric]
    add_in("policy_area", [policy_area] if policy_area else [], clauses, params)
    regions = run(store, f"SELECT DISTINCT region FROM latest WHERE {' AND '.join(clauses)}", params)["region"].tolist()
    first = [r for r in ("GLOBAL", "EU", "EEA") if r in regions]
    return first + sorted(r for r in regions if r not in first)
