"""The atlas's own error types: every one names the file and the place in it."""
from __future__ import annotations

from pathlib import Path

# Publisher text quoted in a message (a header, a cell) is cut to this many characters: an error names the place,
# it does not repeat a 2 MB line.
MAX_QUOTED = 600


def bounded(text: object, limit: int = MAX_QUOTED) -> str:
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit:,} more characters)"


class AtlasError(Exception):
    """An error a user can act on, naming the file and where in it the problem is."""

    def __init__(self, message: str, *, file: str | Path | None = None, place: str | None = None,
                 source: str | None = None):
        self.message = bounded(message, 4 * MAX_QUOTED)
        self.file = str(file) if file is not None else None
        self.place = bounded(place) if place is not None else None
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
