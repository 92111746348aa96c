"""A self-contained HTML brief on one platform, for an article or a regulator's file: its key series (plotly,
embedded, works offline), cross-checks against other sources, revised figures, caveats from the source cards,
and a numbered list of the documents behind every figure with their sha256."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd
import plotly
import plotly.offline
from markupsafe import Markup

from reports.model.errors import AtlasError
from reports.model.selection import Selection
from reports.publish.charts import MAX_SERIES, build_figure
from reports.publish.cite import cite, format_value
from reports.query import crosschecks, events, naming, platform_profile, reconcile, rollup, timeseries
from reports.query.buildinfo import atlas_build
from reports.query.figures import sources_frame
from reports.store.database import Store

KEY_SERIES = 4
MAX_REVISIONS = 200
TEMPLATE = Path(__file__).resolve().parent / "templates" / "brief.html.j2"


@dataclass
class Section:
    """One key series: its chart and the figures it shows."""

    title: str
    metric: str
    policy_area: str
    source: str
    chart_html: str
    rows: pd.DataFrame
    note: str = ""


@dataclass
class Brief:
    """Everything the brief shows, gathered before rendering (tests read it too)."""

    platform: str
    platform_name: str
    policy_areas: list[str]
    build: dict
    sections: list[Section] = field(default_factory=list)
    ncmec: pd.DataFrame = field(default_factory=pd.DataFrame)
    reconcile: pd.DataFrame = field(default_factory=pd.DataFrame)
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    revisions_total: int = 0
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    cards: list = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    citation: str = ""
    bibtex: str = ""


def chosen_series(store: Store, platform: str, policy_areas: list[str], limit: int = KEY_SERIES) -> pd.DataFrame:
    """The platform's key series (platform_profile.key_series), restricted to the policy areas asked for."""
    found = platform_profile.key_series(store, platform, limit=1000 if policy_areas else limit)
    if policy_areas:
        found = found[found["policy_area"].isin(policy_areas)].head(limit)
    return found.reset_index(drop=True)


def series_section(store: Store, platform: str, key) -> Section:
    """One key series as a chart (at most MAX_SERIES lines, the longest first) and its figures."""
    rows = timeseries.series(store, Selection(metrics=[key.metric], policy_areas=[key.policy_area], platforms=[platform],
                                            sources=[key.source]), full=True)
    note = ""
    if (rows["granularity"] == "day").any():  # a count a day reads as noise: summed per month, derived, partial marked
        rows = rollup.sums_of_daily(store, rows, "month")
        note = ("Daily counts are summed per calendar month by the atlas (derived); "
                + "; ".join(rollup.notes(rows)) + ". `tatlas export --per month` gives the sums, without it the days.")
    lines = rows.groupby("series")["value"].count().sort_values(ascending=False)
    if len(lines) > MAX_SERIES:
        note = (f"The chart shows the {MAX_SERIES} longest of {len(lines)} lines; the export holds them all "
                f"(`tatlas export --platform {platform} --source {key.source} --metric {key.metric}`).")
        rows = rows[rows["series"].isin(lines.index[:MAX_SERIES])]
    title = f"{naming.metric_name(key.metric)}: {naming.policy_area_name(key.policy_area)}"
    fig = build_figure(store, rows, title=title, subtitle=naming.source_title(store, key.source))
    fig.update_layout(width=None, autosize=True)
    chart_html = fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False,
                                                                             "responsive": True})
    return Section(title=title, metric=key.metric, policy_area=key.policy_area, source=key.source,
                   chart_html=chart_html, rows=rows, note=note)


