"""Reusable queries over the store for charts, briefs and the dashboard: series, cross-checks, coverage, profiles.

Everything reads the `latest` table with one DuckDB query per call (through a cursor, so callers may share a
store across threads) and returns small pandas frames. Nothing here sums periods of different lengths, and
every derived figure (a year summed from its halves, a ratio, a per-million rate, an index) is marked as such.
"""
from __future__ import annotations

import copy
import csv
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pandas as pd

from reports.model import vocab
from reports.model.errors import AtlasError
from reports.model.schema import NO_LICENCE
from reports.model.selection import Selection
from reports.query.buildinfo import atlas_build
from reports.query.figures import sources_frame
from reports.query.normalise import add_per_million
from reports.store.database import Store

ANNOTATIONS_FILE = Path(__file__).resolve().parent / "annotations.csv"
NCMEC_SOURCE = "ncmec-esp"
NCMEC_METRIC = "ncmec_reports"
TDB_SOURCE = "dsa-tdb"
TDB_METRIC = "sor_count"
DSA_REPORT_SOURCE = "dsa-report"
# The DSA report's figures that each lead to statements of reasons (Art. 17 DSA): own-initiative measures (part
# 5 illegal content, part 6 terms and conditions) and actions taken on notices (on the basis of the law or of the
# terms and conditions), as the dsa-report collector stores them: metric plus the `basis` breakdown.
DSA_REPORT_SOR_PARTS = {
    "own_initiative": ("own_initiative_measures", ("basis=illegal_content", "basis=terms_and_conditions")),
    "notices": ("notice_actions", ("basis=law", "basis=terms_and_conditions")),
}
# NCMEC lists counts per electronic service provider; a provider's row is its platform's total (empty breakdown),
# except where several providers map to one platform in a year: those rows name the provider (`esp=...`).
NCMEC_ENTITY_BREAKDOWN = r"esp=[^;]*"
DIVERGENCE_THRESHOLD = 0.10
SERIES_COLUMNS = ["platform", "source", "region", "policy_area", "policy_label", "metric", "metric_label", "unit",
                  "period_start", "period_end", "period", "value", "value_text", "qualifier", "source_url",
                  "document_sha256", "locator", "breakdown"]


# -- small helpers -----------------------------------------------------------------------------------------

