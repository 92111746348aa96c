"""`tatlas groups`: a parent group's platforms summed per edition (derived), or the groups and their members
(registered on `tatlas.cli.main`)."""
from __future__ import annotations

import sys

import click

from reports.model.errors import AtlasError
from reports.publish.spreadsheet import write_csv
from tatlas.cli import db_option, main


@main.command()
@click.argument("group", required=False)
@click.option("--source", "sources", multiple=True, help="Collector id, e.g. ncmec-esp.")
@click.option("--metric", "metrics", multiple=True, help="Metric id, e.g. ncmec_reports.")
@click.option("--policy-area", "policy_areas", multiple=True, help="Policy area code.")
@click.option("--region", "regions", multiple=True, help="GLOBAL, EU, an ISO 3166 country code or a language code.")
@click.option("--since", default=None, metavar="PERIOD", help="Only periods ending on or after the start of this one.")
@click.option("--until", default=None, metavar="PERIOD", help="Only periods starting on or before the end of this one.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@db_option
def groups(group, sources, metrics, policy_areas, regions, since, until, fmt, db):
    """Sum a parent group's platforms (e.g. `tatlas groups meta-platforms --source ncmec-esp`): one derived figure
    per edition, period, region, policy and measure, naming its terms and the members without a figure; a figure
    printed for several platforms together counts once. Without GROUP, list the groups and their platforms
    (declared in reports/model/vocabularies/platforms.csv)."""
    from reports.model.selection import Selection
    from reports.query.checks import check_selection, why_empty
    from reports.query.groups import group_totals, members
    from reports.query.groups import groups as declared
    from reports.store.database import Store

    if group is None:
        for slug, platforms in declared().items():
            click.echo(f"{slug}: {', '.join(platforms)}")
        return
    selection = Selection(platforms=members(group), sources=list(sources), metrics=list(metrics),
                          policy_areas=list(policy_areas), regions=list(regions), since=since, until=until)
    with Store.open(db) as store:
        check_selection(store, Selection(sources=selection.sources, metrics=selection.metrics,
                                         policy_areas=selection.policy_areas, regions=selection.regions))
        df = group_totals(store, group, selection)
        if df.empty:
            raise AtlasError(f"no count of {group}'s platforms to sum: {why_empty(store, selection)}")
    if fmt == "csv":
        click.echo(write_csv(df), nl=False)
    elif fmt == "json":
        df.to_json(sys.stdout, orient="records", indent=1, force_ascii=False)
        click.echo()
    else:
        for r in df.itertuples():
            click.echo(f"{r.source:<12} {r.period:<8} {r.region:<7} {r.metric:<22} {r.value:>16,.0f}  {r.locator}"
                       + (f"; no figure for {r.members_without_figure}" if r.members_without_figure else ""))
        click.echo(f"\n{len(df)} derived group total(s) of {group}; --format csv or json adds each sum's document, "
                   "URL and policy.")
