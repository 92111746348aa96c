"""Meta's Community Standards Enforcement Report: the full-history CSV, one file per quarterly edition.

The file is read by its header names (any order, any case, extra columns noted and left out), and a renamed
header by what its column holds (columns.py), so a new edition that moves, adds or renames a column still reads.
Every label goes through a mapping file; one no row covers is kept with Meta's words and flagged (policy area
UNMAPPED, metric unmapped, the app's slug as platform), never guessed. Where Meta rewords a policy for its whole
history (2026Q2: 'Hate Speech' became 'Hateful Conduct'), the mapping's `canonical_label` keeps the earlier
wording as the policy label so that both editions are one series; the printed wording stays in the locator.
"""
from __future__ import annotations

import csv
from pathlib import Path

from collectors.meta_cser.columns import HEADER, header_columns
from reports.ingest.collector import Collector, ParseResult, Skipped, edition_meta
from reports.ingest.columns import header_key
from reports.ingest.textio import csv_records, decode_text
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import TEXT, parse_figure
from reports.model.periods import parse_period
from reports.model.schema import frame, observation
from reports.model.vocab import UNMAPPED_METRIC, mappings_in

# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in("meta-cser", FOLDER / "mappings")


class MetaCSER(Collector):
    id = "meta-cser"
    version = "3"  # 3: a renamed header read from its column's content, and flagged
    patterns = ("*.csv",)

    def sniff(self, path) -> bool:
        if path.suffix.lower() != ".csv":
            return False
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            first = next(csv.reader([handle.readline()]), [])
        named = {header_key(row["label"]): row["column"] for row in label_mapping("columns").rows.values()}
        return set(HEADER) <= {named.get(header_key(h)) for h in first}

    def parse(self, documents: list[Document]) -> ParseResult:
        """Load the CSV, map each row's app, policy area and metric, and keep every printed value."""
        (doc,) = documents
        records = csv_records(decode_text(doc.read_bytes(), file=doc.path), file=doc.path)
        header = records[0][1] if records else None
        columns, notes = header_columns(header, records, doc, label_mapping)
        apps, areas, metrics = (label_mapping(k) for k in ("platforms", "policy_areas", "metrics"))
        # Where a metric's meaning depends on the policy (fake accounts are accounts), the pair decides.
        by_policy = label_mapping("policy_metrics")
        rows, skipped, last = [], [], None
        for line, cells in records[1:]:
            if not any(c.strip() for c in cells):
                continue
            place = f"line {line}"
            rec = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
            try:
                period = parse_period(rec["period"], file=str(doc.path), place=place)
            except ParseError as exc:
                skipped.append(Skipped(doc.sha256, place, f"period {rec['period']!r} cannot be read ({exc.message})"))
                continue
            last = max(last, period.end) if last else period.end
            area = areas.lookup(rec["policy_area"], file=doc.path, place=place)
            policy_label = area.get("canonical_label") or rec["policy_area"]
            metric = metric_row(rec, policy_label, by_policy, metrics, doc, place)
            common = dict(
                platform=apps.lookup(rec["app"], file=doc.path, place=place)["platform"], period=period,
                policy_area=area["policy_area"], policy_label=policy_label, metric_label=rec["metric"],
                locator=f"{place} (app={rec['app']}, policy_area={rec['policy_area']}, metric={rec['metric']}, "
                        f"period={rec['period']})")
            rows += figure_rows(rec["value"], metric, common, doc, place)
        if last is None:
            raise ParseError("no rows with a readable period", file=doc.path)
        label = f"{last.year}-Q{(last.month - 1) // 3 + 1}"
        return ParseResult(frame(rows), skipped=skipped, notes=notes,
                           document_meta={doc.sha256: edition_meta(label, last)})


def metric_row(rec: dict[str, str], policy_label: str, by_policy, metrics, doc: Document, place: str) -> dict:
    """The metric of a row: a policy-and-metric pair where one is mapped (by the policy's printed or canonical
    wording), else the metric alone; an unmapped metric keeps Meta's words."""
    for policy in dict.fromkeys((rec["policy_area"], policy_label)):
        pair = f"{policy} | {rec['metric']}"
        if pair in by_policy:
            return by_policy.lookup(pair)
    return metrics.lookup(rec["metric"], file=doc.path, place=place)


def figure_rows(printed: str, metric: dict, common: dict, doc: Document, place: str) -> list[dict]:
    """The observations one printed value gives: a figure, a range's two bounds, a gap, or words kept as text."""
    name = metric["metric"] or UNMAPPED_METRIC
    breakdown = metric.get("breakdown", "")
    figures = parse_figure(printed, file=str(doc.path), place=place, lenient=True)
    if not figures:  # N/A or empty: a published gap, kept as such
        return [observation(**common, metric=name, breakdown=breakdown, value=None, value_text=printed)]
    rows = []
    for fig in figures:
        metric_id, parts = name, breakdown
        if fig.qualifier == TEXT:  # words where a number belongs: kept verbatim, value empty
            rows.append(observation(**common, metric=metric_id, breakdown=parts, value=None, value_text=printed,
                                    qualifier=TEXT))
            continue
        if fig.qualifier in ("range_lower", "range_upper"):
            bound = fig.qualifier.removeprefix("range_")
            if metric_id == "prevalence":
                metric_id = f"prevalence_{bound}"
            else:  # a range for any other measure: its two bounds are two figures of that measure
                parts = ";".join(filter(None, [parts, f"bound={bound}"]))
        elif fig.qualifier == "less_than" and metric_id == "prevalence":
            # '<0.05%' states what 'UBP 0.05%' stated in earlier editions: prevalence is at most this value
            metric_id = "prevalence_ceiling"
        rows.append(observation(**common, metric=metric_id, breakdown=parts, value=fig.value, unit=fig.unit,
                                value_text=printed, qualifier=fig.qualifier))
    return rows
