"""A source whose file is one long CSV table, `period,platform,policy,measure,value`: the smallest complete collector.

Copy the folder and adapt `parse` to your publisher's format; keep it pure (bytes in, observations out), read
structure rather than lists of labels, and let the mappings (mappings/*.csv) take the publisher's words to our
vocabulary: a label no row covers is kept verbatim and flagged by `lookup`, never fatal.
"""
from __future__ import annotations

from pathlib import Path

from reports.ingest.collector import Collector, ParseResult, edition_meta
from reports.ingest.textio import csv_records, decode_text
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import parse_figure
from reports.model.periods import parse_period, period_from_name
from reports.model.schema import frame, observation
from reports.model.vocab import mappings_in, slugify

SOURCE = "template"  # the source id: also the name of the folder its files sit in under a sources folder
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in(SOURCE, FOLDER / "mappings")
NEEDED = ("period", "platform", "policy", "measure", "value")


class TemplateCollector(Collector):
    id = SOURCE
    patterns = ("*.csv",)

    def parse(self, documents: list[Document]) -> ParseResult:
        """Each row one figure: its period, platform, policy and measure mapped, its value kept as printed."""
        (doc,) = documents
        records = csv_records(decode_text(doc.read_bytes(), file=doc.path), file=doc.path)
        header = [h.strip().lower() for h in (records[0][1] if records else [])]
        missing = [c for c in NEEDED if c not in header]
        if missing:
            raise ParseError(f"no column {', '.join(missing)} (found {header})", file=doc.path, place="line 1")
        at = {name: header.index(name) for name in NEEDED}
        policies, measures = label_mapping("policy_areas"), label_mapping("metrics")
        rows = []
        for line, cells in records[1:]:
            rec = {name: cells[i].strip() if i < len(cells) else "" for name, i in at.items()}
            place = f"line {line}"
            policy = policies.lookup(rec["policy"], file=doc.path, place=place)
            measure = measures.lookup(rec["measure"], file=doc.path, place=place)
            for figure in parse_figure(rec["value"], file=str(doc.path), place=place, lenient=True) or [None]:
                rows.append(observation(
                    platform=slugify(rec["platform"]), period=parse_period(rec["period"], file=str(doc.path), place=place),
                    policy_area=policy["policy_area"], policy_label=rec["policy"], metric=measure["metric"],
                    metric_label=rec["measure"], value=figure.value if figure else None, value_text=rec["value"],
                    unit=figure.unit if figure else None, qualifier=figure.qualifier if figure else "",
                    locator=f"{place} ({rec['platform']}, {rec['policy']}, {rec['measure']}, {rec['period']})"))
        if not rows:
            raise ParseError("no figures", file=doc.path)
        edition = period_from_name(doc.name) or max((parse_period(r["period"]) for r in rows), key=lambda p: p.end)
        return ParseResult(frame(rows), document_meta={doc.sha256: edition_meta(edition.label, edition.end)})
