"""The atlas's own error types: every one names the file and the place in it."""
from __future__ import annotations

from pathlib import Path


class AtlasError(Exception):
    """An error a user can act on, naming the file and where in it the problem is."""

    def __init__(self, message: str, *, file: str | Path | None = None, place: str | None = None,
                 source: str | None = None):
        self.message = message
        self.file = str(file) if file is not None else None
        self.place = place
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(f"source {self.source}")
        if self.file:
            where.append(self.file)
        if self.place:
            where.append(self.place)
        return f"{': '.join(where)}: {self.message}" if where else self.message


class ParseError(AtlasError):
    """A published file could not be read as its collector expects."""


class UnmappedLabel(ParseError):
    """A label in a published file has no entry in the source's mapping file."""


class ValidationError(AtlasError):
    """Rows a collector produced do not satisfy the common schema."""


class StoreError(AtlasError):
    """The store is missing, locked or inconsistent."""
