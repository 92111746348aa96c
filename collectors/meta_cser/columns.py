"""Where each of Meta's columns is: by its header name (mappings/columns.csv, compared without case, spaces or
punctuation), else, for a renamed header, by what the column holds (periods, figures, or labels of the kind's
mapping). A header read from its content is flagged with the row that would name it; none is guessed from a
column that does not fit."""
from __future__ import annotations

from reports.ingest.columns import FIT, figures_share, flag_recognised, header_key, periods_share, recognised, share
from reports.model.documents import Document
from reports.model.errors import ParseError

SOURCE = "meta-cser"
HEADER = ["app", "policy_area", "metric", "period", "value"]  # the columns a row needs, in Meta's order
LABEL_KINDS = {"app": "platforms", "policy_area": "policy_areas", "metric": "metrics"}  # mapping of each label column
SAMPLE_ROWS = 500  # rows whose cells say what a renamed column holds


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
    sample = [cells for _, cells in records[1:SAMPLE_ROWS + 1]]
    free_cells = {i: [row[i] for row in sample if i < len(row)] for i in free}
    for column, index in recognised([h for h in HEADER if h not in found], free_cells,
                                    lambda column, cells: fit(column, cells, label_mapping)):
        found[column] = index
        free.remove(index)
        flag_recognised(SOURCE, header[index].strip(), column, file=doc.path,
                               columns_mapping=label_mapping("columns"))
    missing = [h for h in HEADER if h not in found]
    if missing:
        raise ParseError(f"missing column(s) {', '.join(missing)}: expected header {','.join(HEADER)} (in any order), "
                         f"found {header}, and no other column holds what it would", file=doc.path, place="line 1")
    extra = [header[i].strip() for i in free]
    notes = [f"{doc.name}: column(s) {', '.join(repr(e) for e in extra)} not read (not one of {', '.join(HEADER)})"
             ] if extra else []
    return found, notes


def fit(column: str, cells: list[str], label_mapping) -> float:
    """The share of a column's distinct printed cells that fit one of Meta's columns: figures for the value,
    periods for the period, labels its mapping covers for the others (a column mostly of figures is no label
    column)."""
    if column == "value":
        return figures_share(cells)
    if figures_share(cells) >= FIT:
        return 0.0
    if column == "period":
        return periods_share(cells)
    mapping = label_mapping(LABEL_KINDS[column])
    return share(cells, lambda cell: cell in mapping)
