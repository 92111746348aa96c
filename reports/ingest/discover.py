"""Which collector reads which file under a sources folder: by a folder named after the source, else by content.
A file no collector reads is listed with the reason, never silently passed over."""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from pathlib import Path

from reports.ingest.collector import Collector
from reports.ingest.register import SIDECAR_SUFFIX
from reports.model.errors import AtlasError


def discover(root: Path, collectors: Mapping[str, Collector],
             unread: dict[Path, str] | None = None) -> dict[str, list[Path]]:
    """Assign every file under root to a collector: by a folder named after it, else by content. Files no
    collector reads are under "" and, when `unread` is given, each with the reason in it."""
    claimed: dict[str, list[Path]] = {cid: [] for cid in collectors}
    root = Path(root)
    paths = [root] if root.is_file() else sorted(root.rglob("*"))
    for path in paths:
        owner, reason = _owner(path, root, collectors)
        if owner is None:
            continue
        claimed.setdefault(owner, []).append(path)
        if reason and unread is not None:
            unread[path] = reason
    for cid, collector in collectors.items():
        claimed[cid] += [p for p in collector.builtin_files() if p not in claimed[cid]]
    return claimed


def _owner(path: Path, root: Path, collectors: Mapping[str, Collector]) -> tuple[str | None, str]:
    """(collector id, "") for a file a collector reads; ("", why) for one none reads; (None, "") to pass over
    (folders, provenance sidecars, hidden files, notes)."""
    folders = path.relative_to(root).parts[:-1] if root.is_dir() else ()
    hidden = path.name.startswith(".") or any(part.startswith(".") for part in folders)  # e.g. a collect staging
    if hidden or path.name.endswith(SIDECAR_SUFFIX) or path.suffix.lower() == ".md":
        return None, ""
    if path.is_symlink():  # a link may lead anywhere on the machine: never followed, always listed
        return "", "a symbolic link: not followed"
    if not path.is_file():
        return None, ""
    # The outermost folder that names a source wins: `dsa-reports/x/` belongs to dsa-report, not to x.
    owner = next((cid for part in folders for cid, c in collectors.items() if part in c.folder_names), None)
    if owner:
        patterns = collectors[owner].patterns
        if any(fnmatch.fnmatch(path.name.lower(), p.lower()) for p in patterns):
            return owner, ""
        return "", f"in {owner}'s folder, but not a file it reads ({', '.join(patterns)})"
    elsewhere = [f"{cid}: {c.read_elsewhere[part]}" for part in folders for cid, c in collectors.items()
                 if part in c.read_elsewhere]
    if elsewhere:
        return "", elsewhere[0]
    # By content: the one source that recognises the file; a file several claim is given to none, and listed.
    owners = [cid for cid, c in collectors.items() if _sniffs(c, path)]
    if len(owners) == 1:
        return owners[0], ""
    return "", f"recognised by several sources ({', '.join(owners)})" if owners else "no collector recognises it"


def _sniffs(collector: Collector, path: Path) -> bool:
    """Whether a collector recognises a file; a file it cannot even sniff is simply not its."""
    try:
        return collector.sniff(path)
    except (AtlasError, OSError, ValueError, LookupError):
        return False
