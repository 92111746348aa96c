"""Documents: every input file, registered with its checksum and provenance before it is parsed."""
from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from reports import PACKAGE_DIR
from reports.model.errors import AtlasError

SOURCES_DIR = PACKAGE_DIR / "sources"
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
}


@dataclass(frozen=True)
class SourceCard:
    """What we know about a source: publisher, format, cadence, licence, caveats (`reports/sources/<id>.toml`)."""

    id: str
    title: str
    publisher: str
    url: str
    license: str
    format: str
    cadence: str
    first_period: str
    units: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    definition_changes: list[dict] = field(default_factory=list)
    documents: dict[str, dict] = field(default_factory=dict)
    citation: str = ""

    def document_facts(self, name: str, sha256: str = "") -> dict:
        """Known facts about one published file (URL, publication date): by its sha256, else by its file name."""
        return self.documents.get(sha256) or self.documents.get(name, {})


@cache
def source_card(source_id: str) -> SourceCard:
    path = SOURCES_DIR / f"{source_id}.toml"
    if not path.exists():
        raise AtlasError(f"no source card {path}", source=source_id)
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    known = {f for f in SourceCard.__dataclass_fields__}
    unknown = set(data) - known
    if unknown:
        raise AtlasError(f"unknown fields {sorted(unknown)}", file=path)
    return SourceCard(**data)


def all_source_cards() -> dict[str, SourceCard]:
    return {p.stem: source_card(p.stem) for p in sorted(SOURCES_DIR.glob("*.toml"))}


@dataclass(frozen=True)
class Document:
    """One published file as we hold it: bytes on disk plus provenance."""

    path: Path
    source: str
    sha256: str
    size: int
    media_type: str
    source_url: str
    publisher: str
    license: str
    published: date | None = None
    retrieved: datetime | None = None
    title: str = ""

    @property
    def name(self) -> str:
        return self.path.name

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def provenance(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        for key in ("published", "retrieved"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


