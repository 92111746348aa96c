"""Does the report match the database? Every EU DSA transparency report against the statements of reasons its
service sent to the DSA Transparency Database over the same period, measure by measure, ranked by disagreement.

The measures are data (reconcile.toml beside this module): which report figures (part, metric, breakdown) and which
database cuts each compares. Both sides are published figures; sums, shares and the ratio are derived and the
`derived` column names what was summed. A row never hides what is missing: a part left as the empty template or
written in words, a figure for another surface, a database that covers only some days of the period or holds no
statement of the service at all, each is said in `note`, and a value that does not exist stays empty, never zero."""
from __future__ import annotations

import math

import pandas as pd

from reports.model.errors import AtlasError
from reports.model.vocab import UNMAPPED_AREA
from reports.query.common import add_in, run
from reports.query.crosschecks import DIVERGENCE_THRESHOLD
from reports.query.reconcile_sides import (
    ALL,
    REPORT_SOURCE,
    DatabaseRows,
    Measure,
    ReportRows,
    database_side,
    fetch_database_rows,
    fetch_report_rows,
    measures,
    report_side,
)
from reports.store.database import Store

# The export contract (../shared/DESIGN.md) names the first nine; the rest are provenance and explanation.
CONTRACT = ["platform", "period", "measure", "report_value", "database_value", "ratio", "database_days", "period_days",
            "note"]
COLUMNS = CONTRACT + ["policy_area", "rank", "flag", "unit", "derived", "measure_label", "database_counts",
                      "period_start", "period_end", "database_first_day", "database_last_day",
                      "report_document_sha256", "report_source_url", "report_locator",
                      "database_document_sha256", "database_source_url", "database_locator"]
# A row whose database statistics cover less than this share of the period's days is not compared (flag None) and
# ranks after every row that covers more; its values and ratio are still shown.
MIN_COVERAGE = 0.5


def chosen_measures(ids: list[str] | None) -> list[Measure]:
    """The measures asked for (all when none is named); an unknown id is an error naming the known ones."""
    known = {m.id: m for m in measures()}
    unknown = [i for i in ids or [] if i not in known]
    if unknown:
        raise AtlasError(f"unknown measure(s) {', '.join(unknown)}; the measures are {', '.join(known)}")
    return [m for m in measures() if not ids or m.id in ids]


def reports_held(store: Store, platforms: list[str] | None = None, periods: list[str] | None = None) -> pd.DataFrame:
    """The DSA reports in the store (platform and period), with the days each covers."""
    clauses, params = ["source = ?"], [REPORT_SOURCE]
    add_in("platform", platforms, clauses, params)
    add_in("period", periods, clauses, params)
    df = run(store, f"""SELECT platform, period, min(period_start) AS period_start, max(period_end) AS period_end
                       FROM latest WHERE {' AND '.join(clauses)} GROUP BY platform, period
                       ORDER BY platform, period_start""", params)
    for column in ("period_start", "period_end"):
        df[column] = pd.to_datetime(df[column])
    return df


def compare(report: float, database: float) -> tuple[float, bool | None, float]:
    """Ratio report / database, whether they differ by more than the threshold (None when a side is missing), and
    the disagreement that ranks rows: |log ratio|, infinite where one side is zero and the other is not."""
    if math.isnan(report) or math.isnan(database):
        return math.nan, None, math.nan
    if not database:
        return math.nan, bool(report), math.inf if report else 0.0
    ratio = report / database
    return ratio, bool(abs(ratio - 1) > DIVERGENCE_THRESHOLD), math.inf if not ratio else abs(math.log(ratio))


def _areas(measure: Measure, figures: dict, database: DatabaseRows) -> list[str]:
    """ALL, then for a measure by category every category either side gives (never the not yet harmonised)."""
    if not measure.by_category:
        return [ALL]
    terms = {(t.metric, t.breakdown) for t in measure.terms}
    printed = {area for area, metric, base in figures if (metric, base) in terms}
    held = set(database.daily["policy_area"])
    return [ALL, *sorted((printed | held) - {ALL, UNMAPPED_AREA})]


