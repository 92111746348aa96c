"""The store: an embedded DuckDB holding every version of every figure, its latest view, locks and checks."""
