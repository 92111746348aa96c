"""The EU DSA Transparency Database: its daily statistics (read by the build) and its daily dumps of statements of
reasons (read by `tatlas sor ingest`, counted with DuckDB or Spark)."""
from collectors.dsa_tdb.stats import DsaTdbStats

COLLECTOR = DsaTdbStats()
