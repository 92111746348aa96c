"""Frictionless Data Package descriptors (`datapackage.json`) for exports: schema, primary key, sources,
licences and the sha256 of every file, so that `frictionless validate` can check an export on its own."""
from __future__ import annotations

import glob
import json
import os
import re
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from reports.ingest.register import sha256_file
from reports.model.documents import MEDIA_TYPES
from reports.model.errors import AtlasError
from reports.model.licences import known_licences
from reports.model.schema import (
    DOCUMENT_FIELDS,
    FIELDS_BY_NAME,
    FIGURE_KEY,
    NO_LICENCE,
    SOURCE_EXPORT_FIELDS,
    Field,
)
from reports.model.selection import Selection
from reports.publish.spreadsheet import SOURCES_SHEET
from reports.query.buildinfo import atlas_build
from reports.query.figures import SOURCE_COLUMNS
from reports.store.database import Store

PACKAGE_NAME = "datapackage.json"

SOURCE_FIELDS = {f.name: f for f in DOCUMENT_FIELDS + SOURCE_EXPORT_FIELDS}
FORMAT_MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "xlsx": MEDIA_TYPES[".xlsx"],
                      "parquet": MEDIA_TYPES[".parquet"]}


def table_schema(columns: list[str], fields: dict[str, Field], primary_key: list[str] | None = None) -> dict:
    """A Table Schema for these columns, in order, with the types, descriptions and constraints declared for them."""
    schema_fields = []
    for column in columns:
        declared = fields.get(column) or Field(column, "string", f"Column {column}.", required=False)
        entry = {"name": column, "type": declared.type, "description": declared.description}
        if declared.constraints():
            entry["constraints"] = declared.constraints()
        schema_fields.append(entry)
    schema = {"fields": schema_fields, "missingValues": [""]}
    if primary_key:
        schema["primaryKey"] = primary_key
    return schema


def package_name(text: str) -> str:
    """A Data Package name: lowercase letters, digits, '-', '.', '_'."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "export"


def package_sources(sources: list[dict]) -> list[dict]:
    """One Data Package source per document (`figures.sources_of`): title, URL, publisher, licence as stated,
    edition and sha256."""
    out = []
    for doc in sources:
        entry = {
            "title": f"{doc['publisher']}: {doc['title']}" + (f", edition {doc['edition']}" if doc["edition"] else "")
                     + f" ({doc['name']})",
            "path": doc["source_url"],
            "publisher": doc["publisher"],
            "source": doc["source"],
            "license": doc["license"],
            "sha256": doc["sha256"],
            "edition": doc["edition"],
        }
        licences = known_licences(doc["license_as_stated"])
        if licences:
            entry["licenses"] = licences
        out.append(entry)
    return out


def shared_licences(sources: list[dict]) -> list[dict]:
    """The licences every document states, when they all state the same recognised ones; else none is claimed."""
    licences = {json.dumps(known_licences(doc["license_as_stated"]), sort_keys=True) for doc in sources}
    return json.loads(licences.pop()) if len(licences) == 1 else []


def licence_note(sources: list[dict]) -> str:
    """A sentence on licences: each source's own, and which stated none."""
    stated = sorted({f"{s['publisher']} ({s['license']})" for s in sources if s["license"] != NO_LICENCE})
    unstated = sorted({s["publisher"] for s in sources if s["license"] == NO_LICENCE})
    parts = []
    if stated:
        parts.append("Licences as stated by their sources: " + "; ".join(stated) + ".")
    if unstated:
        parts.append(f"{', '.join(unstated)} stated no licence: figures are republished as facts with citation, and "
                     "no licence is claimed for them.")
    return " ".join(parts) + " Each figure carries its source's licence in the `license` column."


def resource(name: str, path: Path, fmt: str, schema: dict, sha256: str, *, sheet: str | None = None) -> dict:
    """A tabular resource for a data file, with its sha256 and size."""
    entry = {"name": name, "type": "table", "path": path.name, "format": fmt, "mediatype": FORMAT_MEDIA_TYPES[fmt],
             "hash": f"sha256:{sha256}", "schema": schema}
    # frictionless measures the bytes of the files it streams (CSV, XLSX) and reports the size of others as
    # missing, so `bytes` is given only where it can be checked; the sha256 is always given.
    if fmt in ("csv", "xlsx"):
        entry["bytes"] = path.stat().st_size
    if fmt in ("csv", "json"):
        entry["encoding"] = "utf-8"
    if sheet:
        entry["dialect"] = {"excel": {"sheet": sheet}}
    return entry


