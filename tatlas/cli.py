"""`tatlas`: build, explore, export and serve the Transparency Atlas."""
from __future__ import annotations

import importlib
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from reports.model.errors import AtlasError
from reports.publish.spreadsheet import write_csv

# The real published files beside the repo (../shared/data); $TATLAS_SOURCES overrides.
DEFAULT_SOURCES = Path(os.environ.get("TATLAS_SOURCES") or Path(__file__).resolve().parents[2] / "shared" / "data")


def db_option(func):
    """--db PATH, shared by every command that reads or writes the store."""
    return click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Store file (default: $TATLAS_DB or ~/.local/share/tatlas/atlas.duckdb; "
                             "readers fall back to the bundled atlas when it does not exist).")(func)


def selection_options(func):
    """Filters shared by commands that read figures (repeat an option for several values)."""
    for name, help_text in reversed((
        ("--platform", "Platform slug, e.g. twitch."), ("--source", "Collector id, e.g. ncmec-esp."),
        ("--policy-area", "Policy area code, e.g. STATEMENT_CATEGORY_PROTECTION_OF_MINORS."),
        ("--metric", "Metric id, e.g. content_actioned (`tatlas vocab metrics` lists them)."),
        ("--region", "GLOBAL, EU, an ISO 3166 country code (GR for Greece) or a lowercase language code."),
    )):
        func = click.option(name, multiple=True, help=help_text)(func)
    func = click.option("--totals", "totals_only", is_flag=True,
                        help="Only totals (figures with an empty breakdown, and parts no printed total stands above, as "
                             "declared in overlaps.csv: NCMEC's providers of one platform, Google's products), no "
                             "finer cuts.")(func)
    func = click.option("--until", default=None, metavar="PERIOD",
                        help="Only periods starting on or before the end of this period (2024, 2024-H1, 2024-03-31).")(func)
    func = click.option("--since", default=None, metavar="PERIOD",
                        help="Only periods ending on or after the start of this period (2024, 2024-Q2, 2024-03-01).")(func)
    return func


def per_option(func):
    """--per month|year: daily counts (the EU Transparency Database's) summed per calendar month or year."""
    return click.option("--per", type=click.Choice(["month", "year"]), default=None,
                        help="Sum daily counts (statements of reasons) per calendar month or year: each sum marked "
                             "derived, a month or year the daily figures cover only in part marked partial.")(func)


def selection_from(kwargs):
    from reports.model.selection import Selection
    return Selection(platforms=list(kwargs.pop("platform", ())), sources=list(kwargs.pop("source", ())),
                     policy_areas=list(kwargs.pop("policy_area", ())), metrics=list(kwargs.pop("metric", ())),
                     regions=list(kwargs.pop("region", ())), since=kwargs.pop("since", None),
                     until=kwargs.pop("until", None), totals_only=kwargs.pop("totals_only", False))


@contextmanager
def selected(db, filters: dict):
    """The store and the selection its filters make, every value checked against what the atlas knows (a typo is
    an error naming the closest values, never an empty answer)."""
    from reports.query.checks import check_selection
    from reports.store.database import Store

    selection = selection_from(filters)
    with Store.open(db) as store:
        check_selection(store, selection)
        yield store, selection


def format_for(fmt: str | None, out: Path | None, formats: tuple[str, ...], default: str) -> str:
    """The output format: --format, else what --out's extension names, else the default; a mismatch is refused."""
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    if fmt and suffix in formats and suffix != fmt:
        raise click.UsageError(f"--format {fmt} does not match --out {out.name}: give one or make them agree")
    return fmt or (suffix if suffix in formats else default)


class AtlasGroup(click.Group):
    """Turn the atlas's own errors into one clear line and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AtlasError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=AtlasGroup)
@click.version_option(package_name="transparency-atlas")
def main():
    """Transparency Atlas: platforms' moderation figures in one comparable, citable dataset."""


@main.command()
@click.option("--sources", type=click.Path(exists=True, path_type=Path), default=None,
              help=f"Folder (or file) of published files [default: $TATLAS_SOURCES or {DEFAULT_SOURCES}].")
@click.option("--only", multiple=True, help="Build only these collector ids.")
@click.option("--strict", is_flag=True,
              help="Refuse every document holding a label no mapping covers, naming them all (CI builds with it).")
