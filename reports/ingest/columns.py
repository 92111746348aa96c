"""Columns whose header a publisher renamed, recognised by what they hold: each missing column is read from the
free column its cells fit best (at least FIT of them), each free column read as one at most. A reader says what
fits (periods, figures, labels one of its mappings covers) and flags each header read so; a column nothing fits
is left for the reader to refuse, naming it."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from reports.model import vocab
from reports.model.numbers import is_figure, is_missing
from reports.model.periods import is_period

FIT = 0.5  # share of a column's cells that must fit what a missing column holds
DISTINCT = 200  # distinct cells of a column a fit is judged on


def header_key(name: str) -> str:
    """A header name as compared: case, spaces, underscores and punctuation left out ('Policy Area' = 'policy_area')."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def recognised(missing: Iterable[str], cells: dict[int, list[str]],
               fit: Callable[[str, list[str]], float]) -> list[tuple[str, int]]:
    """(missing column, position of the free column read as it), the best fits first. `cells` holds each free
    column's cells by position; `fit(column, distinct printed cells)` says the share that fit `column`."""
    printed = {at: list(dict.fromkeys(c.strip() for c in column if not is_missing(c)))[:DISTINCT]
               for at, column in cells.items()}
    scores = sorted(((fit(column, printed[at]) if printed[at] else 0.0, -at, column, at)
                     for column in missing for at in cells), reverse=True)
    taken: list[tuple[str, int]] = []
    for score, _, column, at in scores:
        if score >= FIT and all(column != c and at != a for c, a in taken):
            taken.append((column, at))
    return taken


def share(cells: list[str], test: Callable[[str], bool]) -> float:
    """The share of the cells that pass `test`."""
    return sum(map(test, cells)) / len(cells) if cells else 0.0


def figures_share(cells: list[str]) -> float:
    return share(cells, is_figure)


def periods_share(cells: list[str]) -> float:
    return share(cells, is_period)


def flag_recognised(source: str, header: str, column: str, *, file, columns_mapping: vocab.Mapping,
                    how: str = "content") -> None:
    """Flag a header read as `column` from its column's `how` (its content, or its place), with the row of the
    reader's columns mapping that would name it (never fatal; `--strict` refuses it)."""
    vocab.record_unmapped(source, "columns", header, file=file,
                          place=f"line 1, header {header!r} (read as the {column} column from its {how})",
                          mapping_file=columns_mapping.relative_path, suggestion=vocab.csv_line([header, column, ""]))
