"""The snapshot archive: every downloaded file kept forever, content-addressed, with its provenance.

Layout (so that `tatlas build --sources <archive>` finds each file by its source's folder name):

    <archive>/<source-folder>/<sha256[:16]>/<published name>
    <archive>/<source-folder>/<sha256[:16]>/<published name>.provenance.json
    <archive>/<source-folder>/.staging-<pid>-<random>/       a download in progress (hidden from builds)
    <archive>/.fetch-state.json                             last validators (ETag, Last-Modified) per URL

A snapshot directory appears in one atomic rename of a fully written and fsynced staging directory, so a
crash at any moment leaves either no snapshot or a complete one; an existing snapshot is never touched.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reports import data_home
from reports.ingest.register import SIDECAR_SUFFIX, sha256_file
from reports.model.errors import AtlasError
from reports.store.locks import fsync_path

ENV_VAR = "TATLAS_ARCHIVE"
STATE_FILE = ".fetch-state.json"
STAGING_PREFIX = ".staging-"
PREFIX_LENGTH = 16
SIDECAR_KEYS = ("url", "final_url", "retrieved_at", "status", "content_type", "bytes", "sha256", "license",
                "publisher")


def default_archive_path() -> Path:
    """`$TATLAS_ARCHIVE`, else `$XDG_DATA_HOME/tatlas/archive` (~/.local/share/tatlas/archive)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return data_home() / "archive"


@dataclass(frozen=True)
class Snapshot:
    """One archived file and its provenance."""

    path: Path
    folder: str
    provenance: dict

    @property
    def sha256(self) -> str:
        return self.provenance.get("sha256", "")

    @property
    def url(self) -> str:
        return self.provenance.get("url", "")


