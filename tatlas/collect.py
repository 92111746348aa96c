"""`tatlas collect` (fetch, snapshot, verify, build) and `tatlas check` (consistency of store and archive)."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from reports.model.errors import AtlasError
from tatlas.cli import db_option, main


def archive_option(func):
    return click.option("--archive", "archive_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Snapshot archive folder (default: $TATLAS_ARCHIVE or ~/.local/share/tatlas/archive).")(func)


@main.command()
@click.option("--source", "sources", multiple=True, help="Collect only this source id (repeatable).")
@click.option("--since", default=None, help="Only releases dated on or after this day (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Show what would be fetched; no network, no writes.")
@click.option("--no-build", is_flag=True, help="Only fetch into the archive; do not build the store.")
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Collect plan (default: each source's collect.toml, the known URLs and discovery rules).")
@archive_option
@db_option
def collect(sources, since, dry_run, no_build, plan_file, archive_dir, db):
    """Fetch new published files into the snapshot archive, verify them, then build the store from it."""
    from collectors import REGISTRY
    from reports.fetch.archive import Archive, default_archive_path
    from reports.fetch.collect import collect as run_collect
    from reports.fetch.collect import collectors_plan, describe, load_plan, source_plans
    from reports.fetch.http import Fetcher
    from reports.ingest.build import build as run_build
    from reports.store.database import resolve_db
    from reports.store.locks import locked

    since_day = _day(since)
    archive = Archive(archive_dir or default_archive_path())
    plan = load_plan(plan_file) if plan_file else collectors_plan(REGISTRY)
    plans = source_plans(plan, REGISTRY, list(sources) or None)
    if dry_run:
        for line in describe(plans, archive, since=since_day):
            click.echo(line)
        return
    path = resolve_db(db)
    say = lambda message: click.echo(message, err=True)  # noqa: E731
    archive.root.mkdir(parents=True, exist_ok=True)
    with locked(path), locked(archive.root / ".collect"):
        fetcher = Fetcher()
        try:
            summary = run_collect(archive, plans, fetcher, REGISTRY, since=since_day, progress=say)
        finally:
            fetcher.close()
        for line in summary.lines():
            click.echo(line)
        if not no_build:
            say(f"building {path} from {archive.root}")
            only = [p.id for p in plans if p.id in REGISTRY]  # the sources just collected
            built = run_build(archive.root, path, REGISTRY, only=only, progress=say)
            for line in built.lines():
                click.echo(line)
            if not built.ok:
                raise AtlasError(f"{len(built.failed)} archived document(s) could not be built (listed above); every "
                                 "other document is stored")
    if summary.errors:
        raise AtlasError(f"{len(summary.errors)} file(s) could not be collected (listed above); everything "
                         "already stored is unchanged")


@main.command()
@archive_option
@db_option
def check(archive_dir, db):
    """Check the store and the archive: documents behind every figure, checksums, no partial files."""
    from reports.fetch.archive import Archive, default_archive_path
    from reports.store.checking import check_store
    from reports.store.database import resolve_db

    path = resolve_db(db)
    problems, notes = check_store(path)
    archive = Archive(archive_dir or default_archive_path())
    if archive_dir or archive.root.is_dir():
        found, archive_notes = archive.check()
        problems += [f"archive {archive.root}: {p}" for p in found]
        notes += [f"archive {archive.root}: {n}" for n in archive_notes]
    for note in notes:
        click.echo(f"note: {note}")
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}")
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    checked = f"store {path} and archive {archive.root} are" if archive.root.is_dir() else f"store {path} is"
    click.echo(f"ok: {checked} consistent")


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint="--since") from None
