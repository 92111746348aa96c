"""Tables of plain text cells (no markdown, no HTML): a real <table> with a caption and column headers, sorted by
the buttons in its headers, filtered by a text box, paged by Previous/Next; all of it works from the keyboard.

The page is cut on the server: `table()` draws the first page; `register_table()` wires the buttons and the filter
of one table to a function that gives its rows again (from the controls' values), so the browser holds one page."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import dash
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import sent

PAGE_SIZE = 15
# Cells longer than this also carry their text as a tooltip.
LONG_CELL = 30
ARROWS = {"ascending": " ▲", "descending": " ▼", "none": ""}


@dataclass
class TableView:
    """What the reader chose: the page (from 0), the column sorted by and its direction, the filter text."""

    page: int = 0
    sort: str = ""
    descending: bool = False
    filter: str = ""

    def direction(self, column: str) -> str:
        if column != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"

    @classmethod
    def from_data(cls, data: dict) -> TableView:
        """The view kept in the browser's store, taking only fields of the right type (the browser may lie)."""
        page, sort, descending, text = (data.get(k) for k in ("page", "sort", "descending", "filter"))
        return cls(page=page if isinstance(page, int) and not isinstance(page, bool) and page >= 0 else 0,
                   sort=sort if isinstance(sort, str) else "", descending=descending is True,
                   filter=text if isinstance(text, str) else "")


def _ids(table_id: str) -> dict[str, str]:
    return {part: f"{table_id}-{part}" for part in ("body", "status", "view", "prev", "next", "filter", "caption")}


def _sort_key(values: pd.Series) -> pd.Series:
    """Numbers as numbers when every non-empty cell of the column is one ('14,508', '+3.2%'), else text."""
    text = values.astype(str)
    numbers = pd.to_numeric(text.str.replace(",", "").str.rstrip("%"), errors="coerce")
    filled = text != ""
    if filled.any() and numbers[filled].notna().all():
        return numbers
    return text.str.lower()


def shown_rows(df: pd.DataFrame, view: TableView) -> pd.DataFrame:
    """The rows that pass the filter (text in any cell, any case), sorted as chosen."""
    if view.filter:
        needle = view.filter.strip().lower()
        hits = df.astype(str).apply(lambda column: column.str.lower().str.contains(needle, regex=False))
        df = df[hits.any(axis=1)]
    if view.sort in df.columns:
        df = df.sort_values(view.sort, key=_sort_key, ascending=not view.descending, kind="stable")
    return df


def page_of(df: pd.DataFrame, view: TableView, page_size: int = PAGE_SIZE) -> tuple[pd.DataFrame, TableView, str, int]:
    """One page of the shown rows, the view with its page kept in range, a sentence saying where it is, and the
    number of pages."""
    rows = shown_rows(df, view)
    pages = max(1, math.ceil(len(rows) / page_size))
    view = TableView(**{**asdict(view), "page": min(max(view.page, 0), pages - 1)})
    first = view.page * page_size
    part = rows.iloc[first:first + page_size]
    if rows.empty:
        status = "No row matches the filter." if view.filter else "No rows."
    else:
        status = f"Rows {first + 1:,} to {first + len(part):,} of {len(rows):,} (page {view.page + 1} of {pages})."
    return part, view, status, pages


def body(part: pd.DataFrame) -> list:
    """Table rows of text cells; long cells also carry their text as a tooltip."""
    return [html.Tr([html.Td(text, title=text if len(text) > LONG_CELL else None) for text in map(str, row)])
            for row in part.itertuples(index=False)]


def _header(table_id: str, column: str, view: TableView):
    direction = view.direction(column)
    button = html.Button(column.replace("_", " ") + ARROWS[direction], className="sort",
                         id={"type": "table-sort", "table": table_id, "column": column},
                         title=f"Sort by {column.replace('_', ' ')}")
    return html.Th(button, scope="col", id={"type": "table-header", "table": table_id, "column": column},
                   **{"aria-sort": direction})


