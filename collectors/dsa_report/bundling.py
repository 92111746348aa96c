"""Which files make one report: a ZIP or XLSX alone, CSV parts by folder and file-name prefix, and by the reporting
period they print where one prefix holds several reports."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from collectors.dsa_report.dates import ROW_PERIOD, reporting_span
from collectors.dsa_report.names import part_name
from collectors.dsa_report.parts import identify
from collectors.dsa_report.reading import csv_rows, decode
from collectors.dsa_report.tables import SOURCE, Table, norm
from reports.model.errors import ParseError


def bundle(files: list[Path]) -> list[list[Path]]:
    """One report per bundle: a ZIP or XLSX alone; CSV parts grouped by folder and file-name prefix (a table for
    another surface, `6_own_initiative_TC_Ads.csv`, shares its report's prefix), and by reporting period where
    one prefix holds several reports. Parts whose prefix holds no part 1 join their folder's only report."""
    groups: dict[tuple, list[Path]] = {}
    for path in sorted(files):
        if path.suffix.lower() != ".csv":
            groups[(path,)] = [path]
            continue
        named = part_name(path.stem)
        prefix = named.prefix.strip(" -_") if named else path.stem
        groups.setdefault((path.parent, prefix), []).append(path)
    with_part_1 = defaultdict(list)
    for key, paths in groups.items():
        if len(key) == 2 and any((n := part_name(p.stem)) and n.part == 1 for p in paths):
            with_part_1[key[0]].append(key)
    for key in list(groups):
        if len(key) == 2 and key not in with_part_1.get(key[0], []) and len(with_part_1.get(key[0], [])) == 1:
            groups[with_part_1[key[0]][0]] += groups.pop(key)
    out = []
    for paths in groups.values():
        out += split_by_period(sorted(paths)) if len(paths) > 1 else [paths]
    return out


def file_period(path: Path) -> tuple | None:
    """A CSV part's reporting period as printed (part 1's dates or the first row's period), for grouping."""
    try:
        rows = csv_rows(decode(path.read_bytes(), path.name))
    except (ParseError, OSError):
        return None
    if not rows:
        return None
    table = Table(None, path.name, rows, 0)  # type: ignore[arg-type]
    cells = [norm(c) for c in rows[0]]
    if identify(table) == 1:
        facts = {norm(r[cells.index("indicator")]): r[cells.index("value")].strip() for r in rows[1:]
                 if len(r) > max(cells.index("indicator"), cells.index("value"))}
        dates = reporting_span(facts.get("starting date of reporting period", ""),
                               facts.get("ending date of reporting period", ""))
        return tuple((d.year, d.month, d.day) for d in dates) if dates else None
    if "reporting period" in cells:
        for row in rows[1:]:
            cell = row[cells.index("reporting period")] if len(row) > cells.index("reporting period") else ""
            if m := ROW_PERIOD.match(cell.strip()):
                return ((int(m[1]), int(m[2]), int(m[3])), (int(m[4]), int(m[5]), int(m[6])))
    return None


def split_by_period(paths: list[Path]) -> list[list[Path]]:
    """Split CSV parts sharing a prefix into reports by reporting period; parts without one join the only report."""
    periods = {path: file_period(path) for path in paths}
    known = sorted({p for p in periods.values() if p is not None})
    if len(known) <= 1:
        return [paths]
    unplaced = [p.name for p, period in periods.items() if period is None]
    if unplaced:
        raise ParseError(f"parts of {len(known)} reports share one file-name prefix and these give no reporting "
                         f"period: {', '.join(unplaced)}", file=paths[0].parent, source=SOURCE)
    return [[p for p in paths if periods[p] == period] for period in known]
