"""Parts 7-10 (complaints, automated means, human resources, monthly active recipients): one row per indicator
and scope, with one value; and part 11, whose free-text answers are kept as the document's text."""
from __future__ import annotations

from collections import defaultdict

from collectors.dsa_report.mappings import indicator
from collectors.dsa_report.parts import column
from collectors.dsa_report.rows import add, check_row, fill_down, has_figures
from collectors.dsa_report.scopes import PLACEHOLDER, flagged_scope, resolve_scopes
from collectors.dsa_report.tables import Report, Scope, Table, norm
from reports.model.numbers import TEXT, parse_figure


def repeated_rows(rows: list[tuple[int, list[str]]], at_indicator: int, at_scope: int, at_context: int | None,
                  table: Table, report: Report) -> dict[int, dict[str, str]]:
    """Rows giving one indicator for one scope more than once, told apart by their contextual information where
    it differs (YouTube's accuracy 'for Videos' and 'for Comments'): {row number: {'detail': <its words>}}."""
    seen: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for number, row in rows:
        if row[at_indicator].strip() and row[at_scope].strip():
            context = " ".join(row[at_context].split()) if at_context is not None else ""
            seen[(norm(row[at_indicator]), norm(row[at_scope]))].append((number, context))
    out: dict[int, dict[str, str]] = {}
    for (label, scope), hits in seen.items():
        contexts = [c for _, c in hits]
        if len(hits) > 1 and all(contexts) and len(set(contexts)) == len(contexts):
            out.update({number: {"detail": context} for number, context in hits})
            report.note(f"{table.where()}: rows {', '.join(str(n) for n, _ in hits)} give {label!r} for {scope!r} more "
                        "than once; told apart by their contextual information (detail=)")
    return out


def read_indicators(table: Table, report: Report) -> None:
    """Parts 7-10: one row per indicator and scope, with one value."""
    header = table.header
    file = table.doc.path
    cells = [norm(c) for c in header]
    at_indicator, at_scope, at_value = cells.index("indicator"), cells.index("scope"), cells.index("value")
    at_context = column(header, "contextual information")
    at_service = column(header, "service")
    at_period = column(header, "reporting period")
    width = len(header)
    rows = table.numbered()
    if not has_figures(table, [at_value]):
        report.skip(table, table.where(), "part left as the empty template (no figures)")
        return
    labels = [i for i in (column(header, "applicability"), at_service, at_period, column(header, "section"),
                          at_indicator) if i is not None]
    if filled := fill_down(rows, labels, lambda row: bool(row[at_value].strip() or row[at_scope].strip())):
        report.note(f"{table.where()}: {filled} blank label cell(s) below a filled one (merged cells) read as the "
                    "value above")
    resolved = {} if table.part == 7 else resolve_scopes(
        table, [(n, r[at_indicator].strip(), r[at_scope].strip()) for n, r in rows], report)
    details = repeated_rows(rows, at_indicator, at_scope, at_context, table, report)
    for number, row in rows:
        check_row(table, row, number, report, width=width, at_service=at_service, at_period=at_period)
        label, scope, cell = row[at_indicator].strip(), row[at_scope].strip(), row[at_value]
        if not scope or not label:
            missing = "indicator" if not label else "scope"
            if cell.strip():
                report.skip(table, table.where(number, "Value"), f"a figure without an {missing}")
                report.note(f"{table.where(number, 'Value')}: a figure without an {missing}; not imported")
            else:
                report.skip(table, table.where(number), f"row without {missing} nor figure")
            continue
        if table.part != 7 and PLACEHOLDER.search(scope):
            if placeholder_row(table, rows, number, row, scope, at_indicator, at_value, report):
                continue
            where = flagged_scope(table, scope, report, table.where(number, "Scope"))
        else:
            where = Scope("EU") if table.part == 7 else resolved[(norm(label), scope)]
        spec = indicator(table.part, label, scope, file=file, place=table.where(number, "Indicator"))
        context = row[at_context] if at_context is not None else ""
        # In part 7 the scope column names the figure within its indicator ('Median time', 'Decisions upheld').
        what = f"{label.strip()}, {scope}"
        label = f"{label}: {scope}" if table.part == 7 and norm(scope) != norm(label) else label
        add(report, table, number=number, label=label, cell=cell, spec=spec, region=where.region,
            breakdown={**where.breakdown, **details.get(number, {})}, policy_area=where.policy_area,
            policy_label=where.policy_label, what=what, contexts=(context,))


def placeholder_row(table: Table, rows: list[tuple[int, list[str]]], number: int, row: list[str], scope: str,
                    at_indicator: int, at_value: int, report: Report) -> bool:
    """Whether a row whose scope is the template's placeholder `[...]` is left out: when it holds no figure, or only
    the words the other rows of its indicator hold (YouTube's part 10 gives one sentence for every scope)."""
    cell = row[at_value].strip()
    if not cell:
        report.skip(table, table.where(number), f"the template's placeholder scope {scope!r} left without a figure")
        return True
    same = [n for n, other in rows if n != number and norm(other[at_indicator]) == norm(row[at_indicator])
            and other[at_value].strip() == cell]
    if same and parse_figure(cell, lenient=True)[0].qualifier == TEXT:
        report.skip(table, table.where(number), f"the template's placeholder scope {scope!r} holding only the words of "
                                                f"row {same[0]} ({cell[:60]!r})")
        return True
    return False


def read_qualitative(table: Table) -> str:
    """Part 11: the free-text answers, kept as the document's text."""
    cells = [norm(c) for c in table.header]
    at_indicator, at_value = cells.index("indicator"), cells.index("value")
    blocks = []
    for row in table.rows[1:]:
        row = row + [""] * (len(cells) - len(row))
        if row[at_value].strip() and norm(row[at_value]) != "free text":
            blocks.append(f"{row[at_indicator].strip()}\n{row[at_value].strip()}")
    return "\n\n".join(blocks)
