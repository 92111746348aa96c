"""The Transparency Atlas dashboard (Dash + plotly): trends, platform profiles, cross-checks, changes.

`create_app(store)` builds the app: the page (dashboard/layout.py), then each view's callbacks
(dashboard/views/*.py) over the cached queries of dashboard/data.py. Every callback runs one or a few DuckDB
queries on the store's `latest` table (reports.analysis), so the app starts without loading the atlas into memory.
Figures are drawn in the style of reports/plotstyle.py, shared with the static charts."""
from __future__ import annotations

import dash

from dashboard import layout
from dashboard.data import Atlas
from dashboard.views import changes, crosscheck, navigation, profile, provenance, trends
from reports.store.database import Store

VIEWS = (navigation, trends, profile, crosscheck, changes, provenance)


def create_app(store: Store) -> dash.Dash:
    """The dashboard on a store (a built DuckDB file or the bundled atlas)."""
    atlas = Atlas(store)
    app = dash.Dash(__name__, title="Transparency Atlas", suppress_callback_exceptions=True, update_title=None)
    app.layout = layout.page(atlas, getattr(store, "label", "store"))
    for view in VIEWS:
        view.register(app, atlas)
    app.atlas = atlas
    return app
