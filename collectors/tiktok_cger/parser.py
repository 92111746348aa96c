"""TikTok's Community Guidelines Enforcement Report data: XLSX editions (2021-2022) and long CSV editions (2022Q4 on).

Every edition restates the history from Jul-Sep 2020, so each file is its own document. Both formats are first
turned into the same long table (the columns of the CSV editions), and every label in it is then mapped through
the data files in collectors/tiktok_cger/mappings/, vectorised over the unique labels because the 2024Q2 CSV is big.

Both formats are read by their structure, the mapping files being hints, so that the next edition reads too:
- a CSV's columns are named through columns.csv; a header no row names is recognised from its content (numbers:
  the result; printed periods: the period; labels of a mapping file: that column) or, failing that, from its place
  between the columns around it; a column the long table does not need is left out (and flagged when it holds figures);
- an XLSX sheet is read from its layout: a header row, then leading columns of labels (quarter-end dates, policies,
  markets with their ISO codes) that name each row, then columns of figures named by their headers
  (xlsx_series.csv, else metrics.csv, else kept verbatim). The period is a row's date, else the one a title states,
  else the workbook's latest quarter. A sheet xlsx_sheets.csv does not list keeps its title in the breakdown.
- a label no mapping covers is kept verbatim and flagged (UNMAPPED / unmapped), its unit read from how the values are
  printed and said in a note; words where a number belongs are kept with the qualifier `text`.

The modules: source.py (what they share: the long table, the Reading), csv_edition.py (a CSV edition into the long
table), workbook.py, sheets.py and cells.py (an XLSX edition, sheet by sheet, cell by cell), labels.py (the labels
mapped: breakdowns, regions, policy labels), figures.py (the values and their units); this module, the collector and
the steps both formats share.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from collectors.tiktok_cger.csv_edition import read_csv
from collectors.tiktok_cger.figures import figure_values, units
from collectors.tiktok_cger.labels import (
    lookup_unique,
    policy_labels,
    policy_type_parts,
    region_parts,
    task_breakdown,
)
from collectors.tiktok_cger.source import LONG, SOURCE, Reading, first_places, period_text
from collectors.tiktok_cger.workbook import read_xlsx
from reports.ingest.collector import Collector, ParseResult, edition_meta
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.periods import Period, parse_period
from reports.model.schema import coerce

PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


class TikTokCGER(Collector):
    id = SOURCE
    version = "2"
    patterns = ("*.csv", "*.xlsx")

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read one edition into the long table, skip placeholder rows, map every label, and keep every value."""
        (doc,) = documents
        reading = Reading(doc)
        long = read_xlsx(reading) if doc.path.suffix.lower() == ".xlsx" else read_csv(reading)
        long = drop_placeholders(long, reading)
        long = resolve_periods(long, reading)
        if long.empty:
            raise ParseError("no figures in any table", file=doc.path)
        observations = observations_from(long, reading)
        last = observations["period_end"].max().date()
        label = f"{last.year}-Q{(last.month - 1) // 3 + 1}"
        meta = edition_meta(label, last, text=f"TikTok Community Guidelines Enforcement Report, {label} edition")
        return ParseResult(observations, skipped=reading.skipped, notes=reading.notes, document_meta={doc.sha256: meta})


# --- Both formats ---------------------------------------------------------------------------------------------

def drop_placeholders(long: pd.DataFrame, reading: Reading) -> pd.DataFrame:
    """Rows holding an unfilled template placeholder such as {{comment_cg_policy_grouping}} are not imported."""
    text = long[LONG].astype(str)
    hit = np.zeros(len(long), dtype=bool)
    for column in LONG:
        hit |= text[column].str.contains("{{", regex=False).to_numpy()
    for _, row in long[hit].iterrows():
        found = sorted({p for column in LONG for p in PLACEHOLDER.findall(str(row[column]))})
        reading.skip(f"{row['place']} ({row['metric']}, {period_text(row['period'])})",
                     f"unfilled template placeholder {', '.join(found)}")
    return long[~hit].reset_index(drop=True)


