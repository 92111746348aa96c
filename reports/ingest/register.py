"""Registering a document: its checksum and provenance (the sidecar written when it was downloaded, then what the
source card knows of it), before it is parsed."""
from __future__ import annotations

import hashlib
import json
import mimetypes
from datetime import date, datetime
from pathlib import Path

from reports.model.documents import MEDIA_TYPES, Document, SourceCard
from reports.model.errors import AtlasError

SIDECAR_SUFFIX = ".provenance.json"


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
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AtlasError(f"unreadable provenance sidecar ({exc})", file=sidecar) from None
    if not isinstance(data, dict):
        raise AtlasError(f"a provenance sidecar holds a JSON object, not {type(data).__name__}", file=sidecar)
    for key in ("url", "publisher", "license", "title", "content_type", "sha256", "published", "retrieved",
                "retrieved_at"):
        if data.get(key) not in (None, "") and not isinstance(data[key], str):
            raise AtlasError(f"{key} should be text, not {type(data[key]).__name__}", file=sidecar, place=key)
    for key, read in (("published", _as_date), ("retrieved", _as_datetime), ("retrieved_at", _as_datetime)):
        try:
            read(data.get(key))
        except ValueError:
            raise AtlasError(f"{key} {data[key]!r} is not an ISO date", file=sidecar, place=key) from None
    return data


def register(path: Path, card: SourceCard) -> Document:
    """Checksum a file of a source and gather its provenance: the sidecar first, then the source card's facts."""
    path = Path(path)
    source_id = card.id
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
