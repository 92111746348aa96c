"""Build: find the published files under a folder, parse each with its collector, and store the figures.

Each document (or bundle read together, such as the CSV parts of one DSA report) is parsed and stored on its own,
in one transaction: a document that cannot be read is reported with its file, place and reason, and leaves its
previous version in the store exactly as it was, while every other document is stored.
"""
from __future__ import annotations

import errno
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from reports.ingest.collector import Collector, ParseResult
from reports.ingest.discover import discover
from reports.ingest.handoff import Handed, handoff_folder
from reports.ingest.parallel import WORKER_PRELOAD, in_order, ready_together, workers_for
from reports.ingest.register import register
from reports.model.documents import Document
from reports.model.errors import AtlasError, ParseError, StoreError, ValidationError
from reports.model.numbers import FOOTNOTED, TEXT
from reports.model.schema import FIGURE_KEY, figure_keys, validate
from reports.model.vocab import Unmapped, slugify
from reports.store.database import Bundle, Store, figures_table, writing

Progress = Callable[[str], None]


@dataclass
class UnmappedFound:
    """An unmapped label as the build reports it: the label, how many figures carry it, the first place."""

    label: Unmapped
    document: str
    figures: int
    first_locator: str

    def line(self) -> str:
        u = self.label
        figures = f"{self.figures} figure(s)" if self.figures else "figures not traced to it"
        return (f"  {u.source} {u.field} {u.label!r}: {figures}, first at {self.document} "
                f"{self.first_locator or u.place}; map it with `{u.suggestion}` in {u.mapping_file}")


@dataclass
class BuildSummary:
    """What a build did, for the user and for tests."""

    parsed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    observations: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unclaimed: list[str] = field(default_factory=list)
    # Documents that could not be read: (file names, the error naming file and place).
    failed: list[tuple[str, str]] = field(default_factory=list)
    unmapped: list[UnmappedFound] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def tell_in_order(self, found_order: dict[str, int]) -> None:
        """List the documents in the order the build found them (it reads the largest first), given each file
        name's place in that order."""
        def place(names: str) -> int:
            return found_order.get(names.split(", ")[0], len(found_order))

        self.parsed.sort(key=place)
        self.failed.sort(key=lambda failure: place(failure[0]))
        self.skipped.sort(key=lambda row: place(row[0]))
        self.unmapped.sort(key=lambda found: place(found.document))

    def lines(self) -> list[str]:
        out = [f"parsed {len(self.parsed)} document(s), {self.observations} observation(s); "
               f"{len(self.unchanged)} unchanged document(s) skipped"]
        if self.skipped:
            out.append(f"{len(self.skipped)} row(s) not imported:")
            out += [f"  {name} {locator}: {reason}" for name, locator, reason in self.skipped[:50]]
            if len(self.skipped) > 50:
                out.append(f"  ... and {len(self.skipped) - 50} more")
        if self.unmapped:
            out.append(f"{len(self.unmapped)} label(s) no mapping covers yet (imported verbatim as not yet "
                       "harmonised: policy_area UNMAPPED / metric unmapped):")
            out += [u.line() for u in self.unmapped]
        out += [f"note: {n}" for n in self.notes]
        if self.unclaimed:
            out.append(f"{len(self.unclaimed)} file(s) not read:")
            out += [f"  {u}" for u in self.unclaimed[:50]]
        if self.failed:
            out.append(f"{len(self.failed)} document(s) FAILED and were not stored (any earlier version is kept):")
            out += [f"  {error}" for _, error in self.failed]
        return out


