"""Cross-checks: a platform's own count of reports to NCMEC against NCMEC's count for it, and a DSA report's
figures against the statements of reasons in the EU Transparency Database. Every sum is derived and says so.

Like every query module, each call reads the `latest` table with one DuckDB query through its own cursor (callers
share a store across threads) and returns a small pandas frame; nothing sums periods of different lengths."""
from __future__ import annotations

import pandas as pd

from reports.model.overlaps import countable, totals_sql
from reports.model.schema import COMBINED
from reports.query.common import add_in, run
from reports.query.naming import platform_name
from reports.query.timeseries import NCMEC_SOURCE, granularity
from reports.store.database import Store

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
DIVERGENCE_THRESHOLD = 0.10


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


# What NCMEC's side of a year is: a count it printed for the platform, a count it printed for the platform together
# with others (one row, e.g. 'Amazon / Twitch'), no row for the platform in an edition the atlas holds, or no
# edition of that year in the atlas at all (which says nothing about what NCMEC published).
NCMEC_PRINTED, NCMEC_COMBINED, NCMEC_NOT_LISTED, NCMEC_NO_EDITION = "printed", "combined", "not listed", "no edition"


def _ncmec_years(part: pd.DataFrame, partners: dict[tuple[str, str], list[str]]) -> pd.DataFrame:
    """NCMEC's count per platform and year; several entries for one platform in a year (e.g. `Twitter, Inc. /
    Vine.co` and `X Corp` in 2023) are summed and marked derived, naming each entry; a row printed for several
    platforms together is marked combined, naming the others (`partners`: (sha256, locator) -> platforms)."""
    out = []
    for year, rows in part.groupby(part["period_start"].dt.year):
        rows, _notes = countable(rows.dropna(subset=["value"]))  # a combined row once, nothing added twice
        if rows.empty:
            continue
        entries = [b.removeprefix("esp=") or str(year) for b in rows["breakdown"]]
        combined = rows[rows["qualifier"] == COMBINED]
        note = f"derived: NCMEC lists {len(rows)} entries for it ({' + '.join(entries)})" if len(rows) > 1 else ""
        if not combined.empty:
            note = "; ".join(filter(None, [note, *(_combined_words(r, partners) for r in combined.itertuples())]))
        out.append({"year": year, "value": float(rows["value"].sum()), "derived": len(rows) > 1,
                    "status": NCMEC_COMBINED if not combined.empty else NCMEC_PRINTED,
                    "periods": " + ".join(entries), "note": note,
                    "source_url": "; ".join(dict.fromkeys(rows.source_url)),
                    "document_sha256": "; ".join(dict.fromkeys(rows.document_sha256)), "locator": "; ".join(rows.locator)})
    return pd.DataFrame(out, columns=["year", "value", "derived", "status", "periods", "note", "source_url",
                                      "document_sha256", "locator"])


def _combined_words(row, partners: dict[tuple[str, str], list[str]]) -> str:
    """'NCMEC counted Twitch together with Amazon (one row: Amazon / Twitch 2,235)'."""
    others = [platform_name(p) for p in partners.get((row.document_sha256, row.locator), []) if p != row.platform]
    printed = row.locator.split(": ", 1)[-1]
    return (f"NCMEC counted {platform_name(row.platform)} together with {', '.join(others) or 'other platforms'} "
            f"(one printed row: {printed}), so its count cannot be told apart: not comparable")


def _ncmec_missing(platform: str, year: int, editions: set[int]) -> tuple[str, str]:
    """Why NCMEC's side of a year is empty: its edition of that year lists no count for the platform, or the atlas
    holds no edition of that year (NCMEC may well have published one)."""
    if year in editions:
        return NCMEC_NOT_LISTED, (f"NCMEC lists no count for {platform_name(platform)} in {year} (its {year} "
                                  "edition, held in the atlas, has no row for it)")
    return NCMEC_NO_EDITION, (f"the atlas holds no NCMEC edition for {year}: NCMEC's count for "
                              f"{platform_name(platform)} is not known here (not that NCMEC lists none)")


NCMEC_COLUMNS = ["platform", "year", "platform_source", "platform_value", "platform_derived", "platform_periods",
                 "ncmec_value", "ncmec_derived", "ncmec_status", "ratio", "divergence", "flag", "note",
                 "platform_source_url", "platform_document_sha256", "platform_locator", "ncmec_source_url",
                 "ncmec_document_sha256", "ncmec_locator"]


