"""Cross-checks: a platform's own count of reports to NCMEC against NCMEC's count for it. (A DSA report against
the statements of reasons in the EU Transparency Database is reports.query.reconcile.) Every sum is derived and
says so.

Like every query module, each call reads the `latest` table with one DuckDB query through its own cursor (callers
share a store across threads) and returns a small pandas frame; nothing sums periods of different lengths."""
from __future__ import annotations

import pandas as pd

from reports.query.common import add_in, run
from reports.query.naming import platform_name
from reports.query.timeseries import NCMEC_ENTITY_BREAKDOWN, NCMEC_SOURCE, granularity
from reports.store.database import Store

NCMEC_METRIC = "ncmec_reports"
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
    add_in("platform", platforms, clauses, params)
    rows = run(store, f"""SELECT platform, source, period_start, period_end, period, value, source_url,
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