def build(root: Path, db: Path, collectors: Mapping[str, Collector], *, only: list[str] | None = None,
          strict: bool = False, progress: Progress = lambda message: None) -> BuildSummary:
    """Parse every new or changed document under root into the store at db, each document atomically.

    With `strict`, a document holding a label no mapping covers is refused (and named with all its labels)."""
    root = Path(root)
    if not root.exists():
        raise AtlasError("no such folder", file=root)
    summary = BuildSummary()
    unread: dict[Path, str] = {}
    assigned = discover(root, collectors, unread)
    summary.unclaimed = [f"{_relative(p, root)} ({unread.get(p, 'no collector reads it')})" for p in assigned.pop("", [])]
    with writing(db) as store:
        fingerprints = store.fingerprints()
        jobs = []
        for cid, files in assigned.items():
            if not files or (only and cid not in only):
                continue
            collector = collectors[cid]
            fingerprint = collector.fingerprint()  # once a build: it reads the source's mappings
            bundles = collector.bundles(files)
            for number, bundle in enumerate(bundles, start=1):
                job = Job(collector, fingerprint, bundle, f"[{cid} {number}/{len(bundles)}] ")
                with _failures(job, summary, db, progress):
                    job.docs = [register(p, collector.card) for p in bundle]
                    if _unchanged(fingerprints, job):
                        summary.unchanged.append(job.names)
                    else:
                        jobs.append(job)
        # The largest first (a stable sort: equals keep their order), so that the longest reads do not trail
        # behind the rest with the workers idle; parsed in worker processes where there are enough, stored here
        # in that order, those parsed by then together.
        found_order = {path.name: n for n, job in enumerate(jobs) for path in job.bundle}
        jobs.sort(key=lambda job: -sum(doc.size for doc in job.docs))
        workers = workers_for(len(jobs))
        with handoff_folder() as folder:  # where workers leave the figures they read, for this process to map
            reads = in_order(read_bundle, [(j.collector, j.docs, strict, folder if workers else None) for j in jobs],
                             workers, preload=WORKER_PRELOAD)
            for group in ready_together(zip(jobs, reads, strict=True)):
                _store_group(store, group, root, summary, db, progress)
        summary.tell_in_order(found_order)
    return summary


@dataclass
class Job:
    """A bundle of documents to read with its collector (as of this build's fingerprint of it)."""

    collector: Collector
    fingerprint: str
    bundle: list[Path]
    prefix: str  # where it is in the build, for progress messages
    docs: list[Document] = field(default_factory=list)  # the bundle's files registered (sha256, provenance)

    @property
    def names(self) -> str:
        return ", ".join(p.name for p in self.bundle)


@contextmanager
def _failures(job: Job, summary: BuildSummary, db: Path, progress: Progress) -> Iterator[None]:
    """A bundle that cannot be read is listed as failed and the build goes on; a store that cannot be written
    stops it, keeping every document stored before."""
    names = job.names
    try:
        yield
    except AtlasError as exc:
        summary.failed.append((names, str(exc)))
        progress(f"FAILED {names}: {exc}")
    except duckdb.Error as exc:  # the store refused the write (a full disk, a damaged file)
        raise StoreError(f"cannot write the store while storing {names} ({_short(exc)}); nothing of "
                         "that document was stored, and every document before it is", file=db) from None
    except OSError as exc:  # the disk (full, gone) or the file (unreadable) while reading a document
        if exc.errno == errno.ENOSPC:
            raise StoreError(f"no space left on the device while building ({names}); every document "
                             "stored before it is kept", file=db) from None
        summary.failed.append((names, f"{names}: cannot read ({exc.strerror or exc})"))


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _unchanged(fingerprints: dict[str, str], job: Job) -> bool:
    """Whether the store holds every document of the bundle (its fingerprints by sha256), read with this very
    collector and mappings."""
    return all(fingerprints.get(doc.sha256) == job.fingerprint for doc in job.docs)


@dataclass
class Read:
    """A bundle parsed and checked against the schema, ready to store (what a worker process hands back): its
    figures as an Arrow table, handed over in a file when read in a worker."""

    docs: list[Document]
    figures: Handed
    found: list[UnmappedFound]
    notes: list[str]
    document_meta: dict
    skipped: list
    printed_notes: list[str]  # figures printed as words, or with a footnote mark (`text_notes`): told, not stored


