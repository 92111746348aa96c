"""Collect: fetch each source's published files into the snapshot archive, verified, then build from it.

Where a source's files are published is data: `collect.toml` in the source's folder (`collectors/<source>/`), with
  page        the publisher's page for the files (always; shown for manual sources)
  folder      archive folder (default: the registered collector's folder, else the id)
  manual      true when no stable download URL is known: collect names the page instead of guessing
  expect      csv | text | zip | dump | xlsx | pdf | parquet: what the file must look like (HTML error pages,
              re-encoded text, broken ZIPs and PDFs are refused before anything is archived); dump is a ZIP of
              ZIPs as large as a day of the EU DSA Transparency Database
  table_hint  for PDFs: a phrase the page carrying the table prints (the file is refused without it)
  validate    parse each new file with the source's collector before archiving it (default true)
  max_bytes   size cap per file (default 2 GiB)
  publisher, license   for the provenance sidecar: what these files carry (default: the source card's)
  files       fixed URLs: { url, name (used when the server suggests none), date (release date, for --since) }
  daily       a dated release every day: { url (with {date}), checksum (URL with {url}), first, lookback_days,
              max_days }; collect fetches the days after the newest one archived (or the last lookback_days)
Only URLs we are sure of are listed; everything else is manual. `tatlas collect --plan FILE` reads another plan
of the same keys, one `[sources.<source id>]` table per source.
"""
from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from reports.fetch.archive import Archive
from reports.fetch.http import Fetcher, NotPublished, check_content, safe_name
from reports.ingest.collector import Collector
from reports.model.errors import AtlasError, ParseError

PLAN_KEYS = {"page", "folder", "manual", "expect", "table_hint", "validate", "max_bytes", "publisher", "license",
             "files", "daily"}
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """One file to fetch: where from, what it must look like, and where its snapshots go."""

    source: str
    folder: str
    url: str
    name: str = ""
    expect: str = ""
    release_date: str = ""
    checksum_url: str = ""
    table_hint: str = ""
    validate: bool = True
    max_bytes: int | None = None
    optional: bool = False  # a dated release not published yet (404) is expected, not an error
    publisher: str = ""
    license: str = ""


@dataclass(frozen=True)
class SourcePlan:
    id: str
    folder: str
    page: str
    manual: bool
    entry: dict


@dataclass
class CollectSummary:
    """What a collect did, per file, for the user and for tests."""

    new: list[str] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_published: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    errors: list[AtlasError] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"collected {len(self.new)} new snapshot(s); {len(self.not_modified)} not modified (304), "
               f"{len(self.unchanged)} unchanged, {len(self.not_published)} not published yet, "
               f"{len(self.errors)} error(s)"]
        out += [f"new: {n}" for n in self.new]
        out += [f"manual: {m}" for m in self.manual]
        out += [f"error: {e}" for e in self.errors]
        return out


