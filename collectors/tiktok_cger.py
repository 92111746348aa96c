"""TikTok's Community Guidelines Enforcement Report data: XLSX editions (2021-2022) and long CSV editions (2022Q4 on).

Every edition restates the history from Jul-Sep 2020, so each file is its own document. Both formats are first
turned into the same long table (the columns of the CSV editions), and every label in it is then mapped through
the data files in reports/mappings/tiktok-cger/, vectorised over the unique labels because the 2024Q2 CSV is big.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd

from reports import vocab
from reports.collector import Collector, ParseResult, Skipped, edition_meta
from reports.documents import Document
from reports.errors import ParseError
from reports.numbers import is_missing, parse_number
from reports.periods import Period, parse_period, quarter
from reports.schema import coerce, format_breakdown, repr_value
from reports.vocab import mapping

SOURCE = "tiktok-cger"
# The long table both formats become; `result` is the printed value, `place` where it was printed.
LONG = ["metric", "period", "policy_type", "issue", "task_type", "task", "location", "market", "result"]
PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


def _map(kind: str):
    return mapping(SOURCE, kind)


class TikTokCGER(Collector):
    id = SOURCE
    version = "1"
    patterns = ("*.csv", "*.xlsx")

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read one edition into the long table, skip placeholder rows, map every label, and keep every value."""
        (doc,) = documents
        long = read_xlsx(doc) if doc.path.suffix.lower() == ".xlsx" else read_csv(doc)
        long, skipped = drop_placeholders(long, doc)
        if long.empty:
            raise ParseError("no rows", file=doc.path)
        observations = observations_from(long, doc)
        last = observations["period_end"].max().date()
        label = f"{last.year}-Q{(last.month - 1) // 3 + 1}"
        meta = edition_meta(label, last, text=f"TikTok Community Guidelines Enforcement Report, {label} edition")
        return ParseResult(observations, skipped=skipped, document_meta={doc.sha256: meta})


def read_csv(doc: Document) -> pd.DataFrame:
    """The CSV edition as the long table, its headers renamed through columns.csv."""
    try:
        df = pd.read_csv(io.BytesIO(doc.read_bytes()), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"not a readable CSV: {exc}", file=doc.path) from None
    columns = _map("columns")
    renamed = {h: columns.lookup(h, file=doc.path, place=f"line 1, header {h!r}")["column"] for h in df.columns}
    df = df.rename(columns=renamed)
    missing = [c for c in LONG if c not in df.columns]
    if missing:
        raise ParseError(f"no column for {', '.join(missing)} (headers {list(renamed)})", file=doc.path, place="line 1")
    df = df[LONG].apply(lambda s: s.str.strip())
    df["place"] = "line " + (df.index + 2).astype(str)
    return df