def _ncmec_rows(store: Store, platforms: list[str] | None) -> pd.DataFrame:
    clauses, params = ["metric = ?", totals_sql()], [NCMEC_METRIC]
    add_in("platform", platforms, clauses, params)
    rows = run(store, f"""SELECT platform, source, period_start, period_end, period, value, qualifier, source_url,
                                document_sha256, locator, region, policy_area, breakdown
                         FROM latest WHERE {' AND '.join(clauses)}
                         ORDER BY platform, source, (policy_area <> 'ALL'), (region <> 'GLOBAL'), period_start, breakdown""",
              params)
    rows["period_start"] = pd.to_datetime(rows["period_start"])
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    return rows


def _ncmec_editions(store: Store) -> tuple[set[int], dict[tuple[str, str], list[str]]]:
    """The years of NCMEC's editions the atlas holds, and each combined row's platforms."""
    held = run(store, "SELECT DISTINCT year(period_start) AS year FROM latest WHERE source = ? AND metric = ?",
               [NCMEC_SOURCE, NCMEC_METRIC])
    combined = run(store, "SELECT platform, document_sha256, locator FROM latest WHERE source = ? AND qualifier = ?",
                   [NCMEC_SOURCE, COMBINED])
    partners: dict[tuple[str, str], list[str]] = {}
    for r in combined.itertuples():
        partners.setdefault((r.document_sha256, r.locator), []).append(r.platform)
    return {int(y) for y in held["year"]}, partners


def _ncmec_row(platform: str, source: str, year: int, own, ref, editions: set[int]) -> dict:
    own_value = own.value if own is not None else float("nan")
    ref_value = ref.value if ref is not None else float("nan")
    ratio, divergence, flag = _compare(own_value, ref_value)
    notes = [n for n in (own.note if own is not None else "", ref.note if ref is not None else "") if n]
    if own is None:
        notes.append(f"{source} has no figure for {year}")
    status = ref.status if ref is not None else _ncmec_missing(platform, year, editions)[0]
    if ref is None:
        notes.append(_ncmec_missing(platform, year, editions)[1])
    if status == NCMEC_COMBINED:  # an upper bound shared with other platforms: no ratio, no flag
        ratio, divergence, flag = float("nan"), float("nan"), None
    return {"platform": platform, "year": int(year), "platform_source": source,
            "platform_value": own_value, "platform_derived": bool(own.derived) if own is not None else False,
            "platform_periods": own.periods if own is not None else "", "ncmec_value": ref_value,
            "ncmec_derived": bool(ref.derived) if ref is not None else False, "ncmec_status": status,
            "ratio": ratio, "divergence": divergence, "flag": flag, "note": "; ".join(notes),
            "platform_source_url": own.source_url if own is not None else "",
            "platform_document_sha256": own.document_sha256 if own is not None else "",
            "platform_locator": own.locator if own is not None else "",
            "ncmec_source_url": ref.source_url if ref is not None else "",
            "ncmec_document_sha256": ref.document_sha256 if ref is not None else "",
            "ncmec_locator": ref.locator if ref is not None else ""}


def ncmec_crosscheck(store: Store, platforms: list[str] | None = None) -> pd.DataFrame:
    """A platform's own count of reports to NCMEC against NCMEC's count for it, per calendar year.

    Platform side: metric `ncmec_reports`, any source but `ncmec-esp`, totals only (breakdown ''); halves (or
    quarters, months) are summed to a year only when all of them exist (`platform_derived`). NCMEC side: its
    per-provider rows for that platform. `ncmec_status` says what NCMEC's side is: `printed`, `combined` (one row
    for the platform and others, e.g. 'Amazon / Twitch': no ratio, no flag), `not listed` (the edition the atlas
    holds has no row for it) or `no edition` (the atlas holds no NCMEC edition of that year). `ratio` = platform /
    NCMEC; `flag` is True when they differ by more than 10%, None when not comparable. Only platforms with a
    figure of their own are listed."""
    rows = _ncmec_rows(store, platforms)
    editions, partners = _ncmec_editions(store)
    own_rows = rows[rows.source != NCMEC_SOURCE].drop_duplicates(["platform", "source", "period_start", "period_end"])
    ncmec_rows = rows[(rows.source == NCMEC_SOURCE) & rows.platform.isin(set(own_rows.platform))]
    ncmec = {platform: _ncmec_years(part, partners).set_index("year")
             for platform, part in ncmec_rows.groupby("platform")}
    out = []
    for (platform, source), part in own_rows.groupby(["platform", "source"]):
        years = _calendar_years(part).set_index("year")
        reference = ncmec.get(platform, pd.DataFrame(columns=["value"]))
        for year in sorted(set(years.index) | set(reference.index)):
            own = years.loc[year] if year in years.index else None
            ref = reference.loc[year] if year in reference.index else None
            out.append(_ncmec_row(platform, source, year, own, ref, editions))
    return pd.DataFrame(out, columns=NCMEC_COLUMNS)


