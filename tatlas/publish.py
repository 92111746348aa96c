"""Publishing commands: `tatlas chart`, `tatlas brief` and `tatlas cite` (registered on `tatlas.cli.main`)."""
from __future__ import annotations

from pathlib import Path

import click

from tatlas.cli import db_option, main, per_option, selected, selection_options


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output file; both FILE.png and FILE.svg are written (the suffix given is replaced).")
@click.option("--title", default=None, help="Chart title (default: platforms, metric and policy area).")
@per_option
@selection_options
@db_option
def chart(out, title, per, db, **filters):
    """Write a publication-quality chart (PNG and SVG) of a selection's totals, with its sources and licences."""
    from reports.publish.charts import chart as run_chart

    with selected(db, filters) as (store, selection):
        result = run_chart(store, selection, out, title=title, per=per)
    click.echo(f"wrote {result.png} and {result.svg}: {result.series} line(s), {result.figures} figure(s)", err=True)
    click.echo(result.source_line)


@main.command()
@click.option("--platform", required=True, help="Platform slug, e.g. twitch.")
@click.option("--policy-area", "policy_areas", multiple=True,
              help="Only these policy areas (repeat for several), e.g. STATEMENT_CATEGORY_PROTECTION_OF_MINORS.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output HTML file.")
@db_option
def brief(platform, policy_areas, out, db):
    """Write a self-contained HTML brief on a platform (works offline): key series, cross-checks, revisions, sources."""
    from reports.publish.brief import write_brief

    with selected(db, {"platform": (platform,), "policy_area": policy_areas}) as (store, _selection):
        result = write_brief(store, platform, out, list(policy_areas))
    click.echo(f"wrote {out}: {len(result.sections)} key series, {len(result.sources)} source document(s), "
               f"{result.revisions_total} revised figure(s)", err=True)


@main.command()
@click.option("--period", default=None, help="Only this period label (e.g. 2023-H1); one figure gives a figure citation.")
@click.option("--policy-label", default=None, help="Only this policy label, in the publisher's words.")
@click.option("--format", "fmt", type=click.Choice(["text", "bibtex", "both"]), default="both", show_default=True)
@selection_options
@db_option
def cite(period, policy_label, fmt, db, **filters):
    """Print a citation (APA-like text and BibTeX) for a figure or a selection: publisher, URL, sha256, atlas build."""
    from reports.publish.cite import cite as run_cite

    with selected(db, filters) as (store, selection):
        citation = run_cite(store, selection, period=period, policy_label=policy_label)
    click.echo(citation.render(fmt))
