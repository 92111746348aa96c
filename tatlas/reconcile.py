"""`tatlas reconcile`: every DSA transparency report against the statements of reasons in the DSA Transparency
Database, ranked by disagreement (registered on `tatlas.cli.main`)."""
from __future__ import annotations

import sys

import click

from reports.model.errors import AtlasError
from reports.publish.spreadsheet import write_csv
from tatlas.cli import db_option, main

TABLE_NOTE = ("ratio = report / database (derived); report sums and database sums name what they add up in the "
              "`derived` column of --format csv or json, which also give both sides' documents, URLs and locators.")


def nothing_matches(store, platforms, periods) -> AtlasError:
    """Why no row came back: the store holds no DSA report, or none for the platforms and periods asked for."""
    from reports.query.reconcile import reports_held

    held = reports_held(store)
    if held.empty:
        return AtlasError("the store holds no EU DSA transparency report (source dsa-report): build one with "
                          "`tatlas build`")
    asked = ", ".join(f"{k} {' '.join(v)}" for k, v in (("platform", platforms), ("period", periods)) if v)
    names = ", ".join(f"{r.platform} {r.period}" for r in held.itertuples())
    return AtlasError(f"no DSA report for {asked}; the store holds the reports of {names}")


def table_lines(df) -> list[str]:
    """One line per row (rank, report, measure, category, both values, ratio, days covered, flag), its note below."""
    from reports.query.naming import policy_area_name
    from reports.query.reconcile import as_text

    lines = [f"{len(df)} row(s), ranked by disagreement: totals (policy area ALL) first, then categories", "",
             f"{'rank':>4}  {'platform':<10} {'period':<8} {'measure':<15} {'policy area':<48} {'report':>13} "
             f"{'database':>13} {'ratio':>10} {'days':>8}  flag"]
    for r in as_text(df).itertuples():
        area = policy_area_name(r.policy_area) if r.policy_area != "ALL" else "ALL"
        lines.append(f"{r.rank:>4}  {r.platform:<10} {r.period:<8} {r.measure:<15} {area[:48]:<48} {r.report_value:>13} "
                     f"{r.database_value:>13} {r.ratio:>10} {r.database_days:>8}  {r.flag}")
        if r.note:
            lines.append(f"{'':6}note: {r.note}")
    return [*lines, "", TABLE_NOTE]


@main.command()
@click.option("--platform", "platforms", multiple=True, help="Only this platform (repeat for several), e.g. tiktok.")
@click.option("--period", "periods", multiple=True, help="Only reports of this period (repeat for several), e.g. 2025-H2.")
@click.option("--measure", "measure_ids", multiple=True,
              help="Only this measure (repeat for several), e.g. own_initiative; the measures are declared in "
                   "reports/query/reconcile.toml (own_initiative, notices, automated, all_sources).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@db_option
def reconcile(platforms, periods, measure_ids, fmt, db):
    """Every EU DSA transparency report against the statements of reasons its service sent to the DSA Transparency
    Database over the same period: one row per report, measure and category, ranked by disagreement."""
    from reports.query.reconcile import exported
    from reports.query.reconcile import reconcile as run_reconcile
    from reports.store.database import Store

    with Store.open(db) as store:
        df = run_reconcile(store, list(platforms), list(periods), list(measure_ids))
        if df.empty:
            raise nothing_matches(store, platforms, periods)
    if fmt == "csv":
        click.echo(write_csv(exported(df, text=True)), nl=False)
    elif fmt == "json":
        exported(df).to_json(sys.stdout, orient="records", indent=1, force_ascii=False)
        click.echo()
    else:
        click.echo("\n".join(table_lines(df)))