def _q(store: Store, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one query on its own cursor (DuckDB connections are not shared safely between threads)."""
    return store.con.cursor().execute(sql, params or []).fetchdf()


def _on_own_cursor(store: Store) -> Store:
    """The store seen through its own cursor, so that Store methods are safe beside other threads."""
    view = copy.copy(store)
    view.con = store.con.cursor()
    return view


def _in(column: str, values, clauses: list[str], params: list) -> None:
    """Append `column IN (...)` for a non-empty list of values."""
    values = [v for v in (values or []) if v not in (None, "")]
    if values:
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
        params.extend(values)


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


@cache
def _labels(kind: str) -> dict[str, str]:
    table = vocab.vocabulary(kind)
    key = "name" if kind == "platforms" else "label"
    return {k: v.get(key) or k for k, v in table.items()}


def platform_name(slug: str) -> str:
    return _labels("platforms").get(slug, slug)


def metric_name(metric: str) -> str:
    return _labels("metrics").get(metric, metric)


def policy_area_name(code: str) -> str:
    return _labels("policy_areas").get(code, code)


def source_title(store: Store, source_id: str) -> str:
    """The source card's publisher and title, or the id where the store holds no card."""
    card = store.source_card(source_id)
    return f"{card.publisher}, {card.title}" if card is not None else source_id


# -- what the store holds ---------------------------------------------------------------------------------

def available_metrics(store: Store) -> pd.DataFrame:
    """Metrics with at least one total (breakdown ''), with their unit, figure count and sources."""
    df = _q(store, """SELECT metric, any_value(unit) AS unit, count(*) AS figures,
                             string_agg(DISTINCT source, ', ' ORDER BY source) AS sources
                      FROM latest WHERE breakdown = '' OR source = ? GROUP BY metric ORDER BY metric""", [NCMEC_SOURCE])
    df["label"] = df["metric"].map(metric_name)
    return df


def available_policy_areas(store: Store, metric: str) -> pd.DataFrame:
    """Policy areas holding totals of a metric, with every platform's own words for each (`labels`)."""
    df = _q(store, """SELECT policy_area, count(*) AS figures,
                             string_agg(DISTINCT platform || ': ' || coalesce(nullif(policy_label, ''), '(no label)'),
                                        '; ' ORDER BY platform || ': ' || coalesce(nullif(policy_label, ''), '(no label)'))
                                 AS labels
                      FROM latest WHERE (breakdown = '' OR source = ?) AND metric = ? GROUP BY policy_area
                      ORDER BY policy_area""", [NCMEC_SOURCE, metric])
    df["label"] = df["policy_area"].map(policy_area_name)
    return df


def available_platforms(store: Store, metric: str | None = None, policy_area: str | None = None) -> pd.DataFrame:
    """Platforms (with their sources and regions) holding totals for a metric and policy area."""
    clauses, params = ["(breakdown = '' OR source = ?)"], [NCMEC_SOURCE]
    _in("metric", [metric] if metric else [], clauses, params)
    _in("policy_area", [policy_area] if policy_area else [], clauses, params)
    df = _q(store, f"""SELECT platform, string_agg(DISTINCT source, ',' ORDER BY source) AS sources,
                              string_agg(DISTINCT region, ',' ORDER BY region) AS regions, count(*) AS figures
                       FROM latest WHERE {' AND '.join(clauses)} GROUP BY platform ORDER BY platform""", params)
    df["name"] = df["platform"].map(platform_name)
    return df


def available_sources(store: Store) -> list[str]:
    return _q(store, "SELECT DISTINCT source FROM latest ORDER BY source")["source"].tolist()


def available_regions(store: Store, metric: str, policy_area: str | None = None) -> list[str]:
    """Regions holding totals for a metric (GLOBAL and EU first)."""
    clauses, params = ["(breakdown = '' OR source = ?)", "metric = ?"], [NCMEC_SOURCE, metric]
    _in("policy_area", [policy_area] if policy_area else [], clauses, params)
    regions = _q(store, f"SELECT DISTINCT region FROM latest WHERE {' AND '.join(clauses)}", params)["region"].tolist()
    first = [r for r in ("GLOBAL", "EU", "EEA") if r in regions]
    return first + sorted(r for r in regions if r not in first)


# -- series -----------------------------------------------------------------------------------------------

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

    Without `breakdowns` in the selection: totals, plus NCMEC's per-provider counts (each its own line). Adds
    `granularity` (day/week/month/quarter/half/year/span) and `series`, a key naming one line: platform, source,
    region, the platform's own policy label, the metric label and the granularity. Lines never mix period lengths
    or labels, so nothing of different lengths is ever joined or summed. `full=True` adds the provenance columns
    (source_url, locator) for downloads."""
    where, params = selection.where()
    clauses = [where] if where else []
    clauses += harmonised_only(selection)
    if not selection.breakdowns:
        clauses.append(f"(breakdown = '' OR (source = ? AND regexp_full_match(breakdown, '{NCMEC_ENTITY_BREAKDOWN}')))")
        params.append(NCMEC_SOURCE)
    columns = SERIES_COLUMNS if full else PLOT_COLUMNS
    df = _q(store, f"""SELECT {', '.join(columns)}, {GRANULARITY_SQL} AS granularity
                       FROM latest WHERE {' AND '.join(clauses)}
                       ORDER BY platform, source, region, policy_label, metric_label, granularity, period_start,
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
    names = _labels("platforms")
    areas = _labels("policy_areas")
    label = df["policy_label"].where(df["policy_label"] != "", df["policy_area"].map(lambda a: areas.get(a, a)))
    # Publishers recapitalise labels between editions ('Violence And Incitement'); one line per label, whatever its case.
    label = label.str.lower().map(dict(zip(label.str.lower(), label, strict=True)))
    df["series"] = (df["platform"].map(lambda p: names.get(p, p)) + " · " + df["source"] + " · " + df["region"]
                    + " · " + label + " · " + df["metric_label"] + " · " + df["granularity"]
                    + df["breakdown"].where(df["breakdown"] == "", " · " + df["breakdown"]))
    df["derived"] = ""
    return df.reset_index(drop=True)


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
    result = add_per_million(_on_own_cursor(store), df)
    result["value"] = result["value_per_million_recipients"]
    result["derived"] = [
        f"per million average monthly active recipients ({r:,.0f})" if not pd.isna(r)
        else "no recipients figure for this platform, region and period" for r in result["recipients"]]
    result["unit"] = "per million recipients"
    return result


def step_points(rows: pd.DataFrame) -> tuple[list, list, list]:
    """x, y and row index for drawing one series as horizontal segments across each real period.

    Each period gives three points (start, middle, end of its last day); a gap in time gives a break (None),
    so a quarter reads as a flat line over its quarter, and a missing period shows as a hole."""
    xs, ys, idx = [], [], []
    previous_end = None
    for i, r in zip(rows.index, rows.itertuples(), strict=True):
        end = r.period_end + timedelta(days=1)
        if previous_end is not None and r.period_start > previous_end:
            xs.append(None)
            ys.append(None)
            idx.append(None)
        value = None if pd.isna(r.value) else float(r.value)
        middle = r.period_start + (end - r.period_start) / 2
        xs += [r.period_start, middle, end]
        ys += [value, value, value]
        idx += [i, i, i]
        previous_end = end
    return xs, ys, idx


# -- cross-checks -----------------------------------------------------------------------------------------

def _calendar_years(rows: pd.DataFrame) -> pd.DataFrame:
    """Figures per calendar year: the year's own figure, else the sum of its halves (or quarters, or months)
    when every one of them is there, marked derived. Years that cannot be formed say why in `note`."""
    out = []
    rows = rows.dropna(subset=["value"]).copy()
    rows["granularity"] = [granularity(s, e) for s, e in zip(rows["period_start"], rows["period_end"], strict=True)]
    rows["year"] = pd.to_datetime(rows["period_start"]).dt.year
    needed = {"half": 2, "quarter": 4, "month": 12}
    for year, in_year in rows.groupby("year"):
        whole = in_year[in_year.granularity == "year"]
        if not whole.empty:
            r = whole.iloc[0]
            out.append({"year": year, "value": r.value, "derived": False, "periods": r.period, "note": "",
                        "source_url": r.source_url, "document_sha256": r.document_sha256, "locator": r.locator})
            continue
        for kind, count in needed.items():
            parts = in_year[in_year.granularity == kind].drop_duplicates(["period_start", "period_end"])
            if len(parts) == count:
                out.append({"year": year, "value": float(parts.value.sum()), "derived": True,
                            "periods": " + ".join(parts.sort_values("period_start").period),
                            "note": f"derived: sum of {count} {'halves' if kind == 'half' else kind + 's'}",
                            "source_url": "; ".join(dict.fromkeys(parts.source_url)),
                            "document_sha256": "; ".join(dict.fromkeys(parts.document_sha256)),
                            "locator": "; ".join(parts.locator)})
                break
        else:
            held = ", ".join(in_year.sort_values("period_start").period)
            out.append({"year": year, "value": float("nan"), "derived": False, "periods": held,
                        "note": f"not a whole calendar year (only {held}); not summed", "source_url": "",
                        "document_sha256": "", "locator": ""})
    return pd.DataFrame(out, columns=["year", "value", "derived", "periods", "note", "source_url",
                                      "document_sha256", "locator"])


def _compare(own: float, reference: float) -> tuple[float, float, bool | None]:
    """Ratio own/reference, relative divergence, and whether it exceeds the threshold (None if not comparable)."""
    if pd.isna(own) or pd.isna(reference) or not reference:
        return float("nan"), float("nan"), None
    ratio = own / reference
    return float(ratio), float(ratio - 1), bool(abs(ratio - 1) > DIVERGENCE_THRESHOLD)


NCMEC_COLUMNS = ["platform", "year", "platform_source", "platform_value", "platform_derived", "platform_periods",
                 "ncmec_value", "ratio", "divergence", "flag", "note", "platform_source_url",
                 "platform_document_sha256", "platform_locator", "ncmec_source_url", "ncmec_document_sha256",
                 "ncmec_locator"]


def _ncmec_years(part: pd.DataFrame) -> pd.DataFrame:
    """NCMEC's count per platform and year; several entries for one platform in a year (e.g. `Twitter, Inc. /
    Vine.co` and `X Corp` in 2023) are summed and marked derived, naming each entry."""
    out = []
    for year, rows in part.groupby(part["period_start"].dt.year):
        rows = rows.dropna(subset=["value"])
        if rows.empty:
            continue
        entries = [b.removeprefix("esp=") or str(year) for b in rows["breakdown"]]
        out.append({"year": year, "value": float(rows["value"].sum()), "derived": len(rows) > 1,
                    "periods": " + ".join(entries),
                    "note": f"derived: NCMEC lists {len(rows)} entries for it ({' + '.join(entries)})" if len(rows) > 1
                    else "", "source_url": "; ".join(dict.fromkeys(rows.source_url)),
                    "document_sha256": "; ".join(dict.fromkeys(rows.document_sha256)), "locator": "; ".join(rows.locator)})
    return pd.DataFrame(out, columns=["year", "value", "derived", "periods", "note", "source_url", "document_sha256",
                                      "locator"])


NCMEC_COLUMNS = ["platform", "year", "platform_source", "platform_value", "platform_derived", "platform_periods",
                 "ncmec_value", "ncmec_derived", "ratio", "divergence", "flag", "note", "platform_source_url",
                 "platform_document_sha256", "platform_locator", "ncmec_source_url", "ncmec_document_sha256",
                 "ncmec_locator"]


def ncmec_crosscheck(store: Store, platforms: list[str] | None = None) -> pd.DataFrame:
    """A platform's own count of reports to NCMEC against NCMEC's count for it, per calendar year.

    Platform side: metric `ncmec_reports`, any source but `ncmec-esp`, totals only (breakdown ''); halves (or
    quarters, months) are summed to a year only when all of them exist (`platform_derived`). NCMEC side: its
    per-provider rows for that platform. `ratio` = platform / NCMEC; `flag` is True when they differ by more than
    10%, None when one side is missing. Only platforms with a figure of their own are listed."""
    entity = f"regexp_full_match(breakdown, '{NCMEC_ENTITY_BREAKDOWN}')"
    clauses, params = ["metric = ?", f"(breakdown = '' OR (source = ? AND {entity}))"], [NCMEC_METRIC, NCMEC_SOURCE]
    _in("platform", platforms, clauses, params)
    rows = _q(store, f"""SELECT platform, source, period_start, period_end, period, value, source_url,
                                document_sha256, locator, region, policy_area, breakdown
                         FROM latest WHERE {' AND '.join(clauses)}
                         ORDER BY platform, source, (policy_area <> 'ALL'), (region <> 'GLOBAL'), period_start, breakdown""",
              params)
    rows["period_start"] = pd.to_datetime(rows["period_start"])
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    own_rows = rows[rows.source != NCMEC_SOURCE].drop_duplicates(["platform", "source", "period_start", "period_end"])
    ncmec_rows = rows[(rows.source == NCMEC_SOURCE) & rows.platform.isin(set(own_rows.platform))]
    ncmec = {platform: _ncmec_years(part).set_index("year") for platform, part in ncmec_rows.groupby("platform")}
    out = []
    for (platform, source), part in own_rows.groupby(["platform", "source"]):
        years = _calendar_years(part).set_index("year")
        reference = ncmec.get(platform, pd.DataFrame(columns=["value"]))
        for year in sorted(set(years.index) | set(reference.index)):
            own = years.loc[year] if year in years.index else None
            ref = reference.loc[year] if year in reference.index else None
            own_value = own.value if own is not None else float("nan")
            ref_value = ref.value if ref is not None else float("nan")
            ratio, divergence, flag = _compare(own_value, ref_value)
            notes = [n for n in (own.note if own is not None else "", ref.note if ref is not None else "") if n]
            if own is None:
                notes.append(f"{source} has no figure for {year}")
            if ref is None:
                notes.append(f"NCMEC lists no count for {platform_name(platform)} in {year}")
            out.append({"platform": platform, "year": int(year), "platform_source": source,
                        "platform_value": own_value, "platform_derived": bool(own.derived) if own is not None else False,
                        "platform_periods": own.periods if own is not None else "", "ncmec_value": ref_value,
                        "ncmec_derived": bool(ref.derived) if ref is not None else False,
                        "ratio": ratio, "divergence": divergence, "flag": flag, "note": "; ".join(notes),
                        "platform_source_url": own.source_url if own is not None else "",
                        "platform_document_sha256": own.document_sha256 if own is not None else "",
                        "platform_locator": own.locator if own is not None else "",
                        "ncmec_source_url": ref.source_url if ref is not None else "",
                        "ncmec_document_sha256": ref.document_sha256 if ref is not None else "",
                        "ncmec_locator": ref.locator if ref is not None else ""})
    return pd.DataFrame(out, columns=NCMEC_COLUMNS)


TDB_COLUMNS = ["platform", "period", "period_start", "period_end", "policy_area", "own_initiative", "notices",
               "report_value", "sor_count", "tdb_days", "period_days", "ratio", "divergence", "flag", "note",
               "report_source_url", "report_document_sha256", "report_locator"]


def dsa_tdb_crosscheck(store: Store, platforms: list[str] | None = None) -> pd.DataFrame:
    """A DSA report's own-initiative measures and actions on notices against statements of reasons in the
    Transparency Database for the same service, period and policy area (EU).

    `own_initiative` = illegal-content + terms-and-conditions measures; `notices` = actions on the basis of the
    law + of the terms and conditions; `report_value` = their sum (all derived sums of published figures).
    `sor_count` = the database's daily counts summed over the report's period (for policy area ALL, its daily
    totals, or the sum of its categories where it has no total); `tdb_days` says how many days of the period the
    database covers. `ratio` = report / database; `flag` is None (not comparable) unless the database covers the whole period."""
    parts, params = [], [DSA_REPORT_SOURCE]
    for metric, breakdowns in DSA_REPORT_SOR_PARTS.values():
        parts.append(f"(metric = ? AND breakdown IN ({', '.join('?' * len(breakdowns))}))")
        params += [metric, *breakdowns]
    clauses = ["source = ?", "region = 'EU'", f"({' OR '.join(parts)})"]
    _in("platform", platforms, clauses, params)
    report = _q(store, f"""SELECT platform, metric, breakdown, policy_area, period, period_start, period_end, value,
                                  source_url, document_sha256, locator FROM latest WHERE {' AND '.join(clauses)}
                           ORDER BY platform, period_start, policy_area, metric, breakdown""", params)
    if report.empty:
        return pd.DataFrame(columns=TDB_COLUMNS)
    part_of = {metric: part for part, (metric, _b) in DSA_REPORT_SOR_PARTS.items()}
    report["part"] = report["metric"].map(part_of)
    tdb = _q(store, f"""SELECT platform, policy_area, period_start, period_end, value FROM latest
                        WHERE source = ? AND metric = ? AND breakdown = '' AND region = 'EU'
                        {'AND platform IN (' + ', '.join('?' * report['platform'].nunique()) + ')'}""",
             [TDB_SOURCE, TDB_METRIC, *report["platform"].unique()])
    tdb["period_start"] = pd.to_datetime(tdb["period_start"])
    tdb["period_end"] = pd.to_datetime(tdb["period_end"])
    out = []
    for (platform, period, area), rows in report.groupby(["platform", "period", "policy_area"], sort=False):
        start, end = pd.Timestamp(rows.period_start.iloc[0]), pd.Timestamp(rows.period_end.iloc[0])
        sums, notes = {}, []
        for part, (_metric, breakdowns) in DSA_REPORT_SOR_PARTS.items():
            values = rows[(rows.part == part)].dropna(subset=["value"])
            sums[part] = float(values["value"].sum()) if not values.empty else float("nan")
            if len(values) < len(breakdowns):
                notes.append(f"{part.replace('_', '-')}: {len(values)} of {len(breakdowns)} bases printed a figure")
        report_value = float(sum(v for v in sums.values() if not pd.isna(v))) \
            if any(not pd.isna(v) for v in sums.values()) else float("nan")
        mask = (tdb.platform == platform) & (tdb.period_start >= start) & (tdb.period_end <= end)
        # For ALL, the database's own total per day where it has one; the sum of its categories only otherwise.
        summed_categories = area == "ALL" and not (mask & (tdb.policy_area == "ALL")).any()
        if not summed_categories:
            mask &= tdb.policy_area == area
        days = tdb[mask]
        spans = days.drop_duplicates(["period_start", "period_end"])
        covered = int(((spans.period_end - spans.period_start).dt.days + 1).sum())
        period_days = (end - start).days + 1
        sor = float(days["value"].sum()) if not days.empty else float("nan")
        ratio, divergence, flag = _compare(report_value, sor)
        notes.insert(0, "report value derived: own-initiative + actions on notices")
        if summed_categories:
            notes.append("database count derived: sum over every category")
        if covered < period_days:
            notes.append(f"database figures cover {covered} of {period_days} days: not comparable")
            flag = None
        out.append({"platform": platform, "period": period, "period_start": start, "period_end": end,
                    "policy_area": area, "own_initiative": sums["own_initiative"], "notices": sums["notices"],
                    "report_value": report_value, "sor_count": sor, "tdb_days": covered, "period_days": period_days,
                    "ratio": ratio, "divergence": divergence, "flag": flag, "note": "; ".join(notes),
                    "report_source_url": "; ".join(dict.fromkeys(rows.source_url)),
                    "report_document_sha256": "; ".join(dict.fromkeys(rows.document_sha256)),
                    "report_locator": "; ".join(rows.locator)})
    return pd.DataFrame(out, columns=TDB_COLUMNS)


# -- platform profile -------------------------------------------------------------------------------------

def platform_sources(store: Store, platform: str) -> pd.DataFrame:
    """The sources that hold figures for a platform: figure and document counts, first and last period."""
    df = _q(store, """SELECT l.source, count(*) AS figures, count(DISTINCT l.document_sha256) AS documents,
                             min(l.period_start) AS first_period_start, max(l.period_end) AS last_period_end,
                             string_agg(DISTINCT l.metric, ', ' ORDER BY l.metric) AS metrics
                      FROM latest l WHERE l.platform = ? GROUP BY l.source ORDER BY l.source""", [platform])
    cards = store.source_cards()
    df["title"] = [cards[s].title if s in cards else s for s in df["source"]]
    return df


def coverage(store: Store, platform: str) -> pd.DataFrame:
    """Which periods each source covers for a platform, as spans of contiguous periods per source and granularity."""
    rows = _q(store, """SELECT DISTINCT source, period_start, period_end FROM latest
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
    df = _q(store, f"""SELECT metric, policy_area, source, any_value(unit) AS unit, count(*) AS figures,
                             count(DISTINCT period_start) AS periods
                      FROM latest WHERE platform = ? AND breakdown = '' AND value IS NOT NULL
                            AND policy_area <> '{vocab.UNMAPPED_AREA}' AND metric <> '{vocab.UNMAPPED_METRIC}'
                      GROUP BY metric, policy_area, source
                      ORDER BY source, (any_value(unit) <> 'count'), (policy_area <> 'ALL'), periods DESC, figures DESC,
                               metric, policy_area""", [platform])
    df["rank"] = df.groupby("source").cumcount()
    return df.sort_values(["rank", "source"], kind="stable").head(limit).drop(columns="rank").reset_index(drop=True)


# -- provenance and citations -----------------------------------------------------------------------------

def provenance(store: Store, figure: dict) -> dict:
    """Everything about one figure: its row, its document (name, edition, published, retrieved), caveats."""
    keys = ["source", "platform", "period_start", "period_end", "region", "policy_area", "policy_label", "metric",
            "metric_label", "breakdown"]
    clauses = [f"l.{k} = ?" if not k.startswith("period_") else f"l.{k} = CAST(? AS DATE)" for k in keys]
    params = [str(figure[k])[:10] if k.startswith("period_") else figure[k] for k in keys]
    df = _q(store, f"""SELECT l.*, d.name AS document_name, d.edition, d.published, d.retrieved, d.first_seen,
                              d.publisher, d.license, d.title AS document_title, d.source_url AS document_url
                       FROM latest l JOIN documents d ON d.sha256 = l.document_sha256
                       WHERE {' AND '.join(clauses)} LIMIT 1""", params)
    if df.empty:
        return {}
    row = {k: (None if (not isinstance(v, str) and pd.isna(v)) else v) for k, v in df.iloc[0].to_dict().items()}
    card = store.source_card(row["source"])
    row["caveats"] = list(card.caveats) if card is not None else []
    row["citation"] = card.citation if card is not None else ""
    return row


def with_citations(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """Plotted rows ready to download: dates as ISO text, plus each source's citation and licence."""
    df = df.copy()
    for column in ("period_start", "period_end"):
        if column in df:
            df[column] = pd.to_datetime(df[column]).dt.strftime("%Y-%m-%d")
    cards = store.source_cards()
    df["citation"] = [cards[s].citation or cards[s].title if s in cards else s for s in df.get("source", [])]
    df["license"] = [cards[s].license if s in cards else "" for s in df.get("source", [])]
    return df


def source_line(store: Store, documents: Iterable[str] = (), *, sources: Iterable[str] = (),
                platforms: Iterable[str] = ()) -> str:
    """'Source: publisher, title (licence); ...' for every document behind a chart, then the atlas build: the
    documents given by sha256, and those holding the latest figures of `sources` (for `platforms`, when given)."""
    store = _on_own_cursor(store)
    shas, sources, platforms = list(documents), list(sources), list(platforms)
    if sources:
        where, params = Selection(sources=sources, platforms=platforms).where()
        shas += _q(store, f"SELECT DISTINCT document_sha256 FROM latest WHERE {where}", params)["document_sha256"].tolist()
    docs = sources_frame(store, pd.DataFrame({"document_sha256": shas}))
    if docs.empty:
        return ""
    names = dict.fromkeys(f"{d.publisher}, {d.title} ({licence_words(d.license)})" for d in docs.itertuples())
    build = atlas_build(store)
    return (f"Source: {'; '.join(names)}. Compiled by Transparency Atlas {build['version']} "
            f"(data as of {build['built'][:10]}).")


def licence_words(licence: str) -> str:
    return NO_LICENCE if licence == NO_LICENCE else f"licence: {licence}"


# -- annotations ------------------------------------------------------------------------------------------

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


# -- revisions --------------------------------------------------------------------------------------------

def changes(store: Store, platform: str | None = None, source: str | None = None) -> pd.DataFrame:
    """Store.changes (figures revised between editions) run on its own cursor, safe beside other threads."""
    return _on_own_cursor(store).changes(platform=platform, source=source)