def _row(measure: Measure, report, figures: dict, skipped: dict[int, str], database: DatabaseRows, area: str) -> dict:
    ours = report_side(measure, figures, area, skipped)
    theirs, days = database_side(measure, database, report.platform, area, report.period_start, report.period_end)
    period_days = (report.period_end - report.period_start).days + 1
    covered = int(days.nunique())
    notes = ours.notes + theirs.notes
    ratio, flag, disagreement = compare(ours.value, theirs.value)
    if 0 < covered < period_days:
        notes.append(f"the database's daily statistics cover {covered} of {period_days} days of the period: its value "
                     "counts those days only")
        if covered < MIN_COVERAGE * period_days:
            notes.append(f"under {MIN_COVERAGE:.0%} of the period: not compared, ranked after the rows that cover more")
            flag, disagreement = None, math.nan
    derived = [ours.derived, theirs.derived, "ratio = report / database" if not math.isnan(ratio) else ""]
    return {"platform": report.platform, "period": report.period, "measure": measure.id, "report_value": ours.value,
            "database_value": theirs.value, "ratio": ratio, "database_days": covered, "period_days": period_days,
            "note": "; ".join(notes), "policy_area": area, "flag": flag, "disagreement": disagreement,
            "unit": "ratio" if measure.share else "count", "derived": "; ".join(d for d in derived if d),
            "measure_label": measure.label, "database_counts": measure.words,
            "period_start": report.period_start, "period_end": report.period_end,
            "database_first_day": days.min() if covered else pd.NaT, "database_last_day": days.max() if covered else pd.NaT,
            "report_document_sha256": "; ".join(ours.documents), "report_source_url": "; ".join(ours.urls),
            "report_locator": "; ".join(ours.locators), "database_document_sha256": "; ".join(theirs.documents),
            "database_source_url": "; ".join(theirs.urls), "database_locator": "; ".join(theirs.locators)}


def ranked(rows: pd.DataFrame) -> pd.DataFrame:
    """Totals (policy area ALL) first, then categories; each by disagreement, one side zero against the other first,
    the larger gap first among equals; rows not compared (a side missing, too few days covered) last."""
    if rows.empty:
        return rows
    gap = (rows["report_value"] - rows["database_value"]).abs()
    key = pd.DataFrame({"category": rows["policy_area"] != ALL, "missing": rows["disagreement"].isna(),
                        "disagreement": -rows["disagreement"].fillna(0), "gap": -gap.fillna(0)})
    order = key.sort_values(["category", "missing", "disagreement", "gap"], kind="stable").index
    out = rows.loc[order].reset_index(drop=True)
    out["rank"] = range(1, len(out) + 1)
    return out


def reconcile(store: Store, platforms: list[str] | None = None, periods: list[str] | None = None,
              measure_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per DSA report (platform and period), measure and, for measures by category, policy area: the
    report's value, the database's, their ratio and how many days of the period the database covers; ranked."""
    chosen = chosen_measures(measure_ids)
    reports = reports_held(store, platforms, periods)
    if reports.empty:
        return pd.DataFrame(columns=COLUMNS)
    query = lambda sql, params: run(store, sql, params)  # noqa: E731 (the sides query through one cursor each)
    figures: ReportRows = fetch_report_rows(query, platforms, periods)
    database = fetch_database_rows(query, sorted(reports["platform"].unique()), reports["period_start"].min(),
                                   reports["period_end"].max())
    out = []
    for report in reports.itertuples():
        mine, skipped = figures.of(report.platform, report.period)
        held = database.within(report.platform, report.period_start, report.period_end)
        for measure in chosen:
            for area in _areas(measure, mine, held):
                out.append(_row(measure, report, mine, skipped, held, area))
    return ranked(pd.DataFrame(out))[COLUMNS]


# -- as people read it ------------------------------------------------------------------------------------------

def value_text(value: float, unit: str) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:.1%}" if unit == "ratio" else f"{value:,.0f}"


def flag_words(flag) -> str:
    if flag is None or pd.isna(flag):
        return "not comparable"
    return f"differs by more than {DIVERGENCE_THRESHOLD:.0%}" if flag else f"within {DIVERGENCE_THRESHOLD:.0%}"


def as_text(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as text for tables: values with thousands separators (shares as percentages), ratios to three
    decimals, days as covered/period, dates as ISO days, nothing as an empty cell."""
    shown = rows.copy()
    for side in ("report_value", "database_value"):
        shown[side] = [value_text(v, u) for v, u in zip(rows[side], rows["unit"], strict=True)]
    shown["ratio"] = rows["ratio"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    shown["flag"] = rows["flag"].map(flag_words)
    shown["database_days"] = [f"{d}/{p}" for d, p in zip(rows["database_days"], rows["period_days"], strict=True)]
    for column in ("period_start", "period_end", "database_first_day", "database_last_day"):
        shown[column] = pd.to_datetime(rows[column]).dt.strftime("%Y-%m-%d").fillna("")
    return shown.drop(columns=["period_days"]).astype(str)


def exported(rows: pd.DataFrame, *, text: bool = False) -> pd.DataFrame:
    """The rows for CSV (`text`: values as the text a CSV holds) and JSON: counts as whole numbers, shares and ratios
    as decimals, nothing as empty (null), days as ISO dates."""
    out = rows.copy()
    for side in ("report_value", "database_value"):
        values = [None if pd.isna(v) else v if u == "ratio" else int(v) for v, u in zip(rows[side], rows["unit"],
                                                                                         strict=True)]
        out[side] = pd.Series(["" if v is None else str(v) for v in values] if text else values, index=rows.index,
                              dtype=object)
    for column in ("period_start", "period_end", "database_first_day", "database_last_day"):
        out[column] = pd.to_datetime(rows[column]).dt.strftime("%Y-%m-%d")
    return out
