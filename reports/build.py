"""Build: find the published files under a folder, parse each with its collector, and store the figures."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reports.collector import Collector
from reports.documents import SIDECAR_SUFFIX, register
from reports.errors import AtlasError, ParseError, ValidationError
from reports.schema import FIGURE_KEY, validate
from reports.store import Store, writing

Progress = Callable[[str], None]


@dataclass
class BuildSummary:
    """What a build did, for the user and for tests."""

    parsed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    observations: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unclaimed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"parsed {len(self.parsed)} document(s), {self.observations} observation(s); "
               f"{len(self.unchanged)} unchanged document(s) skipped"]
        if self.skipped:
            out.append(f"{len(self.skipped)} row(s) not imported:")
            out += [f"  {name} {locator}: {reason}" for name, locator, reason in self.skipped[:50]]
            if len(self.skipped) > 50:
                out.append(f"  ... and {len(self.skipped) - 50} more")
        out += [f"note: {n}" for n in self.notes]
        if self.unclaimed:
            out.append(f"{len(self.unclaimed)} file(s) no collector reads: " + ", ".join(self.unclaimed[:10]))
        return out


def discover(root: Path, collectors: Mapping[str, Collector]) -> dict[str, list[Path]]:
    """Assign every file under root to a collector: by a folder named after it, else by content."""
    claimed: dict[str, list[Path]] = {cid: [] for cid in collectors}
    root = Path(root)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        if path.name.endswith(SIDECAR_SUFFIX) or path.name.startswith(".") or path.suffix.lower() in (".md",):
            continue
        folders = path.relative_to(root).parts[:-1] if root.is_dir() else ()
        if any(part.startswith(".") for part in folders):  # hidden folders: e.g. a collect still staging a file
            continue
        # The outermost folder that names a source wins: `dsa-reports/x/` belongs to dsa-report, not to x.
        owner = next((cid for part in folders for cid, c in collectors.items() if part in c.folder_names), None)
        if owner and any(path.match(p) for p in collectors[owner].patterns):
            claimed[owner].append(path)
            continue
        if owner:
            continue
        owner = next((cid for cid, c in collectors.items() if c.sniff(path)), None)
        claimed.setdefault(owner or "", []).append(path)
    for cid, collector in collectors.items():
        claimed[cid] += [p for p in collector.builtin_files() if p not in claimed[cid]]
    return claimed


def build(root: Path, db: Path, collectors: Mapping[str, Collector], *, only: list[str] | None = None,
          progress: Progress = lambda message: None) -> BuildSummary:
    """Parse every new or changed document under root into the store at db, atomically."""
    root = Path(root)
    if not root.exists():
        raise AtlasError("no such folder", file=root)
    summary = BuildSummary()
    assigned = discover(root, collectors)
    summary.unclaimed = [_relative(p, root) for p in assigned.pop("", [])]
    with writing(db) as store:
        for cid, files in assigned.items():
            if not files or (only and cid not in only):
                continue
            collector = collectors[cid]
            fingerprint = collector.fingerprint()
            bundles = collector.bundles(files)
            for number, bundle in enumerate(bundles, start=1):
                names = ", ".join(p.name for p in bundle)
                docs = [register(p, cid) for p in bundle]
                known = [store.known_document(d.sha256) for d in docs]
                if all(k is not None and k["fingerprint"] == fingerprint for k in known):
                    summary.unchanged.append(names)
                    continue
                progress(f"[{cid} {number}/{len(bundles)}] {names}")
                result = _parse(collector, docs)
                df = _finish(result.observations, cid, docs)
                for doc in docs:
                    rel = _relative(doc.path, root)
                    doc_notes = [n for n in result.notes if doc.name in n] or (result.notes if len(docs) == 1 else [])
                    store.add_document(doc, relative_path=rel, fingerprint=fingerprint,
                                       meta=result.document_meta.get(doc.sha256), notes=doc_notes)
                store.add_observations(df)
                skipped = [(s.document_sha256, s.locator, s.reason) for s in result.skipped]
                store.add_skipped(skipped)
                by_sha = {d.sha256: d.name for d in docs}
                summary.skipped += [(by_sha.get(s, s[:12]), loc, why) for s, loc, why in skipped]
                summary.notes += result.notes
                summary.parsed.append(names)
                summary.observations += len(df)
        progress("refreshing the latest view")
    return summary


def _relative(path: Path, root: Path) -> str:
    """A document's path as recorded: relative to the sources folder, or to the repo for built-in files."""
    from reports import PACKAGE_DIR

    for base in (root if root.is_dir() else root.parent, PACKAGE_DIR.parent):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return path.name


def _parse(collector: Collector, docs):
    """Run a collector; anything it raises that is not ours becomes a ParseError naming the file."""
    try:
        return collector.parse(docs)
    except AtlasError:
        raise
    except Exception as exc:  # a parser bug or a malformed file: name the file, keep the cause
        raise ParseError(f"{type(exc).__name__}: {exc}", file=docs[0].path, source=collector.id) from exc


def _finish(df: pd.DataFrame, source: str, docs) -> pd.DataFrame:
    """Fill source, document and URL; validate; refuse one figure printed twice with two values."""
    df = df.copy()
    df["source"] = source
    if len(docs) == 1:
        doc = docs[0]
        df["document_sha256"] = df["document_sha256"].replace("", doc.sha256).fillna(doc.sha256)
    urls = {d.sha256: d.source_url for d in docs}
    missing_url = df["source_url"].fillna("") == ""
    df.loc[missing_url, "source_url"] = df.loc[missing_url, "document_sha256"].map(urls)
    file = ", ".join(str(d.path) for d in docs)
    df = validate(df, file=file, source=source)
    df = df.drop_duplicates(subset=FIGURE_KEY + ["value", "document_sha256"])
    clash = df[df.duplicated(subset=FIGURE_KEY + ["document_sha256"], keep=False)]
    if not clash.empty:
        first = clash.iloc[0]
        where = ", ".join(clash[(clash[FIGURE_KEY] == first[FIGURE_KEY]).all(axis=1)]["locator"].head(4))
        raise ValidationError(f"one figure printed with different values at {where}: "
                              f"{first['metric_label']} / {first['policy_label']} / {first['period']}",
                              file=file, source=source)
    return df


def store_parsed(db: Path, doc, observations: pd.DataFrame, *, relative_path: str, fingerprint: str,
                 meta: dict | None = None, notes: list[str] | None = None) -> None:
    """Add one parsed document and its observations atomically: a crash leaves the store as it was."""
    with writing(db) as store:
        store.add_document(doc, relative_path=relative_path, fingerprint=fingerprint, meta=meta, notes=notes)
        store.add_observations(observations)


def stored_with_note(db: Path, source: str, name: str, note: str) -> bool:
    """Whether the store holds a document of this source and name whose notes start with `note`."""
    if not Path(db).exists():
        return False
    with Store(Path(db), read_only=True) as store:
        return bool(store.con.execute("SELECT count(*) FROM documents WHERE source = ? AND name = ? "
                                      "AND starts_with(notes, ?)", [source, name, note]).fetchone()[0])
