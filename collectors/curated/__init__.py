"""Curated sources: figures transcribed by hand where a publisher offers no data file (the shared reader)."""
