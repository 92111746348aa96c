"""Part 1, report identification: the service, its provider, the reporting period and the publication date."""
from __future__ import annotations

from collectors.dsa_report.dates import printed_periods, reporting_span
from collectors.dsa_report.names import platform_of
from collectors.dsa_report.tables import Report, Table, norm
from reports.model.errors import ParseError
from reports.model.periods import date_readings, span


def read_identification(table: Table, tables: list[Table]) -> Report:
    """Part 1: service, provider, reporting period and publication date. Dates are read in any common form; where
    part 1's cannot be read, the one reporting period the other parts' rows print stands in (noted)."""
    header = [norm(c) for c in table.header]
    file = table.doc.path
    at_indicator, at_value = header.index("indicator"), header.index("value")
    at_service = header.index("service") if "service" in header else None
    facts: dict[str, str] = {}
    service = ""
    for row in table.rows[1:]:
        cells = row + [""] * (len(header) - len(row))
        facts[norm(cells[at_indicator])] = cells[at_value].strip()
        if at_service is not None and cells[at_service].strip() and not service:
            service = " ".join(cells[at_service].split())

    def fact(name: str, required: bool = True) -> str:
        value = facts.get(name, "")
        if required and not value:
            raise ParseError(f"part 1 does not give the {name!r}", file=file, place=table.where())
        return value

    provider = " ".join(fact("name of the service provider", required=not service).split())
    notes = []
    start_text = fact("starting date of reporting period", required=False)
    end_text = fact("ending date of reporting period", required=False)
    dates = reporting_span(start_text, end_text)
    if dates is None:
        printed = printed_periods([t for t in tables if t is not table])
        if len(printed) != 1:
            raise ParseError(f"cannot read part 1's reporting period ({start_text!r} to {end_text!r}) and the other "
                             f"parts print {len(printed)} reporting period(s)", file=file,
                             place=table.where(column="Value"))
        dates = printed.pop()
        notes.append(f"{table.where()}: reporting period {start_text!r} to {end_text!r} cannot be read; the period "
                     f"the other parts print ({dates[0]}/{dates[1]}) is used")
    start, end = dates
    published_text = fact("date of the publication of the report", required=False)
    readings = date_readings(published_text)
    published = readings[0] if readings else None
    if published_text and not readings:
        notes.append(f"{table.where()}: publication date {published_text!r} cannot be read; left empty")
    label = service or provider
    platform = platform_of(label, file=file, place=table.where(column="Service" if service else "Value"))
    try:
        period = span(start, end)
    except ParseError as exc:
        raise ParseError(exc.message, file=file, place=table.where()) from None
    return Report(platform=platform, service=label, provider=provider, period=period, published=published, notes=notes)