def descriptor(store: Store, out: Path, fmt: str, columns: list[str], rows: int, unmapped: bool,
               sources: list[dict], selection: Selection, sha256: str | None = None) -> dict:
    """The Data Package descriptor of one export: its `columns`, its `rows` figures, whether any measure is unmapped
    (and the data file's sha256, where its writer computed it)."""
    sha256 = sha256 or sha256_file(out)
    build = atlas_build(store)
    # An unmapped measure is told apart by its label (reports.schema.figure_keys).
    key = FIGURE_KEY + (["metric_label"] if unmapped else [])
    observations = resource("observations", out, fmt, table_schema(list(columns), FIELDS_BY_NAME, key), sha256,
                            sheet="data" if fmt == "xlsx" else None)
    observations["description"] = ("Latest published figures (newest edition of each), in the atlas's common "
                                   "schema: the contract columns first, then license, then extras.")
    resources = [observations]
    if fmt == "xlsx":
        documents = resource("sources", out, fmt, table_schema(SOURCE_COLUMNS, SOURCE_FIELDS, ["sha256"]),
                             sha256, sheet=SOURCES_SHEET)
        documents["description"] = "The documents the figures were read from: URL, sha256, publisher, licence, dates."
        resources.append(documents)
    package = {
        "name": package_name(f"transparency-atlas-{out.stem}"),
        "title": f"Transparency Atlas export: {selection.describe()}",
        "description": (f"{rows} figure(s) from {len(sources)} published document(s), exported from the "
                        f"Transparency Atlas ({build['label']}, data as of {build['built']}). " + licence_note(sources)),
        "version": build["version"],
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "keywords": ["content moderation", "transparency reports", "Digital Services Act", "trust and safety"],
        "contributors": [{"title": "Transparency Atlas", "role": "author"}],
        "sources": package_sources(sources),
        "resources": resources,
        "atlas": {"build": build, "selection": selection.describe()},
    }
    licences = shared_licences(sources)
    if licences:
        package["licenses"] = licences
    return package


def write_package(store: Store, out: Path, fmt: str, columns: list[str], rows: int, unmapped: bool,
                  sources: list[dict], selection: Selection, sha256: str | None = None) -> Path:
    """Write `datapackage.json` beside an export's data file; `<name>.datapackage.json` where the folder's
    `datapackage.json` already describes another export, so one export never takes another's descriptor."""
    path = package_path(out)
    described = descriptor(store, out, fmt, columns, rows, unmapped, sources, selection, sha256)
    with written_in_place_of(path) as partial:
        partial.write_text(json.dumps(described, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@contextmanager
def written_in_place_of(path: Path) -> Iterator[Path]:
    """A new file beside `path` to write in the block; it takes `path`'s place when the block ends without error
    and is removed otherwise, so `path` is always an old file or a new one whole, never half of one. What a killed
    writer on this machine left beside `path` is removed first."""
    host = socket.gethostname()
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.partial"):
        writer = stale.name[len(path.name) + 2:].rsplit("-", 2)
        if len(writer) == 3 and writer[0] == host and writer[1].isdigit() and not _running(int(writer[1])):
            stale.unlink(missing_ok=True)
    partial = path.with_name(f".{path.name}.{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def described_files(descriptor: Path) -> dict[str, str]:
    """{data file name: recorded sha256} of an atlas data package; {} for anything else (or unreadable)."""
    try:
        data = json.loads(descriptor.read_text(encoding="utf-8"))
        return {r["path"]: str(r.get("hash", "")).removeprefix("sha256:") for r in data.get("resources", [])
                if isinstance(r, dict) and isinstance(r.get("path"), str)}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return {}


def package_path(out: Path) -> Path:
    """Where an export's descriptor goes: `datapackage.json`, else `<name>.datapackage.json`: whichever is absent or
    already describes this very data file. A descriptor of anything else is never overwritten."""
    candidates = (out.parent / PACKAGE_NAME, out.parent / f"{out.stem}.{PACKAGE_NAME}")
    for candidate in candidates:
        if not candidate.exists() or out.name in described_files(candidate):
            return candidate
    raise AtlasError(f"both {candidates[0].name} and {candidates[1].name} describe other files; export under "
                     "another name or into another folder", file=out)


def check_output(out: Path, store_path: Path | None) -> set[str]:
    """Refuse to write an export over the store, or over a file that no descriptor beside it describes. Returns
    the sha256s recorded for an existing `out` (empty when there is none): it is replaced only if it still has one of
    them (`confirm_earlier_export`, which may run while the new export is written)."""
    target = out.resolve()
    if store_path is not None and target in {Path(store_path).resolve(), Path(f"{store_path}.wal").resolve()}:
        raise AtlasError("--out is the store itself; export to another file", file=out)
    if not out.exists():
        return set()
    if out.is_dir() or out.is_symlink():
        raise AtlasError("--out is a folder or a link; give a new file name", file=out)
    recorded = {described_files(d).get(out.name)
                for d in (out.parent / PACKAGE_NAME, out.parent / f"{out.stem}.{PACKAGE_NAME}") if d.exists()}
    recorded.discard(None)
    if not recorded:
        raise _not_ours(out)
    return recorded


def confirm_earlier_export(out: Path, recorded: set[str]) -> None:
    """Refuse to replace `out` unless it is an untouched earlier export: its sha256 one its descriptor recorded."""
    if recorded and sha256_file(out) not in recorded:
        raise _not_ours(out)


def _not_ours(out: Path) -> AtlasError:
    return AtlasError("exists and is not an earlier export of the atlas: not overwritten (choose another name, or "
                      "remove it first)", file=out)