@db_option
def build(sources, only, strict, db):
    """Parse published files into the store: new or changed documents only, each atomically on its own.

    A document that cannot be read is named with the place and the reason, and leaves its earlier version in the
    store; every other document is stored; the exit status is 1 when any failed."""
    from reports.ingest.parallel import WORKER_PRELOAD, start_fork_server

    start_fork_server(WORKER_PRELOAD)  # the workers' imports run beside this process's
    from collectors import REGISTRY
    from reports.ingest.build import build as run_build
    from reports.store.database import resolve_db

    path = resolve_db(db)
    sources = sources or DEFAULT_SOURCES
    click.echo(f"building {path} from {sources}", err=True)
    summary = run_build(sources, path, REGISTRY, only=list(only) or None, strict=strict,
                        progress=lambda m: click.echo(m, err=True))
    for line in summary.lines():
        click.echo(line)
    if not summary.ok:
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@db_option
def unmapped(fmt, db):
    """Labels no mapping covers yet: their figures are kept verbatim as not yet harmonised (policy area UNMAPPED,
    metric unmapped). Each with its source, field, documents, figures, first place and the mapping row to add."""
    from reports.store.database import Store

    with Store.open(db) as store:
        df = store.unmapped()
    if fmt == "csv":
        click.echo(write_csv(df), nl=False)
        return
    click.echo(f"{len(df)} label(s) not yet harmonised")
    for r in df.itertuples():
        click.echo(f"{r.source} {r.field} {r.label!r}: {r.figures} figure(s) in {r.documents} document(s), first at "
                   f"{r.first_document} {r.first_locator or r.first_place}; map it with `{r.suggestion}` in "
                   f"{r.mapping_file}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "xlsx", "json"]), default=None,
              help="Output format (xlsx: a data sheet and a sources sheet) [default: --out's extension, else csv].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file; datapackage.json is written beside it (default: standard output for csv and json, "
                   "without a data package).")
@click.option("--per-million", is_flag=True,
              help="Add recipients and value_per_million_recipients (derived at export time) for counts whose "
                   "platform published EU DSA average monthly active recipients for the period.")
@per_option
@selection_options
@db_option
def export(fmt, out, db, per_million, per, **filters):
    """Write the latest observations (contract columns first, then each source's licence) and a datapackage.json."""
    from reports.publish.export import FORMATS, TEXT_FORMATS, Figures, write
    from reports.publish.export import export as run_export
    from reports.query.checks import why_empty

    fmt = format_for(fmt, out, FORMATS, "csv")
    with selected(db, filters) as (store, selection):
        if out is None:
            if fmt not in TEXT_FORMATS:
                raise click.UsageError(f"--out is needed for {fmt}")
            figures = Figures(store, selection, per_million=per_million, per=per)
            if figures.summary()[0] == 0:
                raise AtlasError(why_empty(store, selection))
            write(figures, sys.stdout, fmt)
            return
        result = run_export(store, out, fmt, selection, per_million=per_million, per=per)
        if result.rows == 0:
            raise AtlasError(f"{why_empty(store, selection)}; {out} holds only the header")
    click.echo(f"wrote {result.rows} observation(s) from {result.sources} document(s) to {result.data}, "
               f"described in {result.package}", err=True)


