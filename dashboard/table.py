"""Tables of plain text cells (no markdown, no HTML)."""
from __future__ import annotations

import dash
import pandas as pd
from dash import State, dash_table

from reports import plotstyle

PAGE_SIZE = 15


def table(df: pd.DataFrame, table_id: str, caption: str, page_size: int = PAGE_SIZE):
    """A sortable, paged table of plain text cells (no markdown, no HTML)."""
    return dash_table.DataTable(
        id=table_id, data=df.to_dict("records"), columns=[{"name": c.replace("_", " "), "id": c} for c in df.columns],
        page_size=page_size, sort_action="native", filter_action="native", style_table={"overflowX": "auto"},
        style_cell={"fontFamily": plotstyle.FONT, "fontSize": 13, "textAlign": "left", "whiteSpace": "nowrap",
                    "overflow": "hidden", "textOverflow": "ellipsis", "maxWidth": 260},
        tooltip_duration=None, tooltip_data=[{c: {"value": str(v), "type": "text"} for c, v in row.items() if len(str(v)) > 30}
                                             for row in df.head(page_size * 20).to_dict("records")],
        style_header={"fontWeight": "bold", "backgroundColor": "#eef"})


def register_table(app: dash.Dash, table_id: str, rows, states: list[State], page_size: int = PAGE_SIZE) -> None:
    """DataTable sorts and pages in the browser: nothing to wire."""
