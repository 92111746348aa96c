"""The two sides of a reconciliation: the measures (declared in reconcile.toml), a DSA report's figures for one
measure, and the DSA Transparency Database's statements of reasons for the same service and days.

Each side is worked out from rows fetched once for every report (`ReportRows`, `DatabaseRows`) and comes back as a
`Side`: its value (NaN where there is none to give, never a made-up zero), the notes that say why, what was derived
and the provenance of every figure used."""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from reports.model import vocab
from reports.model.errors import AtlasError
from reports.query.naming import platform_name

MEASURES_FILE = Path(__file__).resolve().parent / "reconcile.toml"
REPORT_SOURCE, DATABASE_SOURCE, DATABASE_METRIC = "dsa-report", "dsa-tdb", "sor_count"
ALL = "ALL"
SURFACE = "surface="
QUOTED = 90  # characters of a publisher's sentence quoted in a note


@dataclass(frozen=True)
class Term:
    """One figure of a DSA report: its part of the EU template, metric and breakdown as stored, and its words."""

    part: int
    metric: str
    breakdown: str
    label: str


@dataclass(frozen=True)
class Measure:
    """One comparison: report terms (summed; a share of `report_whole` where given) against database cuts."""

    id: str
    label: str
    by_category: bool
    none: str
    report: tuple[Term, ...]
    report_whole: tuple[Term, ...]
    database: tuple[str, ...]
    whole: str
    words: str

    @property
    def share(self) -> bool:
        return bool(self.report_whole)

    @property
    def daily(self) -> bool:
        """Compared with the database's daily totals (empty breakdown) rather than its monthly cuts."""
        return self.database == ("",)

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.report + self.report_whole


def _terms(rows: list[dict], where: str) -> tuple[Term, ...]:
    try:
        return tuple(Term(int(r["part"]), r["metric"], r["breakdown"], r["label"]) for r in rows)
    except (KeyError, TypeError, ValueError) as exc:
        raise AtlasError(f"a report term of measure {where} lacks part, metric, breakdown or label ({exc})",
                         file=MEASURES_FILE) from None


def _measure(entry: dict) -> Measure:
    where = repr(entry.get("id", "?"))
    try:
        database = entry["database"]
        measure = Measure(id=entry["id"], label=entry["label"], by_category=bool(entry.get("by_category", False)),
                          none=entry["none"], report=_terms(entry["report"], where),
                          report_whole=_terms(entry.get("report_whole", []), where),
                          database=tuple(database["breakdowns"]), whole=database.get("whole", ""),
                          words=database["words"])
    except KeyError as exc:
        raise AtlasError(f"measure {where} lacks {exc}", file=MEASURES_FILE) from None
    if measure.by_category and not measure.daily:
        raise AtlasError(f"measure {where} is by category, but the database's cuts exist for ALL only: its database "
                         "breakdowns must be [\"\"] (daily totals)", file=MEASURES_FILE)
    if measure.share != bool(measure.whole):
        raise AtlasError(f"measure {where}: a share needs both report_whole and database.whole", file=MEASURES_FILE)
    return measure


@cache
def measures() -> tuple[Measure, ...]:
    """The measures of reconcile.toml, in its order."""
    with MEASURES_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    found = tuple(_measure(entry) for entry in data.get("measure", []))
    if len({m.id for m in found}) != len(found):
        raise AtlasError("two measures share an id", file=MEASURES_FILE)
    return found


def measure_ids() -> list[str]:
    return [m.id for m in measures()]


@dataclass
class Side:
    """One side of a row: value (NaN where none), notes, what was derived, and where each figure used comes from."""

    value: float = math.nan
    notes: list[str] = field(default_factory=list)
    derived: str = ""
    documents: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    locators: list[str] = field(default_factory=list)

    def cite(self, documents, urls, locators) -> None:
        """Add where figures come from, each document, URL and locator once."""
        for held, given in ((self.documents, documents), (self.urls, urls), (self.locators, locators)):
            held += [g for g in dict.fromkeys(given) if g and g not in held]


def quoted(text: str) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= QUOTED else text[: QUOTED - 1] + "…")


