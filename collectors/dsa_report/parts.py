"""Recognising parts: which part of the EU template a table is (by its header and indicators, its name only where
those are reworded), whether it is the template left empty, and what to do with a part given twice."""
from __future__ import annotations

from collections import defaultdict

from collectors.dsa_report.names import part_name, version_of
from collectors.dsa_report.reading import csv_rows, decode
from collectors.dsa_report.tables import SOURCE, Report, Table, norm
from reports.model.errors import ParseError


def column(header: list[str], *prefixes: str) -> int | None:
    """The index of the first header cell starting with one of the prefixes (compared normalised)."""
    cells = [norm(c) for c in header]
    for prefix in prefixes:
        for index, cell in enumerate(cells):
            if cell.startswith(prefix):
                return index
    return None


def identify(table: Table) -> int | None:
    """The template part a table is, from its header and indicators; 56 = part 5 or 6 (decided by order)."""
    header = table.header
    cells = [norm(c) for c in header]
    if (part := category_part(header)) is not None:
        return part
    if "indicator" in cells and "value" in cells:
        indicators = column_words(table, cells.index("indicator"))
        if indicators or "scope" in cells:
            return indicator_part(table, cells, indicators)
    if column(header, "category of ") is not None and (named := part_name(table.label)) and named.part in (3, 4, 5, 6):
        return named.part  # a category table whose indicator columns are all reworded: its number in its name
    return None


def category_part(header: list[str]) -> int | None:
    """Parts 2-6 by the template's words in their header (56: part 5 or 6 with a localised category column)."""
    if column(header, "number of orders to act against illegal content") is not None:
        return 3
    if column(header, "number of notices received") is not None:
        return 4
    if column(header, "number of measures taken at the provider") is not None:
        if column(header, "category of illegal content") is not None:
            return 5
        if column(header, "category of incompatibility") is not None:
            return 6
        return 56
    if column(header, "category description") is not None:
        return 2
    return None


def column_words(table: Table, at: int) -> str:
    """The cells of one column below the header, normalised and joined with ' | ', to look for the template's words."""
    return " | ".join(norm(row[at]) for row in table.rows[1:] if len(row) > at)


def indicator_part(table: Table, cells: list[str], indicators: str) -> int | None:
    """Parts that list indicators: part 1 by its facts; without a scope column, part 11 (free text); with one, parts
    7-10 by their indicators, else by the template's section names, else by the part's number in the name."""
    if "name of the service provider" in indicators or "starting date of reporting period" in indicators:
        return 1
    if "scope" not in cells:
        return 11
    for part, words in ((10, "average monthly active recipients"), (9, "moderators"), (8, "automated means"),
                        (7, "complaint")):
        if words in indicators:
            return part
    # Indicators reworded: the template's section names, then the part's number in the file or sheet name.
    if "section" in cells:
        sections = column_words(table, cells.index("section"))
        for part, words in ((10, "amar"), (9, "human resources"), (8, "automated means"),
                            (7, "internal complaints mechanism")):
            if words in sections:
                return part
    named = part_name(table.label)
    return named.part if named is not None and named.part in (7, 8, 9, 10) else None


def looks_like_part(header: list[str]) -> bool:
    """A header row of the EU template (any part), for sniffing files found outside the source's folder."""
    cells = {norm(c) for c in header}
    if "category description" in cells and "category label" in cells:
        return True
    return "service" in cells and ("indicator" in cells or column(header, "category of ") is not None)


def header_is_part(head: bytes, name: str) -> bool:
    """Whether one of the first lines of a CSV's bytes is a header of the EU template."""
    for line in head.lstrip().split(b"\n")[:10]:
        try:
            rows = csv_rows(decode(line, name)) if line.strip() else []
        except ParseError:  # not a header we read (another separator, another encoding): the build says why
            continue
        if rows and looks_like_part(rows[0]):
            return True
    return False


def assign_parts(tables: list[Table]) -> None:
    """Set each table's part; parts 5 and 6 with a localised category header go by file name, then order."""
    for table in tables:
        table.part = identify(table)
    for table in [t for t in tables if t.part == 56]:
        named = part_name(table.label)
        if named and named.part in (5, 6):
            table.part = named.part
    undecided = [t for t in tables if t.part == 56]
    taken = {t.part for t in tables}
    for table, part in zip(sorted(undecided, key=lambda t: (t.doc.name, t.order)), [p for p in (5, 6) if p not in taken],
                           strict=False):
        table.part = part
    for table in tables:
        if table.part == 56:
            raise ParseError("a third own-initiative table: cannot tell whether it is part 5 or 6",
                             file=table.doc.path, place=table.name)


def repeated_tables(tables: list[Table], report: Report) -> set[int]:
    """Tables that repeat a part for the same surface: an identical copy is skipped with a note; two different
    tables of one part and surface are an error (one would silently replace the other's figures)."""
    groups: dict[tuple[int, str], list[Table]] = defaultdict(list)
    for table in tables:
        if table.part in range(3, 11):
            groups[(table.part, table.surface)].append(table)
    repeats: set[int] = set()
    for (part, surface), group in groups.items():
        what = f"part {part}" + (f" for surface {surface!r}" if surface else "")
        group = sorted(group, key=version_of, reverse=True)  # a later version first: it stands
        first = group[0]
        for other in group[1:]:
            repeats.add(id(other))
            if [[c.strip() for c in r] for r in other.rows] == [[c.strip() for c in r] for r in first.rows]:
                report.skip(other, other.name, f"repeats {first.name} ({what}) cell for cell")
                report.note(f"{other.name}: repeats {first.name} ({what}) cell for cell; read once")
            elif version_of(first) > version_of(other):
                report.skip(other, other.name, f"superseded by {first.name}, a later version of {what}")
                report.note(f"{other.name}: superseded by {first.name} (version {version_of(first)} of {what}); only "
                            "the later version is imported")
            else:
                raise ParseError(f"two different tables of {what}: {first.name} and {other.name}; a report gives each "
                                 "part once per surface (name another surface's file with its suffix, e.g. `_Ads`, "
                                 "or a later version with `_version2`)", file=other.doc.path, place=other.name,
                                 source=SOURCE)
    return repeats


def is_blank_template(table: Table) -> bool:
    """Part 1 as the template prints it (`Text`, `YYYY-MM-DD`), before any filer fills it in."""
    cells = [norm(c) for c in table.header]
    at_value = cells.index("value")
    return all(norm(row[at_value] if len(row) > at_value else "") in ("", "text", "yyyy-mm-dd") for row in table.rows[1:])


def is_template_table(table: Table) -> bool:
    """A part as the template prints it: every reporting period the placeholder `YYYY-MM-DD/YYYY-MM-DD` (part 2,
    which has none, is the same in the template as in a filed report)."""
    if table.part == 1:
        return is_blank_template(table)
    cells = [norm(c) for c in table.header]
    if "reporting period" not in cells:
        return table.part == 2
    at = cells.index("reporting period")
    return all("yyyy" in norm(row[at]) or not row[at].strip() for row in table.rows[1:] if len(row) > at)
