"""Meta's Community Standards Enforcement Report: the full-history CSV, one file per quarterly edition."""
from __future__ import annotations

import csv
import io

from reports.collector import Collector, ParseResult, edition_meta
from reports.documents import Document
from reports.errors import ParseError
from reports.numbers import parse_figure
from reports.periods import parse_period
from reports.schema import frame, observation
from reports.textio import decode_text
from reports.vocab import mapping

HEADER = ["app", "policy_area", "metric", "period", "value"]


class MetaCSER(Collector):
    id = "meta-cser"
    patterns = ("*.csv",)

    def sniff(self, path) -> bool:
        if path.suffix.lower() != ".csv":
            return False
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            return handle.readline().strip().lower().replace(" ", "") == ",".join(HEADER)

    def parse(self, documents: list[Document]) -> ParseResult:
        """Load the CSV, map each row's app, policy area and metric, and keep every printed value."""
        (doc,) = documents
        text = decode_text(doc.read_bytes(), file=doc.path)
        reader = csv.DictReader(io.StringIO(text))
        if [h.strip().lower() for h in reader.fieldnames or []] != HEADER:
            raise ParseError(f"expected header {','.join(HEADER)}, found {reader.fieldnames}", file=doc.path,
                             place="line 1")
        apps, areas, metrics = (mapping(self.id, k) for k in ("platforms", "policy_areas", "metrics"))
        # Where a metric's meaning depends on the policy (fake accounts are accounts), the pair decides.
        by_policy = mapping(self.id, "policy_metrics")
        rows, last = [], None
        for line, rec in enumerate(reader, start=2):
            place = f"line {line}"
            rec = {k.strip().lower(): (v or "").strip() for k, v in rec.items()}
            period = parse_period(rec["period"], file=str(doc.path), place=place)
            last = max(last, period.end) if last else period.end
            pair = f"{rec['policy_area']} | {rec['metric']}"
            metric = by_policy.lookup(pair) if pair in by_policy else metrics.lookup(rec["metric"], file=doc.path,
                                                                                     place=place)
            common = dict(
                platform=apps.lookup(rec["app"], file=doc.path, place=place)["platform"], period=period,
                policy_area=areas.lookup(rec["policy_area"], file=doc.path, place=place)["policy_area"],
                policy_label=rec["policy_area"], metric_label=rec["metric"], breakdown=metric["breakdown"],
                locator=f"{place} (app={rec['app']}, policy_area={rec['policy_area']}, metric={rec['metric']}, "
                        f"period={rec['period']})")
            figures = parse_figure(rec["value"], file=str(doc.path), place=place)
            if not figures:  # N/A or empty: a published gap, kept as such
                rows.append(observation(**common, metric=metric["metric"], value=None, value_text=rec["value"]))
                continue
            for fig in figures:
                name = metric["metric"]
                if fig.qualifier == "range_lower":
                    name = "prevalence_lower" if name == "prevalence" else name
                elif fig.qualifier == "range_upper":
                    name = "prevalence_upper" if name == "prevalence" else name
                rows.append(observation(**common, metric=name, value=fig.value, unit=fig.unit,
                                        value_text=rec["value"], qualifier=fig.qualifier))
        if last is None:
            raise ParseError("no rows", file=doc.path)
        label = f"{last.year}-Q{(last.month - 1) // 3 + 1}"
        return ParseResult(frame(rows), document_meta={doc.sha256: edition_meta(label, last)})
