"""Cross-checks: a platform's own count of reports to NCMEC against NCMEC's count for it. (A DSA report against
the statements of reasons in the EU Transparency Database is reports.query.reconcile.) Every sum is derived and
says so.

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