def resolve_periods(long: pd.DataFrame, reading: Reading) -> pd.DataFrame:
    """Each row's period (column `when`); a row whose printed period cannot be read is skipped and listed."""
    doc = reading.doc
    periods: dict = {}
    for printed, place in zip(*first_places(long, "period"), strict=True):
        if isinstance(printed, Period):
            periods[printed] = printed
            continue
        try:
            periods[printed] = parse_period(printed, file=str(doc.path), place=place)
        except ParseError as exc:
            periods[printed] = None
            reading.note(f"{place}: {exc.message}: its rows are not imported")
    long = long.assign(when=long["period"].map(periods))
    bad = long["when"].isna()
    for place, printed in zip(long.loc[bad, "place"], long.loc[bad, "period"], strict=True):
        reading.skip(place, f"period {printed!r} cannot be read")
    return long[~bad].reset_index(drop=True)


def observations_from(long: pd.DataFrame, reading: Reading) -> pd.DataFrame:
    """Map the long table's labels to our vocabulary and build the common-schema frame, column by column."""
    doc = reading.doc
    metrics = lookup_unique(long, "metric", "metrics", doc)
    policy_types = lookup_unique(long, "policy_type", "policy_types", doc)
    issues = lookup_unique(long, "issue", "policy_areas", doc)
    task_types = lookup_unique(long, "task_type", "task_types", doc)
    tasks = lookup_unique(long, "task", "tasks", doc)
    locations = lookup_unique(long, "location", "location_types", doc)
    regions = region_parts(long, locations, reading)
    periods = long["when"].tolist()

    metric_row = long["metric"].map(metrics)
    task_type_row = long["task_type"].map(task_types)
    metric = np.array([t["metric"] or m["metric"] for m, t in zip(metric_row.tolist(), task_type_row.tolist(), strict=True)],
                      dtype=object)
    metric_label = [m["metric_label"] or printed for m, printed in zip(metric_row.tolist(), long["metric"].tolist(), strict=True)]
    values, qualifier, printed_ratio = figure_values(long, reading)
    unit = units(long, metric, values, printed_ratio, reading)
    task_parts = {(tt, t): task_breakdown(tt, task_types[tt], t, tasks[t])
                  for tt, t in long[["task_type", "task"]].drop_duplicates().itertuples(index=False)}
    task_part = [task_parts[pair] for pair in zip(long["task_type"].tolist(), long["task"].tolist(), strict=True)]
    region_row = [regions[key] for key in zip(long["location"].tolist(), long["market"].tolist(), long["code"].tolist(),
                                              strict=True)]
    breakdown = [";".join(p for p in parts if p) for parts in zip(
        (m["breakdown"] for m in metric_row.tolist()), policy_type_parts(long, policy_types), task_part,
        (r[1] for r in region_row), long["extra"].tolist(), strict=True)]
    issue_row = long["issue"].map(issues)
    is_ratio = unit == "ratio"
    values = np.where(is_ratio, np.round(values, 10), values)
    df = pd.DataFrame({
        "platform": "tiktok", "source": "",
        "period_start": [p.start for p in periods], "period_end": [p.end for p in periods],
        "period": [p.label for p in periods], "region": [r[0] for r in region_row],
        "policy_area": [i["policy_area"] for i in issue_row.tolist()],
        "policy_label": policy_labels(long["issue"], issue_row, periods),
        "metric": metric, "metric_label": metric_label, "value": values, "unit": unit,
        "source_url": "", "document_sha256": doc.sha256,
        "locator": locator(long), "breakdown": breakdown, "value_text": long["result"].astype(str), "qualifier": qualifier,
    })
    return coerce(df)


def locator(long: pd.DataFrame) -> pd.Series:
    """Where each figure was printed, with the labels that name it (so a reader can find the row)."""
    market = long["market"] + np.where(long["code"] != "", " (" + long["code"] + ")", "")
    return (long["place"] + " (" + long["metric"] + "; " + long["period"].map(period_text) + "; "
            + long["policy_type"] + ": " + long["issue"] + "; " + long["task_type"] + ": " + long["task"] + "; "
            + long["location"] + ": " + market + ")")
