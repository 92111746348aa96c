"""Collectors: one folder per source (its parser, card, label mappings and download plan), registered in
collectors/registry.py; each a pure parser from published files to observations.

`REGISTRY` is loaded on first use, so code that needs one source (`tatlas sor ingest` needs the Transparency
Database's) does not import every parser (PDF, workbook, ...)."""

__all__ = ["REGISTRY"]


def __getattr__(name: str):
    if name == "REGISTRY":
        from collectors.registry import REGISTRY

        return REGISTRY
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