def table(df: pd.DataFrame, table_id: str, caption: str, page_size: int = PAGE_SIZE):
    """The table's first page with its caption, sortable headers, filter box and pager."""
    ids, view = _ids(table_id), TableView()
    part, view, status, pages = page_of(df, view, page_size)
    return html.Div(id=table_id, className="data-table", children=[
        html.Div(className="table-filter", children=[
            html.Label("Filter rows", htmlFor=ids["filter"], className="control-label"),
            dcc.Input(id=ids["filter"], type="search", debounce=0.4, placeholder="text in any column")]),
        html.Div(className="table-scroll", role="region", tabIndex=0, **{"aria-labelledby": ids["caption"]}, children=[
            html.Table([
                html.Caption(caption, id=ids["caption"]),
                html.Thead(html.Tr([_header(table_id, c, view) for c in df.columns])),
                html.Tbody(body(part), id=ids["body"]),
            ])]),
        html.Div(className="pager", children=[
            html.Button("Previous page", id=ids["prev"], className="button", disabled=view.page == 0),
            html.Span(status, id=ids["status"], className="hint", **{"aria-live": "polite"}),
            html.Button("Next page", id=ids["next"], className="button", disabled=pages == 1)]),
        dcc.Store(id=ids["view"], data=asdict(view)),
    ])


def _next_view(view: TableView, trigger, filter_text: str | None) -> TableView:
    """The view after a click on a header, on Previous/Next, or a new filter."""
    if isinstance(trigger, dict):  # a header: sort by it, ascending first, then the other way
        column = trigger.get("column")
        if not isinstance(column, str):
            return view
        descending = not view.descending if column == view.sort else False
        return TableView(sort=column, descending=descending, filter=view.filter)
    if isinstance(trigger, str) and trigger.endswith("-prev"):
        return TableView(**{**asdict(view), "page": view.page - 1})
    if isinstance(trigger, str) and trigger.endswith("-next"):
        return TableView(**{**asdict(view), "page": view.page + 1})
    return TableView(sort=view.sort, descending=view.descending, filter=(filter_text or "").strip())


def register_table(app: dash.Dash, table_id: str, rows: Callable[..., pd.DataFrame], states: list[State],
                   page_size: int = PAGE_SIZE) -> None:
    """Wire one table: its header buttons, pager and filter redraw its rows from `rows(*states' values)`."""
    ids = _ids(table_id)
    headers = {"table": table_id, "column": ALL}

    @app.callback(
        Output(ids["body"], "children"), Output(ids["status"], "children"), Output(ids["view"], "data"),
        Output(ids["prev"], "disabled"), Output(ids["next"], "disabled"),
        Output({"type": "table-sort", **headers}, "children"), Output({"type": "table-header", **headers}, "aria-sort"),
        Input({"type": "table-sort", **headers}, "n_clicks"), Input(ids["prev"], "n_clicks"),
        Input(ids["next"], "n_clicks"), Input(ids["filter"], "value"), State(ids["view"], "data"), *states,
        prevent_initial_call=True)
    @sent.sane(sent.many(sent.clicks), sent.clicks, sent.clicks, sent.text, sent.record, sent.text)
    def redraw(_sorts, _prev, _next, filter_text, view, *values):
        if not ctx.triggered_id or (ctx.triggered_id != ids["filter"] and not ctx.triggered[0]["value"]):
            raise PreventUpdate  # a button drawn anew, not clicked
        df = rows(*values)
        view = _next_view(TableView.from_data(view), ctx.triggered_id, filter_text)
        part, view, status, pages = page_of(df, view, page_size)
        columns = [o["id"]["column"] for o in ctx.outputs_list[5]]
        return (body(part), status, asdict(view), view.page == 0, view.page >= pages - 1,
                [c.replace("_", " ") + ARROWS[view.direction(c)] for c in columns],
                [view.direction(c) for c in columns])