class Archive:
    """Read and add snapshots under one root folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    # -- reading ---------------------------------------------------------------------------------
    def snapshots(self) -> list[Snapshot]:
        """Every complete snapshot (a file with its sidecar, in a content-addressed folder)."""
        found = []
        for sidecar in sorted(self.root.glob(f"*/*/*{SIDECAR_SUFFIX}")):
            if sidecar.parent.name.startswith("."):
                continue
            data = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
            try:
                provenance = json.loads(sidecar.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            found.append(Snapshot(data, sidecar.parent.parent.name, provenance))
        return found

    def find(self, folder: str, sha256: str) -> Path | None:
        """The snapshot of these bytes for this source, if we hold it already."""
        directory = self.root / folder / sha256[:PREFIX_LENGTH]
        if not directory.is_dir():
            return None
        for sidecar in directory.glob(f"*{SIDECAR_SUFFIX}"):
            return sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
        return None

    def validators(self, url: str) -> dict:
        """ETag and Last-Modified last seen for a URL: the state file, else the newest snapshot's sidecar."""
        state = self._state().get(url)
        if state:
            return state
        latest = max((s for s in self.snapshots() if s.url == url), key=lambda s: s.provenance.get("retrieved_at", ""),
                     default=None)
        if latest is None:
            return {}
        return {k: latest.provenance.get(k, "") for k in ("etag", "last_modified", "sha256")}

    def latest_date(self, folder: str) -> str:
        """The newest `date` recorded among a source's snapshots (for date-named releases), or ''."""
        dates = [s.provenance.get("release_date", "") for s in self.snapshots() if s.folder == folder]
        return max(dates, default="")

    # -- writing ---------------------------------------------------------------------------------
    @contextmanager
    def staging(self, folder: str) -> Iterator[Path]:
        """A hidden working folder for one download; removed afterwards unless it became a snapshot."""
        directory = self.root / folder / f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        directory.mkdir(parents=True)
        try:
            yield directory
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def commit(self, staged: Path, folder: str, provenance: dict) -> tuple[Path, bool]:
        """Turn a staged file into a snapshot: (path, True), or (existing path, False) when already held."""
        sha = provenance["sha256"]
        existing = self.find(folder, sha)
        if existing is not None:
            return existing, False
        sidecar = staged.with_name(staged.name + SIDECAR_SUFFIX)
        _write_durably(sidecar, json.dumps(provenance, indent=1, sort_keys=True) + "\n")
        fsync_path(staged)
        fsync_path(staged.parent)
        target = self.root / folder / sha[:PREFIX_LENGTH]
        try:
            os.rename(staged.parent, target)  # atomic; fails if a snapshot of these bytes appeared meanwhile
        except OSError:
            found = self.find(folder, sha)
            if found is None:
                raise
            return found, False
        fsync_path(target.parent)
        return target / staged.name, True

    def remember(self, url: str, validators: dict) -> None:
        """Record the validators of a URL's current version for the next conditional GET."""
        state = self._state()
        state[url] = validators
        self.root.mkdir(parents=True, exist_ok=True)
        _write_durably(self.root / STATE_FILE, json.dumps(state, indent=1, sort_keys=True) + "\n")

    def clean_leftovers(self) -> list[Path]:
        """Remove staging folders and temporary files left by an interrupted collect (call under the lock)."""
        removed = []
        for path in self.leftovers():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
        return removed

    def leftovers(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        found = sorted(self.root.glob(f"*/{STAGING_PREFIX}*"))
        found += sorted(self.root.glob(f".{STATE_FILE}.*.tmp"))
        found += sorted(p for p in self.root.glob(f"*/*/.*{SIDECAR_SUFFIX}.*.tmp"))
        return found

    def _state(self) -> dict:
        path = self.root / STATE_FILE
        if not path.exists():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}  # only a cache of validators: losing it costs one full download, never a figure

    # -- checking --------------------------------------------------------------------------------
    def check(self) -> tuple[list[str], list[str]]:
        """(problems, notes): every file must sit in the folder of its sha256 and match its sidecar."""
        problems, notes = [], []
        if not self.root.is_dir():
            return [f"{self.root}: no such archive folder"], notes
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root)
            if any(part.startswith(STAGING_PREFIX) for part in rel.parts) or path.is_dir():
                continue
            if len(rel.parts) == 1:
                if path.name not in (STATE_FILE,) and not path.name.endswith(".lock") and not path.name.startswith("."):
                    problems.append(f"{rel}: a file outside any source folder")
                continue
            if len(rel.parts) != 3:
                problems.append(f"{rel}: not in the <source>/<sha256 prefix>/<name> layout")
                continue
            if path.name.startswith("."):
                problems.append(f"{rel}: a temporary file under a snapshot folder")
                continue
            if path.name.endswith(SIDECAR_SUFFIX):
                if not path.with_name(path.name[: -len(SIDECAR_SUFFIX)]).exists():
                    problems.append(f"{rel}: provenance sidecar without its file")
                continue
            problems += self._check_snapshot(path, rel)
        for left in self.leftovers():
            notes.append(f"{left.relative_to(self.root)}: left by an interrupted collect (the next collect removes it)")
        return problems, notes

    def _check_snapshot(self, path: Path, rel: Path) -> list[str]:
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        if not sidecar.exists():
            return [f"{rel}: no provenance sidecar"]
        try:
            provenance = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            return [f"{rel}{SIDECAR_SUFFIX}: unreadable sidecar ({exc})"]
        problems = []
        missing = [k for k in SIDECAR_KEYS if k not in provenance]
        if missing:
            problems.append(f"{rel}{SIDECAR_SUFFIX}: lacks {', '.join(missing)}")
        sha = sha256_file(path)
        if provenance.get("sha256") != sha:
            problems.append(f"{rel}: sha256 is {sha}, the sidecar says {provenance.get('sha256')}")
        if path.parent.name != sha[:PREFIX_LENGTH]:
            problems.append(f"{rel}: sha256 {sha[:PREFIX_LENGTH]}... does not match its folder {path.parent.name}")
        size = path.stat().st_size
        if provenance.get("bytes") not in (None, size):
            problems.append(f"{rel}: {size} bytes, the sidecar says {provenance.get('bytes')}")
        return problems


def _write_durably(path: Path, text: str) -> None:
    """Write a small file beside its final name, fsync it, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def require_archive(root: Path) -> Archive:
    if not Path(root).is_dir():
        raise AtlasError("no archive here yet; run `tatlas collect` first", file=root)
    return Archive(root)