def read_bundle(collector: Collector, docs: list[Document], strict: bool, folder: Path | None = None) -> Read:
    """Parse one bundle's documents and check them (run in a worker process, which hands the figures over in a file
    in `folder`, or here); raise an AtlasError naming the file when they cannot be read or, with `strict`, when they
    hold a label no mapping covers."""
    result = _parse(collector, docs)
    df = _finish(result.observations, collector.id, docs)
    found = unmapped_found(result, df, docs)
    if strict and found:
        listed = "; ".join(f"{u.label.field} {u.label.label!r} ({u.figures} figure(s), first at "
                           f"{u.first_locator or u.label.place})" for u in found)
        raise ParseError(f"--strict: {len(found)} label(s) no mapping covers: {listed}",
                         file=", ".join(str(d.path) for d in docs), source=collector.id)
    return Read(docs, Handed(figures_table(df), folder), found, result.notes, result.document_meta, result.skipped,
                text_notes(df, ", ".join(d.name for d in docs)))


def _store_group(store: Store, group: list, root: Path, summary: BuildSummary, db: Path, progress: Progress) -> None:
    """Store the bundles of a group (one waited for, and those read by then) in one transaction; one that could not
    be read is listed as failed on its own. Where the store refuses the group's write, each bundle is stored on its
    own, so that the one it refuses is named and those before it are kept."""
    ready: list[tuple[Job, Read]] = []
    for job, read in group:
        with _failures(job, summary, db, progress):
            progress(job.prefix + job.names)
            ready.append((job, read.result()))
    if len(ready) > 1:
        try:
            store.replace_bundles([_bundle(job, read, root) for job, read in ready])
        except duckdb.Error:
            pass  # rolled back whole: stored one by one below
        else:
            for job, read in ready:
                _summarise(summary, job, read)
            return
    for job, read in ready:
        with _failures(job, summary, db, progress):
            store.replace_bundles([_bundle(job, read, root)])
            _summarise(summary, job, read)


def _bundle(job: Job, read: Read, root: Path) -> Bundle:
    """A read bundle as the store takes it."""
    docs = read.docs
    entries = []
    for doc in docs:
        doc_notes = [n for n in read.notes if doc.name in n] or (read.notes if len(docs) == 1 else [])
        entries.append({"doc": doc, "relative_path": _relative(doc.path, root), "fingerprint": job.fingerprint,
                        "meta": read.document_meta.get(doc.sha256), "notes": doc_notes})
    skipped = [(s.document_sha256, s.locator, s.reason) for s in read.skipped]
    by_name = {d.name: d.sha256 for d in docs}
    unmapped_rows = [{"document_sha256": by_name.get(u.document, docs[0].sha256), "source": u.label.source,
                      "field": u.label.field, "label": u.label.label, "figures": u.figures,
                      "first_place": u.label.place, "first_locator": u.first_locator,
                      "mapping_file": u.label.mapping_file, "suggestion": u.label.suggestion} for u in read.found]
    return Bundle(entries, read.figures.table(), job.collector.card, skipped, unmapped_rows)


def _summarise(summary: BuildSummary, job: Job, read: Read) -> None:
    """Tell the summary of a stored bundle."""
    by_sha = {d.sha256: d.name for d in read.docs}
    summary.skipped += [(by_sha.get(s.document_sha256, s.document_sha256[:12]), s.locator, s.reason)
                        for s in read.skipped]
    summary.notes += read.notes + read.printed_notes
    summary.unmapped += read.found
    summary.parsed.append(job.names)
    summary.observations += read.figures.rows


def text_notes(df: pd.DataFrame, names: str) -> list[str]:
    """A note for figures printed as words where a number was expected (kept verbatim, value empty), and one for
    figures printed with a footnote mark (read, the mark kept): what the footnote says is in the publication."""
    notes = []
    for qualifier, what in ((TEXT, "printed as words where a number was expected (kept in value_text, value empty, "
                                   "qualifier text)"),
                            (FOOTNOTED, "printed with a footnote mark (the number read, the mark kept in value_text, "
                                        "qualifier footnoted: the publication's footnote says what it means)")):
        marked = df[df["qualifier"] == qualifier]
        if not marked.empty:
            first = marked.iloc[0]
            notes.append(f"{names}: {len(marked)} figure(s) {what}, e.g. {first['locator']}: "
                         f"{first['value_text'][:120]!r}")
    return notes