def count(value: float) -> str:
    return f"{value:,.0f}"


# -- the report's side ------------------------------------------------------------------------------------------

@dataclass
class ReportRows:
    """Every figure the measures read from the DSA reports (any surface), by report, and the parts each report left
    out whole (e.g. as the empty template)."""

    figures: dict[tuple[str, str], dict[tuple[str, str, str], list[tuple[str, object]]]]
    skipped: dict[tuple[str, str], dict[int, str]]

    def of(self, platform: str, period: str) -> tuple[dict[tuple[str, str, str], list], dict[int, str]]:
        """One report's figures as (surface, row) pairs ('' for the service itself), keyed by (policy area, metric,
        breakdown without surface), and its skipped parts."""
        return self.figures.get((platform, period), {}), self.skipped.get((platform, period), {})


def split_surface(breakdown: str) -> tuple[str, str]:
    """A breakdown without its `surface=` element, and that surface ('' for the service itself)."""
    parts = [p for p in breakdown.split(";") if p]
    surface = next((p.removeprefix(SURFACE) for p in parts if p.startswith(SURFACE)), "")
    return ";".join(p for p in parts if not p.startswith(SURFACE)), surface


def fetch_report_rows(run, platforms: list[str] | None, periods: list[str] | None) -> ReportRows:
    """The measures' figures of every matching report (`run(sql, params)` queries the store) and, per report, the
    parts skipped whole (e.g. left as the empty template), found through the documents of the same report."""
    metrics = sorted({t.metric for m in measures() for t in m.terms})
    breakdowns = sorted({t.breakdown for m in measures() for t in m.terms})
    # A term's breakdown, on the service itself or on another surface (`...;surface=ads`), never a finer cut.
    base = "trim(regexp_replace(breakdown, '(^|;)surface=[^;]*', '', 'g'), ';')"
    clauses = ["source = ?", "region = 'EU'", f"metric IN ({', '.join('?' * len(metrics))})",
               f"{base} IN ({', '.join('?' * len(breakdowns))})"]
    params = [REPORT_SOURCE, *metrics, *breakdowns]
    for column, values in (("platform", platforms), ("period", periods)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params += list(values)
    figures = run(f"""SELECT platform, period, policy_area, metric, breakdown, value, value_text, qualifier,
                             source_url, document_sha256, locator
                      FROM latest WHERE {' AND '.join(clauses)}""", params)
    wanted = {(t.metric, t.breakdown) for m in measures() for t in m.terms}
    by_report: dict = {}
    for r in figures.itertuples(index=False):
        base, surface = split_surface(r.breakdown)
        if (r.metric, base) in wanted:
            report = by_report.setdefault((r.platform, r.period), {})
            report.setdefault((r.policy_area, r.metric, base), []).append((surface, r))
    skipped = run("""WITH report_documents AS (
                          SELECT DISTINCT l.platform, l.period, d.title FROM latest l
                          JOIN documents d ON d.sha256 = l.document_sha256 WHERE l.source = ?)
                      SELECT r.platform, r.period, s.locator, s.reason, d.name FROM skipped s
                      JOIN documents d ON d.sha256 = s.document_sha256
                      JOIN report_documents r ON r.title = d.title
                      WHERE d.source = ? AND s.locator NOT LIKE '%, row %'""", [REPORT_SOURCE, REPORT_SOURCE])
    parts: dict = {}
    for r in skipped.itertuples(index=False):
        if m := re.match(r"part (\d+)\b", r.locator):
            parts.setdefault((r.platform, r.period), {})[int(m[1])] = f"{r.reason} ({r.name})"
    return ReportRows(by_report, parts)


def _missing(term: Term, area: str, skipped_parts: dict[int, str]) -> str:
    if term.part in skipped_parts:
        return f"{term.label} not counted: {skipped_parts[term.part]}"
    return f"{term.label}: the report prints no figure{'' if area == ALL else ' for this category'}"


def _printed(r) -> str:
    return count(r.value) if not pd.isna(r.value) else quoted(r.value_text)


def _term_value(side: Side, term: Term, figures: dict, area: str, skipped_parts: dict[int, str]) -> float:
    """The term's published figure (NaN where there is none, with a note saying why); other surfaces noted apart."""
    mine = figures.get((area, term.metric, term.breakdown), [])
    for surface, r in mine:
        if surface and (not pd.isna(r.value) or r.value_text):
            side.notes.append(f"{term.label} for surface={surface} ({_printed(r)}) is printed apart and never "
                              "summed into the service's figure")
    own = [r for surface, r in mine if not surface]
    if not own:
        side.notes.append(_missing(term, area, skipped_parts))
        return math.nan
    r = own[0]
    if pd.isna(r.value):
        side.notes.append(f"{term.label}: words instead of a number, {quoted(r.value_text)}" if r.qualifier == "text"
                          else f"{term.label}: left empty in the report (a gap, not a zero)")
        return math.nan
    if r.qualifier:
        side.notes.append(f"{term.label} printed as {quoted(r.value_text)} ({r.qualifier})")
    side.cite([r.document_sha256], [r.source_url], [r.locator])
    return float(r.value)


def _sum(side: Side, terms: tuple[Term, ...], figures: dict, area: str, skipped_parts: dict[int, str]) \
        -> tuple[float, list[str]]:
    """The sum of the terms printed as numbers (NaN when none is), and their labels."""
    values = [(t, _term_value(side, t, figures, area, skipped_parts)) for t in terms]
    given = [(t, v) for t, v in values if not math.isnan(v)]
    return (float(sum(v for _t, v in given)) if given else math.nan), [t.label for t, _v in given]


def report_side(measure: Measure, figures: dict, area: str, skipped_parts: dict[int, str]) -> Side:
    """The report's value for one measure and policy area: the sum of the terms it printed as numbers, or their
    share; each term left out (empty template, words, a gap, another surface) says so in a note."""
    side = Side()
    if area != ALL and not any(not surface for t in measure.terms
                               for surface, _r in figures.get((area, t.metric, t.breakdown), [])):
        side.notes.append("the report prints no figure for this category")
        return side
    value, given = _sum(side, measure.report, figures, area, skipped_parts)
    if measure.share:
        whole, whole_given = _sum(side, measure.report_whole, figures, area, skipped_parts)
        if len(whole_given) < len(measure.report_whole) or math.isnan(value) or not whole:
            side.notes.append("the report's share cannot be formed: a figure it needs is missing")
            value = math.nan
        else:
            value = value / whole
            side.derived = f"report: share = {' + '.join(given)} / ({' + '.join(whole_given)})"
    elif len(given) > 1:
        side.derived = f"report: sum of {' + '.join(given)}"
    side.notes = list(dict.fromkeys(side.notes))
    side.value = value
    return side


# -- the database's side ----------------------------------------------------------------------------------------

@dataclass
class DatabaseRows:
    """The database's daily totals (per category and ALL) and monthly cuts for the platforms of the reports."""

    daily: pd.DataFrame
    cuts: pd.DataFrame

    def within(self, platform: str, start: pd.Timestamp, end: pd.Timestamp) -> DatabaseRows:
        """One platform's rows inside a period (a monthly cut only when its whole month is inside)."""
        def inside(df: pd.DataFrame) -> pd.DataFrame:
            return df[(df.platform == platform) & (df.period_start >= start) & (df.period_end <= end)]
        return DatabaseRows(inside(self.daily), inside(self.cuts))


def fetch_database_rows(run, platforms: list[str], start, end) -> DatabaseRows:
    """Every daily total and the measures' monthly cuts of these platforms between start and end."""
    cuts = sorted({b for m in measures() for b in m.database if b})
    wholes = sorted({m.whole for m in measures() if m.whole})
    marks = ", ".join("?" * len(platforms)) or "NULL"
    base = (f"SELECT platform, policy_area, breakdown, period_start, period_end, period, value, document_sha256, "
            f"source_url FROM latest WHERE source = ? AND metric = ? AND region = 'EU' AND platform IN ({marks}) "
            "AND period_start >= ? AND period_end <= ?")
    params = [DATABASE_SOURCE, DATABASE_METRIC, *platforms, start, end]
    daily = run(base + " AND breakdown = ''", params)
    wanted = [f"breakdown IN ({', '.join('?' * len(cuts))})"] if cuts else []
    wanted += ["starts_with(breakdown, ?)"] * len(wholes)
    monthly = run(base + f" AND policy_area = 'ALL' AND ({' OR '.join(wanted)})", params + cuts + [f"{w}=" for w in wholes]) \
        if wanted else daily.iloc[0:0].copy()
    for frame in (daily, monthly):
        for column in ("period_start", "period_end"):
            frame[column] = pd.to_datetime(frame[column])
    return DatabaseRows(daily, monthly)


@cache
def database_categories() -> frozenset[str]:
    """The policy areas a statement of reasons can carry (the EU's statement categories)."""
    return frozenset(code for code, row in vocab.policy_areas().items() if row.get("dsa_schema"))


def _months(rows: pd.DataFrame) -> str:
    months = sorted(rows["period"].unique())
    return f"{len(months)} monthly sums of daily counts ({months[0]} to {months[-1]})" if months else ""


def _cut_value(measure: Measure, side: Side, cuts: pd.DataFrame) -> float:
    """The database's monthly cuts summed (or their share of every value of `whole`)."""
    mine = cuts[cuts.breakdown.isin(measure.database)]
    side.cite(mine.document_sha256, mine.source_url, [])
    value = float(mine["value"].sum())
    if not measure.share:
        if len(mine) > 1:
            side.derived = f"database: sum of {_months(mine)} of {' + '.join(measure.database)}"
        return value
    whole = cuts[cuts.breakdown.str.startswith(f"{measure.whole}=")]
    side.cite(whole.document_sha256, whole.source_url, [])
    if not whole["value"].sum():
        side.notes.append(f"the database's statements of reasons of the period carry no {measure.whole}")
        return math.nan
    side.derived = (f"database: share = {' + '.join(measure.database)} / every {measure.whole} value, from "
                    f"{_months(whole)}")
    return value / float(whole["value"].sum())


def _daily_value(area: str, side: Side, rows: DatabaseRows, platform: str, start, end) -> float:
    """The database's daily counts of one category (or its daily totals, for ALL) summed."""
    mine = rows.daily[rows.daily.policy_area == area]
    if len(mine) > 1:
        side.derived = f"database: sum of {len(mine)} daily counts"
    what = "rows" if area == ALL else f"category={area}"
    side.locators.append(f"{start:%Y-%m-%d} to {end:%Y-%m-%d} {platform} {what} (daily counts)")
    return float(mine["value"].sum())


def database_side(measure: Measure, rows: DatabaseRows, platform: str, area: str, start, end) -> tuple[Side, pd.Series]:
    """The database's value for one measure, platform, policy area and period (`rows` already narrowed to them by
    `DatabaseRows.within`), and the days its daily totals cover (a day without a total is a day the statistics do
    not cover)."""
    side = Side()
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = rows.daily[rows.daily.policy_area == ALL]
    if days.empty:
        side.notes.append(f"the database holds no statement of reasons of {platform_name(platform)} from "
                          f"{start:%Y-%m-%d} to {end:%Y-%m-%d}")
        return side, days["period_start"]
    side.cite(days.document_sha256, days.source_url, [])
    if measure.daily and area != ALL and area not in database_categories():
        side.notes.append("not a statement category of the DSA Transparency Database")
        return side, days["period_start"]
    if measure.daily:
        side.value = _daily_value(area, side, rows, platform, start, end)
    else:
        side.value = _cut_value(measure, side, rows.cuts)
        what = " + ".join(measure.database) + (f" of every {measure.whole}" if measure.whole else "")
        side.locators.append(f"{start:%Y-%m} to {end:%Y-%m} {platform} {what} (sums of daily counts)")
        if start.day != 1 or end != end + pd.offsets.MonthEnd(0):
            side.notes.append("the database's cuts are monthly sums: only whole months inside the period are counted")
    if side.value == 0:
        side.notes.append(f"{platform_name(platform)} {measure.none}")
    return side, days["period_start"]
