"""The source's mappings as the parts use them: a template indicator's metric, unit and breakdown
(`indicators.csv`), a statement category's policy area, and the scope and language tables. Whatever no mapping
covers is recorded as unmapped and kept, never dropped."""
from __future__ import annotations

import csv
import functools
import re

from collectors.dsa_report.tables import SOURCE, label_mapping, norm
from reports.model import vocab

CATEGORY_CODE = re.compile(r"^STATEMENT_CATEGORY_[A-Z0-9_]+$")


@functools.cache
def indicator_rows() -> dict[tuple[int, str, str], dict[str, str]]:
    """`indicators.csv` keyed by (part, indicator, scope), all normalised; scope '' covers any geographic scope."""
    table = label_mapping("indicators")  # validates the metric ids against the vocabulary
    with table.path.open(newline="", encoding="utf-8") as handle:
        return {(int(r["part"]), norm(r["indicator"]), norm(r["scope"])): {k: (v or "").strip() for k, v in r.items()}
                for r in csv.DictReader(handle)}


def indicator(part: int, label: str, scope: str, *, file, place) -> dict[str, str]:
    """The metric, unit and breakdown of a template indicator. One no row covers is recorded and kept as the metric
    `unmapped` (its words as the metric label, its unit as printed: `unit` '')."""
    rows = indicator_rows()
    row = rows.get((part, norm(label), norm(scope))) or rows.get((part, norm(label), ""))
    if row is not None:
        return row
    mapping = label_mapping("indicators")
    text = " ".join(label.split())
    shown = f"{text}: {' '.join(scope.split())}" if part == 7 and scope else text
    vocab.record_unmapped(SOURCE, "indicators", shown, file=file, place=place, mapping_file=mapping.relative_path,
                          suggestion=vocab.csv_line([text, str(part), scope if part == 7 else "", "<metric>", "<unit>",
                                                     "", ""]))
    return {"indicator": text, "part": str(part), "scope": scope, "metric": vocab.UNMAPPED_METRIC, "unit": "",
            "breakdown": "", "unmapped": "yes"}


def scopes() -> vocab.Mapping:
    return label_mapping("scopes")


def languages() -> vocab.Mapping:
    return label_mapping("languages")


def category_area(code: str, *, file, place) -> str:
    """The policy area of a STATEMENT_CATEGORY_ code; one our vocabulary lacks is recorded and UNMAPPED."""
    if code in vocab.policy_areas():
        return code
    record_unknown_area(code, file=file, place=place)
    return vocab.UNMAPPED_AREA


def record_unknown_area(code: str, *, file, place) -> None:
    """Record a category label our policy areas lack (a template code we do not know, or a filer's own words)."""
    vocab.record_unmapped(SOURCE, "policy_areas", code, file=file, place=place,
                          mapping_file="reports/model/vocabularies/policy_areas.csv",
                          suggestion=vocab.csv_line([code, "<label>", "<description>", ""]))
