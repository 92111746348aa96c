"""`tatlas sor`: ingest daily dumps of the EU DSA Transparency Database, and write synthetic ones."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from tatlas.cli import DEFAULT_SOURCES, db_option, main


@main.group()
def sor():
    """Statements of reasons: the EU DSA Transparency Database's daily dumps."""


@sor.command()
@click.argument("dumps", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Aggregation engine: DuckDB on this machine, or PySpark (local mode or --master).")
@click.option("--master", default=None, help="Spark master URL (default local[2]), e.g. spark://host:7077.")
@db_option
def ingest(dumps, engine, master, db):
    """Verify each dump against its .sha1, stream it and store its counts; dumps already ingested are skipped."""
    if engine == "duckdb":
        from collectors.dsa_tdb import COUNTING_MODULES
        from reports.ingest.parallel import start_fork_server

        start_fork_server(COUNTING_MODULES)  # first thing: the counting workers' imports run beside this process's
    from collectors.dsa_tdb.parts import resident_peak
    from reports.store.database import resolve_db

    summary = ingest_dumps(list(dumps), resolve_db(db), engine=engine, master=master,
                           progress=lambda m: click.echo(m, err=True))
    click.echo(f"peak resident memory of this process: {resident_peak() / 1e6:.0f} MB", err=True)
    for line in summary.lines():
        click.echo(line)


def ingest_dumps(paths: list[Path], db: Path, *, engine: str = "duckdb", master: str | None = None,
                 progress=lambda message: None):
    """Read each dump the store does not hold yet (collectors.dsa_tdb) and store it (reports.ingest)."""
    from collectors.dsa_tdb.engines import make_engine

    # The engine's workers start first: they import what counting needs while this process imports the rest.
    runner = make_engine(engine, master) if engine == "duckdb" else None
    if runner is not None:
        runner.start()
    try:
        from collectors.dsa_tdb.dumps import prepare_dumps
        from collectors.dsa_tdb.stats import SOURCE_ID
        from reports.ingest.prepared import ingest_prepared, stored_with_note

        def known(name: str, sha1: str) -> bool:
            return stored_with_note(db, SOURCE_ID, name, f"sha1={sha1}")

        return ingest_prepared(db, prepare_dumps(paths, engine=engine, master=master, known=known,
                                                 progress=progress, runner=runner))
    finally:
        if runner is not None:
            runner.close()  # prepare_dumps closes it too, once it has started: closing twice is harmless


@sor.command()
@click.option("--rows", type=click.IntRange(min=1), required=True, help="CSV rows to write (a few are verbatim repeats).")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The dump's day; from 2025-07-01 it follows schema v2.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the dump.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
def synth(rows, day, out, seed):
    """Write a synthetic dump in the real format (+ .sha1) and its true counts (<dump>.truth.json)."""
    from tatlas.sor_synth import synth as run_synth

    day = day.date() if not isinstance(day, date) or hasattr(day, "hour") else day
    path = run_synth(rows, day, out, seed=seed, shared=DEFAULT_SOURCES)
    click.echo(f"wrote {path} ({path.stat().st_size} bytes), {path.name}.sha1 and {path.name}.truth.json")
