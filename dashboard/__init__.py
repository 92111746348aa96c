"""The Transparency Atlas dashboard: Dash app on the store (depends on reports only)."""