def gather(store: Store, platform: str, policy_areas: list[str] | None = None) -> Brief:
    """Collect the brief's content from the store."""
    policy_areas = list(policy_areas or [])
    held = store.query("SELECT count(*) AS n FROM latest WHERE platform = ?", [platform])["n"].iloc[0]
    if not held:
        raise AtlasError(f"the store holds no figures for platform {platform!r} (see `tatlas sources`)")
    brief = Brief(platform=platform, platform_name=naming.platform_name(platform), policy_areas=policy_areas,
                  build=atlas_build(store))
    keys = chosen_series(store, platform, policy_areas)
    if keys.empty:
        raise AtlasError(f"no totals for {platform} in policy area(s) {', '.join(policy_areas)}")
    brief.sections = [series_section(store, platform, key) for key in keys.itertuples()]
    brief.ncmec = crosschecks.ncmec_crosscheck(store, [platform])
    brief.reconcile = reconcile.reconcile(store, [platform])
    if policy_areas and not brief.reconcile.empty:
        brief.reconcile = brief.reconcile[brief.reconcile["policy_area"].isin(policy_areas)]
    revisions = store.changes(platform=platform)
    if policy_areas:
        revisions = revisions[revisions["policy_area"].isin(policy_areas)]
    brief.revisions_total = len(revisions)
    brief.revisions = revisions.head(MAX_REVISIONS)
    brief.coverage = platform_profile.coverage(store, platform)
    brief.sources = sources_frame(store, documents_of(brief))
    shown = list(dict.fromkeys(brief.sources["source"]))
    cards = store.source_cards()
    brief.cards = [cards[s] for s in shown if s in cards]
    start = min(s.rows["period_start"].min() for s in brief.sections)
    end = max(s.rows["period_end"].max() for s in brief.sections)
    brief.notes = events.annotations_for([platform], shown, start, end,
                                           policy_areas[0] if len(policy_areas) == 1 else None)
    citation = cite(store, Selection(platforms=[platform], policy_areas=policy_areas))
    brief.citation, brief.bibtex = citation.text, citation.bibtex
    return brief


def documents_of(brief: Brief) -> pd.DataFrame:
    """Every document the brief quotes (series, cross-checks, both sides of revisions), as document_sha256 rows."""
    shas = [sha for s in brief.sections for sha in s.rows["document_sha256"]]
    for frame, columns in ((brief.ncmec, ("platform_document_sha256", "ncmec_document_sha256")),
                           (brief.reconcile, ("report_document_sha256", "database_document_sha256")),
                           (brief.revisions, ("old_document_sha256", "new_document_sha256"))):
        for column in columns:
            if column in frame:
                shas += [part.strip() for cell in frame[column].dropna() for part in str(cell).split(";") if part.strip()]
    return pd.DataFrame({"document_sha256": [s for s in shas if s]})


def references(brief: Brief) -> dict[str, int]:
    """The number of each document in the brief's list of sources."""
    return {sha: n for n, sha in enumerate(brief.sources["sha256"], start=1)}


def ref_marks(cell, numbers: dict[str, int]) -> str:
    """'[3]' or '[3, 4]' for one or several sha256s in a cell."""
    marks = [f"[{numbers[s.strip()]}]" for s in str(cell or "").split(";") if s.strip() in numbers]
    return " ".join(marks)


def _fmt_date(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _fmt_ratio(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.3f}"


def render(brief: Brief) -> str:
    """The brief as one HTML page: styles and plotly inline, no network needed."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(date=_fmt_date, ratio=_fmt_ratio, refs=lambda cell: ref_marks(cell, references(brief)),
                       value=lambda r, side: reconcile.value_text(getattr(r, side), r.unit),
                       area=naming.policy_area_name, flag=reconcile.flag_words,
                       figure=lambda r: format_value(r.value, r.unit, r.value_text),
                       num=lambda v: "" if v is None or pd.isna(v) else f"{v:,.0f}")
    return env.get_template(TEMPLATE.name).render(
        brief=brief, plotlyjs=Markup(plotly.offline.get_plotlyjs()), Markup=Markup,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), plotly_version=plotly.offline.get_plotlyjs_version(),
        areas=", ".join(naming.policy_area_name(a) for a in brief.policy_areas) or "all policy areas")


def write_brief(store: Store, platform: str, out: Path, policy_areas: list[str] | None = None) -> Brief:
    """Gather and write the brief for a platform."""
    brief = gather(store, platform, policy_areas)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(brief), encoding="utf-8")
    return brief