@main.command()
@click.option("--platform", default=None, help="Only this platform.")
@click.option("--source", default=None, help="Only this collector id.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@db_option
def changes(platform, source, fmt, db):
    """Figures a publisher revised between editions: old and new value, both documents."""
    with selected(db, {"platform": (platform,) if platform else (), "source": (source,) if source else ()}) as (store, _s):
        df = store.changes(platform=platform, source=source)
    if fmt == "csv":
        click.echo(write_csv(df), nl=False)
        return
    click.echo(f"{len(df)} revised figure(s)")
    for r in df.itertuples():
        click.echo(f"{r.source} {r.platform} {r.period} {r.metric_label} / {r.policy_label}"
                   f"{' [' + r.breakdown + ']' if r.breakdown else ''}: "
                   f"{r.old_value_text} ({r.old_edition}, {r.old_document_name}) -> "
                   f"{r.new_value_text} ({r.new_edition}, {r.new_document_name})")


@main.command()
@click.option("--port", type=int, default=8050, show_default=True, help="Port on 127.0.0.1.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--debug", is_flag=True,
              help="Dash debug mode (reloads on code changes; exposes an interactive debugger: loopback only).")
@db_option
def serve(port, host, debug, db):
    """Open the dashboard (http://127.0.0.1:8050) on the store, or on the bundled atlas."""
    import ipaddress

    from dashboard.app import create_app
    from reports.store.database import Store

    if debug:
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise click.UsageError(f"--debug exposes the Werkzeug debugger (it runs code sent to it): refused on "
                                   f"--host {host}; use it on 127.0.0.1 only")
        click.echo("warning: --debug runs the Werkzeug debugger, which executes code sent to it; never expose it",
                   err=True)
    store = Store.open(db)
    click.echo(f"serving {store.label} at http://{host}:{port}", err=True)
    create_app(store).run(host=host, port=port, debug=debug)


@main.command()
@click.option("--sources", type=click.Path(exists=True, path_type=Path), default=None,
              help=f"Folder of published files [default: $TATLAS_SOURCES or {DEFAULT_SOURCES}].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the Parquet files (default: the bundled atlas inside the package).")
def bundle(sources, out):
    """Rebuild the bundled atlas from scratch and write it as Parquet (what `tatlas serve` shows by default)."""
    import tempfile

    from collectors import REGISTRY
    from reports.ingest.build import build as run_build
    from reports.store.database import BUNDLED_DIR, Store

    sources = sources or DEFAULT_SOURCES
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bundle.duckdb"
        summary = run_build(sources, db, REGISTRY, progress=lambda m: click.echo(m, err=True))
        with Store(db) as store:
            store.carry_first_seen(BUNDLED_DIR)
            store.export_bundle(out or BUNDLED_DIR)
            counts = store.counts()
    for line in summary.lines():
        click.echo(line)
    click.echo(f"bundled {counts['observations']} observation(s) from {counts['documents']} document(s) "
               f"into {out or BUNDLED_DIR}")


@main.command()
@db_option
def sources(db):
    """List the sources: their cards, and how many documents and figures the store holds of each."""
    from collectors import REGISTRY
    from reports.store.database import Store

    with Store.open(db) as store:
        held = store.query("SELECT source, count(*) AS documents FROM documents GROUP BY source")
        figures = store.query("SELECT source, count(*) AS figures FROM latest GROUP BY source")
    held = dict(zip(held.source, held.documents, strict=True))
    figures = dict(zip(figures.source, figures.figures, strict=True))
    for sid, card in ((sid, c.card) for sid, c in REGISTRY.items()):
        click.echo(f"{sid}: {card.title} ({card.publisher}); {card.cadence}; licence: {card.license}; "
                   f"{held.get(sid, 0)} document(s), {figures.get(sid, 0)} figure(s)")


VOCABULARIES = {"metrics": ("metric", "label"), "policy-areas": ("policy_area", "label"),
                "platforms": ("platform", "name")}


@main.command()
@click.argument("name", type=click.Choice(sorted(VOCABULARIES)))
@db_option
def vocab(name, db):
    """List a vocabulary (metric ids, policy areas, platform slugs) with how many figures the store holds of each."""
    from reports.model import vocab as vocabularies
    from reports.store.database import Store

    column, label = VOCABULARIES[name]
    rows = vocabularies.vocabulary(name.replace("-", "_"))
    with Store.open(db) as store:
        held = store.query(f"SELECT {column} AS id, count(*) AS n FROM latest GROUP BY 1")
    counts = dict(zip(held.id, held.n, strict=True))
    for key, row in rows.items():
        unit = f" [{row['unit']}]" if row.get("unit") else ""
        click.echo(f"{key}\t{row[label]}{unit}\t{counts.get(key, 0)} figure(s)")
    if name == "platforms":
        others = sorted(set(counts) - set(rows))
        click.echo(f"... and {len(others)} organisation(s) without a platform of ours, kept as slugs of their "
                   f"names (e.g. {', '.join(others[:5])})")


# Commands that live in their own modules register themselves on `main` when imported.
COMMAND_MODULES: tuple[str, ...] = ("tatlas.collect", "tatlas.groups", "tatlas.publish", "tatlas.reconcile", "tatlas.sor")
for _module in COMMAND_MODULES:
    importlib.import_module(_module)
