"""The EU DSA Transparency Database: its daily statistics (read by the build) and its daily dumps of statements of
reasons (read by `tatlas sor ingest`, counted with DuckDB or Spark).

`COLLECTOR` is made on first use, so the processes that count a dump's parts import only the counting code
(collectors/dsa_tdb/parts.py), not pandas and DuckDB."""

__all__ = ["COLLECTOR", "COUNTING_MODULES"]

# What the processes that count a dump's parts import, once, in the server they are forked from: the counting
# code, and pandas, which pyarrow imports the first time it converts a Python value.
COUNTING_MODULES = ("collectors.dsa_tdb.parts", "pandas")


def __getattr__(name: str):
    if name == "COLLECTOR":
        from collectors.dsa_tdb.stats import DsaTdbStats

        global COLLECTOR
        COLLECTOR = DsaTdbStats()
        return COLLECTOR
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
