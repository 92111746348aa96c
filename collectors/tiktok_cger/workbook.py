"""TikTok's XLSX editions (2021-2022) read into the long table: every sheet read by its layout (sheets.py), the
period of sheets that print none being the workbook's latest quarter."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from collectors.tiktok_cger.cells import Grid, period_in, quarter_of
from collectors.tiktok_cger.sheets import sheet_rows
from collectors.tiktok_cger.source import EXTRA, LONG, Reading
from reports.ingest.workbook import open_workbook
from reports.model.errors import ParseError
from reports.model.periods import Period, period_from_name


def read_xlsx(reading: Reading) -> pd.DataFrame:
    """The workbook edition as the long table: every sheet read by its structure (xlsx_sheets.csv gives hints)."""
    doc = reading.doc
    book = open_workbook(doc.read_bytes(), file=doc.path)
    try:
        grids = {ws.title: grid_of(ws) for ws in book.worksheets}
    finally:
        book.close()
    latest = latest_period(grids, reading)
    rows: list[dict] = []
    for title, grid in grids.items():
        rows += sheet_rows(title, grid, latest, reading)
    return pd.DataFrame(rows, columns=LONG + EXTRA)


def grid_of(ws) -> Grid:
    """A worksheet's cells, text stripped (None where empty), noting the numbers formatted as percentages."""
    rows, pct = [], set()
    for r, cells in enumerate(ws.iter_rows()):
        row = []
        for c, cell in enumerate(cells):
            value = cell.value
            if isinstance(value, str):
                value = value.strip() or None
            elif isinstance(value, int | float) and not isinstance(value, bool) and "%" in str(cell.number_format or ""):
                pct.add((r, c))
            row.append(value)
        rows.append(row)
    left = min((next(c for c, v in enumerate(row) if v is not None) for row in rows if any(v is not None for v in row)),
               default=0)
    return Grid([row[left:] for row in rows], {(r, c - left) for r, c in pct}, left)


def latest_period(grids: dict[str, Grid], reading: Reading) -> Period:
    """The workbook's latest quarter: the last date in its dated sheets, else the latest period a title states,
    else the one its file name states (the period of sheets that print none)."""
    dates = [row[0] for grid in grids.values() for row in grid.rows[1:] if row and isinstance(row[0], datetime | date)]
    if dates:
        return quarter_of(max(dates))
    stated = [p for title, grid in grids.items() for p in
              [period_in(title), *(period_in(v) for row in grid.rows[:3] for v in row if isinstance(v, str))] if p]
    if stated:
        return max(stated, key=lambda p: p.end)
    if named := period_from_name(reading.doc.name):
        return named
    raise ParseError("no period anywhere: no dated rows, no period in a title or in the file name", file=reading.doc.path)