TDB_COLUMNS = ["platform", "period", "period_start", "period_end", "policy_area", "own_initiative", "notices",
               "report_value", "sor_count", "tdb_days", "period_days", "ratio", "divergence", "flag", "note",
               "report_source_url", "report_document_sha256", "report_locator"]


def _report_figures(store: Store, platforms: list[str] | None) -> pd.DataFrame:
    """The DSA reports' own-initiative measures and actions on notices, each with the part it counts towards."""
    parts, params = [], [DSA_REPORT_SOURCE]
    for metric, breakdowns in DSA_REPORT_SOR_PARTS.values():
        parts.append(f"(metric = ? AND breakdown IN ({', '.join('?' * len(breakdowns))}))")
        params += [metric, *breakdowns]
    clauses = ["source = ?", "region = 'EU'", f"({' OR '.join(parts)})"]
    add_in("platform", platforms, clauses, params)
    report = run(store, f"""SELECT platform, metric, breakdown, policy_area, period, period_start, period_end, value,
                                  source_url, document_sha256, locator FROM latest WHERE {' AND '.join(clauses)}
                           ORDER BY platform, period_start, policy_area, metric, breakdown""", params)
    report["part"] = report["metric"].map({metric: part for part, (metric, _b) in DSA_REPORT_SOR_PARTS.items()})
    return report


def _report_against_database(platform: str, period: str, area: str, rows: pd.DataFrame, tdb: pd.DataFrame) -> dict:
    """One platform, period and policy area: the report's derived sums against the database's, with notes."""
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
    return {"platform": platform, "period": period, "period_start": start, "period_end": end,
            "policy_area": area, "own_initiative": sums["own_initiative"], "notices": sums["notices"],
            "report_value": report_value, "sor_count": sor, "tdb_days": covered, "period_days": period_days,
            "ratio": ratio, "divergence": divergence, "flag": flag, "note": "; ".join(notes),
            "report_source_url": "; ".join(dict.fromkeys(rows.source_url)),
            "report_document_sha256": "; ".join(dict.fromkeys(rows.document_sha256)),
            "report_locator": "; ".join(rows.locator)}


def dsa_tdb_crosscheck(store: Store, platforms: list[str] | None = None) -> pd.DataFrame:
    """A DSA report's own-initiative measures and actions on notices against statements of reasons in the
    Transparency Database for the same service, period and policy area (EU).

    `own_initiative` = illegal-content + terms-and-conditions measures; `notices` = actions on the basis of the
    law + of the terms and conditions; `report_value` = their sum (all derived sums of published figures).
    `sor_count` = the database's daily counts summed over the report's period (for policy area ALL, its daily
    totals, or the sum of its categories where it has no total); `tdb_days` says how many days of the period the
    database covers. `ratio` = report / database; `flag` is None (not comparable) unless the database covers the whole period."""
    report = _report_figures(store, platforms)
    if report.empty:
        return pd.DataFrame(columns=TDB_COLUMNS)
    tdb = run(store, f"""SELECT platform, policy_area, period_start, period_end, value FROM latest
                        WHERE source = ? AND metric = ? AND breakdown = '' AND region = 'EU'
                        {'AND platform IN (' + ', '.join('?' * report['platform'].nunique()) + ')'}""",
             [TDB_SOURCE, TDB_METRIC, *report["platform"].unique()])
    tdb["period_start"] = pd.to_datetime(tdb["period_start"])
    tdb["period_end"] = pd.to_datetime(tdb["period_end"])
    out = [_report_against_database(platform, period, area, rows, tdb)
           for (platform, period, area), rows in report.groupby(["platform", "period", "policy_area"], sort=False)]
    return pd.DataFrame(out, columns=TDB_COLUMNS)