def read_xlsx(doc: Document) -> pd.DataFrame:
    """The workbook edition as the long table: each sheet read by the layout xlsx_sheets.csv gives it."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(doc.read_bytes()), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise ParseError(f"not a readable XLSX workbook: {exc}", file=doc.path) from None
    sheets = _map("xlsx_sheets")
    grids = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    book.close()
    latest = latest_quarter(grids, doc)
    rows: list[dict] = []
    for title, grid in grids.items():
        spec = sheets.lookup(title, file=doc.path, place=f"sheet {title!r}")
        rows += sheet_rows(title, grid, spec, latest, doc)
    return pd.DataFrame(rows, columns=LONG + ["place"])


def latest_quarter(grids: dict[str, list[list]], doc: Document) -> Period:
    """The workbook's latest quarter: the last date in its dated sheets (the period of its undated sheets)."""
    dates = [row[0] for grid in grids.values() for row in grid[1:] if row and isinstance(row[0], datetime | date)]
    if not dates:
        raise ParseError("no dated rows in any sheet", file=doc.path)
    last = max(dates)
    return quarter(last.year, (last.month - 1) // 3 + 1)


def _cell(column: int, row: int) -> str:
    return f"{openpyxl.utils.get_column_letter(column + 1)}{row + 1}"


def _quarter_ending(value, *, doc: Document, place: str) -> Period:
    if not isinstance(value, datetime | date):
        raise ParseError(f"expected the last day of a quarter, found {value!r}", file=doc.path, place=place)
    period = quarter(value.year, (value.month - 1) // 3 + 1)
    if period.end != (value.date() if isinstance(value, datetime) else value):
        raise ParseError(f"{value:%Y-%m-%d} is not the last day of a quarter", file=doc.path, place=place)
    return period


def sheet_rows(title: str, grid: list[list], spec: dict, latest: Period, doc: Document) -> list[dict]:
    """One sheet's printed values as long-table rows, each locating its cell."""
    series = _map("xlsx_series")
    layout = spec["layout"]
    keys = 2 if layout == "by_subpolicy" else 1
    header = grid[0] if grid else []
    fixed = {"metric": spec["tiktok_metric"], "policy_type": spec["policy_type"] or "All", "issue": "All",
             "task_type": spec["task_type"] or "All", "task": spec["task"] or "All", "location": "All", "market": "All"}
    sheet_period = None
    if layout == "by_policy":
        found = re.search(r"[A-Za-z]{3}\s*-\s*[A-Za-z]{3}\s+\d{4}", str(header[0] or ""))
        if not found:
            raise ParseError(f"no period in header {header[0]!r}", file=doc.path, place=f"sheet {title!r} cell A1")
        sheet_period = parse_period(found[0], file=str(doc.path), place=f"sheet {title!r} cell A1")
    out = []
    for r, row in enumerate(grid[1:], start=1):
        if not row or all(v is None for v in row):
            continue
        for c in range(keys, len(header)):
            name = header[c]
            value = row[c] if c < len(row) else None
            if name is None or value is None:
                continue
            place = f"sheet {title!r} cell {_cell(c, r)}"
            rec = dict(fixed)
            if layout == "by_date_policy":
                rec["issue"] = str(name)
            else:
                s = series.lookup(str(name), file=doc.path, place=f"sheet {title!r} cell {_cell(c, 0)}")
                rec.update({k: s[k] or rec[k] for k in ("policy_type", "issue", "task_type", "task")})
                rec["metric"] = s["tiktok_metric"]
            if layout in ("by_date", "by_date_policy"):
                period = _quarter_ending(row[0], doc=doc, place=f"sheet {title!r} cell {_cell(0, r)}")
            elif layout == "by_policy":
                period, rec["issue"] = sheet_period, str(row[0]).strip()
            elif layout == "by_market":
                period, rec["location"], rec["market"] = latest, "Market", str(row[0]).strip()
            elif layout == "by_subpolicy":
                period, rec["issue"] = latest, str(row[1]).strip()
            else:
                raise ParseError(f"unknown layout {layout!r} in xlsx_sheets.csv", file=doc.path, place=f"sheet {title!r}")
            rec.update(period=period, result=value if isinstance(value, str) else repr_value(value), place=place)
            out.append(rec)
    return out


def drop_placeholders(long: pd.DataFrame, doc: Document) -> tuple[pd.DataFrame, list[Skipped]]:
    """Rows holding an unfilled template placeholder such as {{comment_cg_policy_grouping}} are not imported."""
    text = long[LONG].astype(str)
    hit = np.zeros(len(long), dtype=bool)
    for column in LONG:
        hit |= text[column].str.contains("{{", regex=False).to_numpy()
    skipped = []
    for _, row in long[hit].iterrows():
        found = sorted({p for column in LONG for p in PLACEHOLDER.findall(str(row[column]))})
        skipped.append(Skipped(doc.sha256, f"{row['place']} ({row['metric']}, {row['period']})",
                               f"unfilled template placeholder {', '.join(found)}"))
    return long[~hit].reset_index(drop=True), skipped


def _lookup_unique(long: pd.DataFrame, column: str, kind: str, doc: Document) -> dict:
    """Map each distinct label of a column through a mapping file, naming the first place it appears when unmapped."""
    table = _map(kind)
    return {label: table.lookup(label, file=doc.path, place=f"{place}, {column} {label!r}")
            for label, place in zip(*_first_places(long, column), strict=True)}


def observations_from(long: pd.DataFrame, doc: Document) -> pd.DataFrame:
    """Map the long table's labels to our vocabulary and build the common-schema frame, column by column."""
    metrics = _lookup_unique(long, "metric", "metrics", doc)
    policy_types = _lookup_unique(long, "policy_type", "policy_types", doc)
    issues = _lookup_unique(long, "issue", "policy_areas", doc)
    task_types = _lookup_unique(long, "task_type", "task_types", doc)
    tasks = _lookup_unique(long, "task", "tasks", doc)
    locations = _lookup_unique(long, "location", "location_types", doc)
    regions = region_parts(long, locations, doc)
    periods = {p: (p if isinstance(p, Period) else parse_period(p, file=str(doc.path), place=place))
               for p, place in zip(*_first_places(long, "period"), strict=True)}

    metric_row = long["metric"].map(metrics)
    task_type_row = long["task_type"].map(task_types)
    metric = [t["metric"] or m["metric"] for m, t in zip(metric_row, task_type_row, strict=True)]
    units = {m: vocab.metrics()[m]["unit"] for m in set(metric)}
    unit = [units[m] for m in metric]
    period = long["period"].map(periods)
    task_part = [f"{t['key']}={tasks[task]['value']}" if t["key"] else ""
                 for t, task in zip(task_type_row, long["task"], strict=True)]
    region_row = [regions[(loc, mkt)] for loc, mkt in zip(long["location"], long["market"], strict=True)]
    breakdown = [";".join(p for p in parts if p) for parts in zip(
        (m["breakdown"] for m in metric_row), long["policy_type"].map(lambda p: policy_types[p]["breakdown"]),
        task_part, (r[1] for r in region_row), strict=True)]
    issue_row = long["issue"].map(issues)
    values = figure_values(long, doc)
    is_ratio = np.array([u == "ratio" for u in unit])
    values = np.where(is_ratio, np.round(values, 10), values)
    df = pd.DataFrame({
        "platform": "tiktok", "source": "",
        "period_start": [p.start for p in period], "period_end": [p.end for p in period],
        "period": [p.label for p in period], "region": [r[0] for r in region_row],
        "policy_area": [i["policy_area"] for i in issue_row],
        "policy_label": policy_labels(long["issue"], issue_row, period),
        "metric": metric, "metric_label": [m["metric_label"] for m in metric_row], "value": values, "unit": unit,
        "source_url": "", "document_sha256": doc.sha256,
        "locator": locator(long), "breakdown": breakdown, "value_text": long["result"].astype(str), "qualifier": "",
    })
    return coerce(df)


def policy_labels(printed: pd.Series, issue_row: pd.Series, period: pd.Series) -> list[str]:
    """Each row's canonical policy label (policy_areas.csv), so a series reworded between editions stays one figure."""
    out = []
    for label, issue, p in zip(printed, issue_row, period, strict=True):
        # a label both taxonomies use (Gambling) names the new taxonomy's policy only from the date it took effect
        applies = not issue["canonical_from"] or p.start >= date.fromisoformat(issue["canonical_from"])
        canonical = issue["canonical_label"] if applies else ""
        out.append(canonical or (label if issue["policy_area"] != "ALL" else ""))
    return out


def _first_places(long: pd.DataFrame, column: str) -> tuple[list, list]:
    first = long.drop_duplicates(column)
    return list(first[column]), list(first["place"])


def region_parts(long: pd.DataFrame, locations: dict, doc: Document) -> dict[tuple[str, str], tuple[str, str]]:
    """(Location, Market) -> (region, breakdown part): a country becomes the region, a language its code."""
    markets, languages = _map("markets"), _map("languages")
    out = {}
    pairs = long.drop_duplicates(["location", "market"])
    for loc, mkt, place in zip(pairs["location"], pairs["market"], pairs["place"], strict=True):
        kind = locations[loc]["kind"]
        where = f"{place}, Market {mkt!r}"
        if kind == "all":
            out[(loc, mkt)] = ("GLOBAL", "")
        elif kind == "market":
            code = markets.lookup(mkt, file=doc.path, place=where)["region"]
            out[(loc, mkt)] = (code, "") if code else ("GLOBAL", format_breakdown({"market": mkt}))
        elif kind == "language":
            code = languages.lookup(mkt, file=doc.path, place=where)["language"]
            out[(loc, mkt)] = ((code, "region_kind=language") if code
                               else ("GLOBAL", format_breakdown({"language": mkt.lower()})))
        else:
            raise ParseError(f"location kind {kind!r} unknown (location_types.csv)", file=doc.path, place=place)
    return out


def figure_values(long: pd.DataFrame, doc: Document) -> np.ndarray:
    """The printed results as floats (NaN where nothing was printed); thousands separators are read too."""
    text = long["result"].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", copy=True)
    for i in np.flatnonzero(np.isnan(values)):
        if not is_missing(text.iat[i]):
            values[i] = parse_number(text.iat[i], file=str(doc.path), place=long["place"].iat[i])
    return values


def locator(long: pd.DataFrame) -> pd.Series:
    """Where each figure was printed, with the labels that name it (so a reader can find the row)."""
    return (long["place"] + " (" + long["metric"] + "; " + long["period"].map(_period_text) + "; "
            + long["policy_type"] + ": " + long["issue"] + "; " + long["task_type"] + ": " + long["task"] + "; "
            + long["location"] + ": " + long["market"] + ")")


def _period_text(period) -> str:
    return period.label if isinstance(period, Period) else str(period)
