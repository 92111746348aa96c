"""Documents: every input file, registered with its checksum and provenance before it is parsed."""
from __future__ import annotations

import hashlib
import json
import mimetypes
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from reports import PACKAGE_DIR
from reports.errors import AtlasError

SOURCES_DIR = PACKAGE_DIR / "sources"
SIDECAR_SUFFIX = ".provenance.json"
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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def read_sidecar(path: Path) -> dict:
    """Provenance written beside a file when it was downloaded (`<file>.provenance.json`), if any."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        return json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AtlasError(f"unreadable provenance sidecar ({exc})", file=sidecar) from None


def register(path: Path, source_id: str) -> Document:
    """Checksum a file and gather its provenance: the sidecar first, then the source card's facts for it."""
    path = Path(path)
    card = source_card(source_id)
    sidecar = read_sidecar(path)
    sha = sha256_file(path)
    facts = {**card.document_facts(path.name, sha), **{k: v for k, v in sidecar.items() if v not in (None, "")}}
    if sidecar.get("sha256") and sidecar["sha256"] != sha:
        raise AtlasError(f"checksum mismatch: sidecar says {sidecar['sha256']}, file is {sha}", file=path)
    return Document(
        path=path,
        source=source_id,
        sha256=sha,
        size=path.stat().st_size,
        media_type=facts.get("content_type") or MEDIA_TYPES.get(path.suffix.lower())
        or mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        source_url=facts.get("url") or card.url,
        publisher=facts.get("publisher") or card.publisher,
        license=facts.get("license") or card.license,
        published=_as_date(facts.get("published")),
        retrieved=_as_datetime(facts.get("retrieved_at") or facts.get("retrieved")),
        title=facts.get("title") or card.title,
    )