def unmapped_found(result: ParseResult, df: pd.DataFrame, docs) -> list[UnmappedFound]:
    """Each unmapped label with the figures that carry it: its words as the policy or metric label, its slug as the
    platform, or its text in the locator."""
    out = []
    if not result.unmapped:
        return out
    names = {d.sha256: d.name for d in docs}
    lower = {c: df[c].str.casefold() for c in ("policy_label", "metric_label", "locator", "breakdown")}
    for u in result.unmapped:
        text = u.label.casefold()
        carries = (lower["policy_label"] == text) | (lower["metric_label"] == text)
        if not carries.any():
            carries = lower["locator"].str.contains(text, regex=False) | lower["breakdown"].str.contains(text, regex=False)
        separator = next((s for s in (" / ", " | ") if s in text), None)
        if not carries.any() and separator:  # looked up as 'group / label' (Discord's 'table / column', X's 'kind | column')
            group, _, last = text.rpartition(separator)
            carries = (((lower["metric_label"] == last) | (lower["policy_label"] == last))
                       & lower["locator"].str.contains(group, regex=False))
        if not carries.any():  # a service or organisation we do not list: its slug is the platform
            carries = df["platform"] == slugify(u.label)
        hits = df[carries]
        first = hits.iloc[0] if len(hits) else None
        document = names.get(first["document_sha256"], "") if first is not None else _file_name(u.file, docs)
        out.append(UnmappedFound(u, document, len(hits), first["locator"] if first is not None else ""))
    return out


def _file_name(file: str, docs) -> str:
    return next((d.name for d in docs if d.name in file), docs[0].name if docs else "")


def _relative(path: Path, root: Path) -> str:
    """A document's path as recorded: relative to the sources folder, or to the repo for built-in files."""
    from reports import PACKAGE_DIR

    for base in (root if root.is_dir() else root.parent, PACKAGE_DIR.parent):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return path.name


def _parse(collector: Collector, docs) -> ParseResult:
    """Run a collector; anything it raises that is not ours becomes a ParseError naming the file."""
    try:
        return collector.read(docs)
    except AtlasError:
        raise
    except Exception as exc:  # a parser bug or a malformed file: name the file, keep the cause
        raise ParseError(f"{type(exc).__name__}: {exc}", file=docs[0].path, source=collector.id) from exc


def _finish(df: pd.DataFrame, source: str, docs) -> pd.DataFrame:
    """Fill source, document and URL; validate; refuse one figure printed twice with two values."""
    df = df.copy()
    df["source"] = source
    if len(docs) == 1:
        df["document_sha256"] = _filled(df["document_sha256"], docs[0].sha256)
    urls = {d.sha256: d.source_url for d in docs}
    df["source_url"] = _filled(df["source_url"], urls[docs[0].sha256] if len(docs) == 1 else None,
                               lambda: df["document_sha256"].map(urls))
    file = ", ".join(str(d.path) for d in docs)
    df = validate(df, file=file, source=source)
    keys = figure_keys(df).assign(document_sha256=df["document_sha256"])
    repeated = keys.duplicated(keep=False)
    if not repeated.any():  # most documents print each figure once
        return df
    printed_again = pd.concat([keys, df["value"]], axis=1).duplicated()  # the same figure, the same value: once
    df, keys = df[~printed_again], keys[~printed_again]
    clash = df[keys.duplicated(keep=False)]
    if not clash.empty:
        first = clash.iloc[0]
        where = ", ".join(clash[(clash[FIGURE_KEY] == first[FIGURE_KEY]).all(axis=1)]["locator"].head(4))
        raise ValidationError(f"one figure printed with different values at {where}: "
                              f"{first['metric_label']} / {first['policy_label']} / {first['period']}",
                              file=file, source=source)
    return df


def _filled(given: pd.Series, value, values: Callable[[], pd.Series] | None = None) -> pd.Series:
    """`given` where it holds a text, else `value` (or, when None, `values()` row by row)."""
    empty = given.isna() | (given == "")
    if not empty.any():
        return given
    fill = values() if value is None else value
    if empty.all():
        return fill if value is None else pd.Series(value, index=given.index, dtype=given.dtype)
    return given.where(~empty, fill)
