"""What every part's rows share: checks on a data row (stray cells, the row's service and period), label cells
merged over several rows, turning one cell into observations, and settling a figure a report prints twice."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from collectors.dsa_report.dates import row_period
from collectors.dsa_report.figures import figures, stated_hours
from collectors.dsa_report.names import known_platform
from collectors.dsa_report.tables import Report, Table, norm
from reports.model import vocab
from reports.model.errors import ParseError
from reports.model.schema import observation, parse_breakdown


def has_figures(table: Table, columns: list[int]) -> bool:
    """Whether any figure column holds something (a part left as the empty template has none)."""
    return any(row[i].strip() for row in table.rows[1:] for i in columns if i < len(row))


def fill_down(rows: list[tuple[int, list[str]]], columns: list[int], has_content: Callable[[list[str]], bool]) -> int:
    """Give a blank label cell the value above it where its row holds a figure or scope (filers merge the cells
    of a label column over the rows it covers, and a CSV keeps only the first); returns how many cells were filled."""
    above: dict[int, str] = {}
    filled = 0
    for _, row in rows:
        content = has_content(row)
        for i in columns:
            if row[i].strip():
                above[i] = row[i]
            elif content and i in above:
                row[i] = above[i]
                filled += 1
    return filled


def check_row(table: Table, row: list[str], number: int, report: Report, *, width: int, at_service: int | None,
              at_period: int | None, unlabelled: list[int] = ()) -> None:
    """A data row's common checks: a value outside the header's columns is left out (and listed), the row's
    service and period must be the report's."""
    for i in [i for i in range(width, len(row)) if row[i].strip()] + [i for i in unlabelled if row[i].strip()]:
        place = table.where(number, f"#{i + 1}")
        report.skip(table, place, f"a value {row[i].strip()[:80]!r} in a column without a header")
        report.note(f"{place}: a value {row[i].strip()[:80]!r} in a column without a header; not imported")
    check_service(table, row, at_service, report, number)
    if at_period is not None:
        row_period(row[at_period], report, table, place=table.where(number, table.header[at_period]))


def check_service(table: Table, row: list[str], at: int | None, report: Report, number: int) -> None:
    """A row naming a service must name the report's service: another known platform is an error (a bundle must
    not mix two reports); a name we do not know is noted and its figures stored under part 1's service."""
    if at is None or at >= len(row) or not row[at].strip():
        return
    name = " ".join(row[at].split())
    if norm(name) in (norm(report.service), norm(report.provider)):
        return
    known = known_platform(name)
    if known == report.platform:
        return
    if known is not None and known_platform(report.service) is not None:
        raise ParseError(f"service {name!r} is not the report's service {report.service!r}", file=table.doc.path,
                         place=table.where(number, "Service"))
    report.note(f"{table.where()}: rows name the service {name!r} where part 1 names {report.service!r}; stored under "
                f"part 1's service ({report.platform})")


def add(report: Report, table: Table, *, number: int, label: str, cell: str, spec: dict[str, str], region: str,
        breakdown: dict[str, str], policy_area: str, policy_label: str, what: str, contexts: tuple[str, ...]) -> None:
    """The observations of one cell (one, or two for a range), with the cell's place as their locator."""
    place = table.where(number, label)
    parts = {**parse_breakdown(spec["breakdown"]), **breakdown}
    if table.surface:
        parts["surface"] = table.surface
    for value, unit, qualifier in figures(cell, spec["unit"], report, file=table.doc.path, place=place):
        if unit == "hours" and value is not None:
            factor, word = stated_hours(*contexts)
            if factor != 1.0:
                value = round(value * factor, 6)
                report.note(f"{place}: the filer states this time in {word}; stored in hours")
        bound = {"range_lower": {"bound": "lower"}, "range_upper": {"bound": "upper"}}.get(qualifier, {})
        report.rows.append(observation(
            platform=report.platform, period=report.period, metric=spec["metric"], metric_label=" ".join(label.split()),
            value=value, unit=unit, region=region, policy_area=policy_area, policy_label=policy_label,
            breakdown={**parts, **bound}, value_text=cell.strip(), qualifier=qualifier,
            document_sha256=table.doc.sha256, locator=f"{place} ({what})"))


def settle_repeats(report: Report) -> None:
    """One figure printed twice in a report: the same value is kept once (noted); different values are kept apart
    as `entry=1`, `entry=2` ... (noted), never one silently replacing the other."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, row in enumerate(report.rows):
        metric = row["metric"] if row["metric"] != vocab.UNMAPPED_METRIC else f"unmapped:{row['metric_label'].casefold()}"
        groups[(row["region"], row["policy_area"], row["policy_label"].casefold(), metric, row["breakdown"])].append(index)
    drop: set[int] = set()
    for indices in groups.values():
        if len(indices) < 2:
            continue
        rows = [report.rows[i] for i in indices]
        first = rows[0]
        places = ", ".join(r["locator"].rsplit(" (", 1)[0] for r in rows[:3])
        if all(r["value_text"] == first["value_text"] for r in rows):
            drop.update(indices[1:])
            report.note(f"{places}: one figure printed {len(rows)} times with the same value; kept once")
            continue
        for k, row in enumerate(rows, start=1):
            row["breakdown"] = f"{row['breakdown']};entry={k}" if row["breakdown"] else f"entry={k}"
        report.note(f"{places}: one figure printed {len(rows)} times with different values; kept apart as entry=1 "
                    f"... entry={len(rows)}")
    if drop:
        report.rows = [row for i, row in enumerate(report.rows) if i not in drop]
