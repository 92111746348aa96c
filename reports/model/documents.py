"""Documents: every input file, registered with its checksum and provenance before it is parsed."""
from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from reports.model.errors import AtlasError

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
    """What we know about a source: publisher, format, cadence, licence, caveats (`collectors/<source>/card.toml`).

    It travels with the figures: the build stores each source's card in the store beside its documents."""

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
def load_card(path: Path, source_id: str) -> SourceCard:
    """A source card from its TOML file; its `id` must be the source's."""
    if not path.exists():
        raise AtlasError("no source card", file=path, source=source_id)
    with path.open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise AtlasError(f"unreadable source card ({exc})", file=path, source=source_id) from None
    return card_from(data, file=path, source_id=source_id)


def card_from(data: dict, *, file: str | Path = "", source_id: str = "") -> SourceCard:
    """A source card from its fields (a TOML file's, or the JSON the store keeps)."""
    unknown = set(data) - set(SourceCard.__dataclass_fields__)
    if unknown:
        raise AtlasError(f"unknown fields {sorted(unknown)}", file=file, source=source_id)
    card = SourceCard(**data)
    if source_id and card.id != source_id:
        raise AtlasError(f"the card names the source {card.id!r}, not {source_id!r}", file=file, source=source_id)
    return card


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


def document_row(doc: Document, *, relative_path: str, fingerprint: str, meta: dict | None = None,
                 notes: list[str] | None = None, first_seen: datetime) -> dict:
    """A document as the store keeps it: what the document says of itself (a DSA report names its provider and
    publication date) wins over what its source's card says."""
    meta = meta or {}
    return {
        "sha256": doc.sha256, "source": doc.source, "name": doc.name, "path": relative_path, "size": doc.size,
        "media_type": doc.media_type, "source_url": doc.source_url, "publisher": meta.get("publisher") or doc.publisher,
        "license": doc.license, "published": meta.get("published") or doc.published, "retrieved": doc.retrieved,
        "title": meta.get("title") or doc.title, "edition": meta.get("edition"), "edition_date": meta.get("edition_date"),
        "first_seen": first_seen, "fingerprint": fingerprint, "text": meta.get("text"),
        "notes": "\n".join(notes or []) or None,
    }
