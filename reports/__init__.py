"""The atlas's shared core: schema, vocabularies, mappings, documents, store and exports.

Collectors and the dashboard depend on this package; it depends on neither.
"""
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