def load_plan(path: Path) -> dict[str, dict]:
    """A collect plan file: one `[sources.<source id>]` table per source."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AtlasError(f"unreadable collect plan ({exc})", file=path) from None
    sources = data.get("sources", {})
    for sid, entry in sources.items():
        check_entry(entry, file=path, place=f"[sources.{sid}]")
    return sources


def collectors_plan(collectors: Mapping[str, Collector]) -> dict[str, dict]:
    """The plan the sources declare, each in the `collect.toml` of its folder."""
    plan = {}
    for sid, collector in collectors.items():
        entry = collector.download_plan()
        if entry is not None:
            check_entry(entry, file=collector.folder / "collect.toml", place="")
            plan[sid] = entry
    return plan


def check_entry(entry: dict, *, file: Path, place: str) -> None:
    unknown = set(entry) - PLAN_KEYS
    if unknown:
        raise AtlasError(f"unknown keys {sorted(unknown)}", file=file, place=place or None)
    if not entry.get("page"):
        raise AtlasError("every source needs its `page`", file=file, place=place or None)


def source_plans(plan: Mapping[str, dict], collectors: Mapping[str, Collector],
                 only: list[str] | None = None) -> list[SourcePlan]:
    """The sources to collect, each with its archive folder (the plan's, else the registered collector's)."""
    unknown = [s for s in only or [] if s not in plan]
    if unknown:
        raise AtlasError(f"no collect plan for {', '.join(unknown)}; known: {', '.join(sorted(plan))}")
    plans = []
    for sid, entry in plan.items():
        if only and sid not in only:
            continue
        folder = entry.get("folder") or (collectors[sid].folder_names[0] if sid in collectors else sid)
        plans.append(SourcePlan(sid, safe_name(folder), entry["page"], bool(entry.get("manual")), entry))
    return plans


def targets(source: SourcePlan, archive: Archive, *, since: date | None = None,
            today: date | None = None) -> list[Target]:
    """The files to fetch for one source now: its fixed URLs and the dated releases not archived yet."""
    entry = source.entry
    common = dict(source=source.id, folder=source.folder, expect=entry.get("expect", ""),
                  table_hint=entry.get("table_hint", ""), validate=entry.get("validate", True),
                  max_bytes=entry.get("max_bytes"), publisher=entry.get("publisher", ""),
                  license=entry.get("license", ""))
    found = []
    for item in entry.get("files", []):
        released = str(item.get("date", ""))
        if since and released and date.fromisoformat(released) < since:
            continue
        found.append(Target(url=item["url"], name=item.get("name", ""), release_date=released,
                            checksum_url=item.get("checksum", ""), **common))
    daily = entry.get("daily")
    if daily:
        for day in _days(daily, archive.latest_date(source.folder), since=since, today=today or date.today()):
            url = daily["url"].format(date=day.isoformat())
            checksum = daily.get("checksum", "").format(url=url, date=day.isoformat())
            found.append(Target(url=url, release_date=day.isoformat(), checksum_url=checksum, optional=True, **common))
    return found


def _days(daily: dict, newest: str, *, since: date | None, today: date) -> list[date]:
    """Days to try: from --since, else the day after the newest archived, else the last lookback_days."""
    first = date.fromisoformat(daily["first"])
    last = today - timedelta(days=1)  # today's dump is published tomorrow
    if since:
        start = since
    elif newest:
        start = date.fromisoformat(newest) + timedelta(days=1)
    else:
        start = last - timedelta(days=int(daily.get("lookback_days", 1)) - 1)
    start = max(start, first)
    days = [start + timedelta(days=n) for n in range((last - start).days + 1)]
    return days[: int(daily.get("max_days", 7))]


def collect(archive: Archive, plans: list[SourcePlan], fetcher: Fetcher, collectors: Mapping[str, Collector], *,
            since: date | None = None, today: date | None = None,
            progress: Progress = lambda message: None) -> CollectSummary:
    """Fetch every target of every planned source into the archive; one failure never stops the others."""
    summary = CollectSummary()
    for left in archive.clean_leftovers():
        progress(f"removed {left} (left by an interrupted collect)")
    for source in plans:
        if source.manual:
            summary.manual.append(f"{source.id}: no stable download link; download from {source.page} into "
                                  f"{archive.root / source.folder}/ (or pass the folder to `tatlas build --sources`)")
            continue
        for target in targets(source, archive, since=since, today=today):
            progress(f"[{source.id}] {target.url}")
            try:
                outcome, label = fetch_target(target, archive, fetcher, collectors.get(source.id))
            except NotPublished as exc:
                if target.optional:
                    summary.not_published.append(target.url)
                    continue
                summary.errors.append(exc)
                continue
            except AtlasError as exc:
                exc.source = exc.source or source.id
                summary.errors.append(exc)
                continue
            getattr(summary, outcome).append(label)
    return summary


def fetch_target(target: Target, archive: Archive, fetcher: Fetcher, collector: Collector | None) -> tuple[str, str]:
    """Download one file into a staging folder, verify it, and make it a snapshot: (outcome, description)."""
    known = archive.validators(target.url)
    with archive.staging(target.folder) as stage:
        fetched = fetcher.get(target.url, stage / ".download", etag=known.get("etag", ""),
                              last_modified=known.get("last_modified", ""), max_bytes=target.max_bytes,
                              source=target.source)
        if fetched.not_modified:
            return "not_modified", target.url
        name = safe_name(fetched.filename if "." in fetched.filename else "") or safe_name(target.name) \
            or f"{target.source}{_suffix(target.expect)}"
        staged = stage / name
        fetched.path.rename(staged)
        label = f"{name} from {target.url}"
        validators = {"etag": fetched.etag, "last_modified": fetched.last_modified, "sha256": fetched.sha256}
        held = archive.find(target.folder, fetched.sha256)
        if held is not None:
            archive.remember(target.url, validators)
            return "unchanged", f"{target.url} (same bytes as {held.relative_to(archive.root)})"
        check_content(staged, target.expect, label=label, source=target.source, table_hint=target.table_hint)
        if target.checksum_url:
            verify_checksum(staged, target, fetcher, stage, label)
        if collector is not None and target.validate:
            validate_with_collector(staged, collector, label)
        provenance = _provenance(target, fetched, name, collector)
        path, created = archive.commit(staged, target.folder, provenance)
        archive.remember(target.url, validators)
        if not created:
            return "unchanged", f"{target.url} (same bytes as {path.relative_to(archive.root)})"
        return "new", str(path.relative_to(archive.root))


def verify_checksum(path: Path, target: Target, fetcher: Fetcher, stage: Path, label: str) -> None:
    """Compare the file with the digest the publisher put beside it (`<hex>  <name>`; SHA-1 or SHA-256)."""
    text = fetcher.get_small(target.checksum_url, stage / ".checksum", source=target.source)
    (stage / ".checksum").unlink()  # the staging folder becomes the snapshot: only the file and its sidecar stay
    words = text.decode("ascii", errors="replace").split()
    expected = words[0].lower() if words else ""
    algorithm = {40: "sha1", 64: "sha256"}.get(len(expected))
    if algorithm is None:
        raise ParseError(f"unreadable checksum file ({text[:60]!r})", file=target.checksum_url, source=target.source)
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise ParseError(f"checksum mismatch: {target.checksum_url} says {algorithm} {expected}, the download is "
                         f"{digest.hexdigest()}", file=label, source=target.source)


def validate_with_collector(path: Path, collector: Collector, label: str) -> None:
    """Parse a new file as the build will, so a file the build would refuse never enters the archive."""
    from reports.ingest.build import _finish, _parse
    from reports.ingest.register import register

    if collector.bundles([path]) != [[path]]:
        return  # read together with other files: the build checks it in its bundle
    try:
        doc = register(path, collector.card)
        result = _parse(collector, [doc])
        _finish(result.observations, collector.id, [doc])
    except AtlasError as exc:
        if exc.file and Path(exc.file).name == path.name:
            exc.file = label  # name the published file and URL, not the staging folder
        exc.source = exc.source or collector.id
        raise


def _provenance(target: Target, fetched, name: str, collector: Collector | None) -> dict:
    """The sidecar: what was fetched, from where, when, and under which licence."""
    # The plan names what these particular files carry; the source card covers the source as a whole.
    card = collector.card if collector is not None else None
    publisher, license_ = (card.publisher, card.license) if card is not None else ("", "")
    publisher, license_ = target.publisher or publisher, target.license or license_
    return {
        "url": target.url, "final_url": fetched.final_url, "redirects": fetched.redirects,
        "retrieved_at": fetched.retrieved_at, "status": fetched.status, "content_type": fetched.content_type,
        "bytes": fetched.size, "sha256": fetched.sha256, "etag": fetched.etag, "last_modified": fetched.last_modified,
        "license": license_, "publisher": publisher,
        "source": target.source, "name": name, "release_date": target.release_date, "attempts": fetched.attempts,
    }


def _suffix(expect: str) -> str:
    return {"csv": ".csv", "zip": ".zip", "xlsx": ".xlsx", "pdf": ".pdf", "parquet": ".parquet",
            "json": ".json", "dump": ".zip"}.get(expect, ".bin")


def describe(plans: list[SourcePlan], archive: Archive, *, since: date | None = None,
             today: date | None = None) -> list[str]:
    """What a collect would do (for --dry-run): no network, no writes."""
    lines = []
    for source in plans:
        if source.manual:
            lines.append(f"{source.id}: manual; download from {source.page}")
            continue
        for target in targets(source, archive, since=since, today=today):
            known = archive.validators(target.url)
            conditional = ", ".join(f"{h}: {known[k]}" for h, k in (("If-None-Match", "etag"),
                                                                    ("If-Modified-Since", "last_modified")) if known.get(k))
            lines.append(f"{source.id}: GET {target.url} -> {archive.root / source.folder}/"
                         f"{' (' + conditional + ')' if conditional else ''}"
                         f"{'; verify ' + target.checksum_url if target.checksum_url else ''}")
    return lines
