"""Where each of Meta's columns is: by its header name (mappings/columns.csv, compared without case, spaces or
punctuation), else, for a renamed header, by what the column holds (periods, figures, or labels of the kind's
mapping). A header read from its content is flagged with the row that would name it; none is guessed from a
column that does not fit."""
from __future__ import annotations

import re

from reports.model import vocab
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import is_figure, is_missing
from reports.model.periods import is_period

SOURCE = "meta-cser"
HEADER = ["app", "policy_area", "metric", "period", "value"]  # the columns a row needs, in Meta's order
LABEL_KINDS = {"app": "platforms", "policy_area": "policy_areas", "metric": "metrics"}  # mapping of each label column
SAMPLE_ROWS = 500  # rows whose cells say what a renamed column holds
FIT = 0.5  # share of a column's cells that must fit a kind for it to be read as one


def header_key(name: str) -> str:
    """A header name as compared: case, spaces, underscores and punctuation left out ('Policy Area' = 'policy_area')."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def header_columns(header: list[str] | None, records: list[tuple[int, list[str]]], doc: Document,
                   label_mapping) -> tuple[dict[str, int], list[str]]:
    """Where each needed column is (by name, else by content); a column found by neither is an error naming it,
    one read by neither name nor content is noted."""
    if not header or not any(h.strip() for h in header):
        raise ParseError(f"no header line: expected header {','.join(HEADER)}", file=doc.path, place="line 1")
    named = {header_key(row["label"]): row["column"] for row in label_mapping("columns").rows.values()}
    found: dict[str, int] = {}
    free = []
    for index, name in enumerate(header):
        column = named.get(header_key(name))
        if column in HEADER and column not in found:
            found[column] = index
        elif name.strip():
            free.append(index)
    for column, index in by_content([h for h in HEADER if h not in found], free, records, label_mapping):
        found[column] = index
        free.remove(index)
        vocab.record_unmapped(SOURCE, "columns", header[index].strip(), file=doc.path,
                              place=f"line 1, header {header[index].strip()!r} (read as the {column} column from "
                                    "its content)", mapping_file=label_mapping("columns").relative_path,
                              suggestion=vocab.csv_line([header[index].strip(), column, ""]))
    missing = [h for h in HEADER if h not in found]
    if missing:
        raise ParseError(f"missing column(s) {', '.join(missing)}: expected header {','.join(HEADER)} (in any order), "
                         f"found {header}, and no other column holds what it would", file=doc.path, place="line 1")
    extra = [header[i].strip() for i in free]
    notes = [f"{doc.name}: column(s) {', '.join(repr(e) for e in extra)} not read (not one of {', '.join(HEADER)})"
             ] if extra else []
    return found, notes


def by_content(missing: list[str], free: list[int], records: list[tuple[int, list[str]]],
               label_mapping) -> list[tuple[str, int]]:
    """The free columns that hold what a missing column would, the best fits first, each read as one at most."""
    sample = [cells for _, cells in records[1:SAMPLE_ROWS + 1]]
    scores = sorted(((fit(column, [row[i].strip() for row in sample if i < len(row)], label_mapping), -i, column, i)
                     for column in missing for i in free), reverse=True)
    taken: list[tuple[str, int]] = []
    for score, _, column, index in scores:
        if score >= FIT and all(column != c and index != i for c, i in taken):
            taken.append((column, index))
    return taken


def fit(column: str, cells: list[str], label_mapping) -> float:
    """The share of a column's printed cells that fit one of Meta's columns: figures for the value, periods for the
    period, labels its mapping covers for the others (a column mostly of figures is no label column)."""
    printed = [c for c in cells if not is_missing(c)]
    if not printed:
        return 0.0
    figures = sum(is_figure(c) for c in printed) / len(printed)
    if column == "value":
        return figures
    if figures >= FIT:
        return 0.0
    distinct = list(dict.fromkeys(printed))[:200]
    if column == "period":
        return sum(is_period(c) for c in distinct) / len(distinct)
    mapping = label_mapping(LABEL_KINDS[column])
    return sum(c in mapping for c in distinct) / len(distinct)

