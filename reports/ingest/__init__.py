"""Ingest: from a published file to observations (documents registered, files read safely, collectors, the build)."""
