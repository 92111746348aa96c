"""The dashboard's data access: `Atlas`, the queries behind the callbacks over reports.analysis, bound to one store
and cached (the store does not change while the app runs), and the rows each view shows for a ViewState.

Nothing here builds HTML or figures."""
from __future__ import annotations

import copy

import pandas as pd

from dashboard.state import ViewState
from reports.model.errors import AtlasError
from reports.model.selection import Selection
from reports.model.vocab import UNMAPPED_AREA, UNMAPPED_METRIC
from reports.query import checks, crosschecks, holdings, naming, origin, platform_profile, reconcile, rollup, timeseries
from reports.store.database import Store

DEFAULT_METRIC = "content_actioned"
DEFAULT_POLICY_AREA = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
MAX_DEFAULT_PLATFORMS = 5
# The cross-check's choice of every service at once (the DSA reconciliation's ranking); no platform has this slug.
EVERY_SERVICE = "every-service"
CHANGES_COLUMNS = ["platform", "source", "period", "metric_label", "policy_label", "region", "breakdown",
                   "old_value_text", "new_value_text", "change", "old_edition", "new_edition", "old_document_name",
                   "new_document_name", "old_document_sha256", "new_document_sha256", "old_locator", "new_locator",
                   "new_first_seen"]


class Atlas:
    """The queries behind the callbacks, bound to one store; each answer is cached under its arguments."""

    def __init__(self, store: Store):
        self.store = store
        self._cache = {}

    def _cached(self, key: tuple, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def known(self, key: str) -> list[str]:
        """The values a link's key (a ViewState field) may name: what the store holds, and our vocabularies."""
        name = {"metric": "metrics", "policy_area": "policy_areas", "region": "regions"}.get(key, key)
        return self._cached(("known", name), lambda: checks.known_values(self.store, name))

    def metrics(self) -> pd.DataFrame:
        return self._cached(("metrics",), lambda: holdings.available_metrics(self.store))

    def policy_areas(self, metric: str) -> pd.DataFrame:
        return self._cached(("areas", metric), lambda: holdings.available_policy_areas(self.store, metric))

    def platforms(self, metric: str, policy_area: str) -> pd.DataFrame:
        return self._cached(("platforms", metric, policy_area),
                            lambda: holdings.available_platforms(self.store, metric, policy_area))

    def all_platforms(self) -> pd.DataFrame:
        return self._cached(("platforms",), lambda: holdings.available_platforms(self.store))

    def regions(self, metric: str, policy_area: str) -> list[str]:
        return self._cached(("regions", metric, policy_area),
                            lambda: holdings.available_regions(self.store, metric, policy_area))

    def default_metric(self) -> str:
        metrics = self.metrics()["metric"].tolist()
        return DEFAULT_METRIC if DEFAULT_METRIC in metrics else (metrics[0] if metrics else "")

    def default_policy_area(self, metric: str) -> str:
        areas = self.policy_areas(metric)["policy_area"].tolist()
        for preferred in (DEFAULT_POLICY_AREA, "ALL"):
            if preferred in areas:
                return preferred
        return areas[0] if areas else ""

    def default_platforms(self, metric: str, policy_area: str) -> list[str]:
        df = self.platforms(metric, policy_area).sort_values("figures", ascending=False)
        return sorted(df["platform"].head(MAX_DEFAULT_PLATFORMS))

    def default_profile(self) -> str:
        platforms = self.all_platforms()["platform"].tolist()
        for preferred in ("twitch", "facebook"):
            if preferred in platforms:
                return preferred
        return platforms[0] if platforms else ""

    def sources(self, metric: str, policy_area: str) -> list[str]:
        df = self.platforms(metric, policy_area)
        return sorted({s for group in df["sources"] for s in group.split(",") if s})

    def check_rows(self, kind: str) -> pd.DataFrame:
        """A cross-check's rows: a platform's own count of reports to NCMEC vs NCMEC's ("ncmec"), or every DSA
        report vs the Transparency Database, ranked ("dsa")."""
        compute = reconcile.reconcile if kind == "dsa" else crosschecks.ncmec_crosscheck
        return self._cached(("check", kind), lambda: compute(self.store))

    def check_platforms(self, kind: str) -> list[str]:
        """The platforms a cross-check can show; the DSA reconciliation also every service at once (first)."""
        platforms = sorted(self.check_rows(kind)["platform"].unique())
        return [EVERY_SERVICE, *platforms] if kind == "dsa" and platforms else platforms

    def changes(self, platform: str) -> pd.DataFrame:
        """Figures of a platform revised between editions, as text for the table and the download."""
        return self._cached(("changes", platform), lambda: _changes(self.store, platform))


def _changes(store: Store, platform: str) -> pd.DataFrame:
    df = origin.changes(store, platform)
    df["change"] = [f"{(n - o) / o:+.1%}" if o and not pd.isna(o) and not pd.isna(n) else ""
                    for o, n in zip(df["old_value"], df["new_value"], strict=True)]
    df = df[[c for c in CHANGES_COLUMNS if c in df.columns]].copy()
    df["new_first_seen"] = df["new_first_seen"].astype(str).str[:19]
    return df.astype(str)


def resolve(atlas: Atlas, state: ViewState, given: set[str]) -> ViewState:
    """Fill what the URL did not give with defaults that exist in the store."""
    state = copy.deepcopy(state)
    metrics = atlas.metrics()["metric"].tolist()
    if state.metric not in metrics:
        state.metric = atlas.default_metric()
    areas = atlas.policy_areas(state.metric)["policy_area"].tolist() if state.metric else []
    if state.policy_area not in areas:
        state.policy_area = atlas.default_policy_area(state.metric)
    regions = atlas.regions(state.metric, state.policy_area) if state.metric else []
    if state.region not in regions:
        state.region = regions[0] if regions else ""
    if "platforms" not in given:
        state.platforms = atlas.default_platforms(state.metric, state.policy_area)
    if "sources" not in given:
        state.sources = atlas.sources(state.metric, state.policy_area)
    # A link's platform or source the atlas does not know is dropped (and the page says so), never queried.
    state.platforms = [p for p in state.platforms if p in atlas.known("platforms")]
    state.sources = [s for s in state.sources if s in atlas.known("sources")]
    return state


def control_options(atlas: Atlas, state: ViewState) -> tuple[list, list, list, list]:
    """Options of the trend controls for a state: policy areas (each platform's own words on hover), regions,
    platforms and sources that hold the metric."""
    if not state.metric:
        return [], [], [], []
    areas = atlas.policy_areas(state.metric)
    area_options = [{"label": r["label"], "value": r["policy_area"], "title": r["labels"]} for r in areas.to_dict("records")]
    region_options = [{"label": r, "value": r} for r in atlas.regions(state.metric, state.policy_area)]
    platforms = atlas.platforms(state.metric, state.policy_area)
    platform_options = [{"label": r["name"], "value": r["platform"]} for r in platforms.to_dict("records")]
    source_options = [{"label": s, "value": s} for s in atlas.sources(state.metric, state.policy_area)]
    return area_options, region_options, platform_options, source_options


def selection(state: ViewState) -> Selection:
    """The trend view's choices as a selection (a year or month typed as the end means its last day)."""
    return Selection(metrics=[state.metric], policy_areas=[state.policy_area], platforms=state.platforms,
                     sources=state.sources, regions=[state.region], since=state.since or None, until=state.until or None)


def _nothing_to_query(state: ViewState) -> str:
    if not state.metric:
        return "The atlas holds no figures yet: run `tatlas build`."
    if not state.platforms:
        return "No platform selected: tick at least one platform."
    if not state.sources:
        return "No source selected: tick at least one source."
    return ""


def _no_figures(state: ViewState) -> str:
    names = ", ".join(naming.platform_name(p) for p in state.platforms)
    return (f"No figures for {naming.metric_name(state.metric)} in {naming.policy_area_name(state.policy_area)} "
            f"({state.region or 'any region'}) for {names} from the selected sources"
            f"{' in this date range' if state.since or state.until else ''}.")


# The modes that sum daily counts (the EU Transparency Database's statements of reasons) per calendar period.
SUM_MODES = {"per_month": "month", "per_year": "year"}


def trend_data(atlas: Atlas, state: ViewState, *, full: bool = False) -> tuple[pd.DataFrame, str]:
    """The rows plotted for a state, transformed by the mode, and a sentence when there is nothing to plot
    (`full` adds each row's source URL, document sha256 and locator, for downloads)."""
    message = _nothing_to_query(state)
    if message:
        return pd.DataFrame(), message
    try:
        chosen = selection(state)
    except AtlasError as exc:  # a From/To that is no period
        return pd.DataFrame(), f"Not a period: {exc}"
    df = timeseries.series(atlas.store, chosen, full=full)
    if df.empty:
        return df, _no_figures(state)
    if state.mode == "indexed":
        df = timeseries.indexed(df)
    elif state.mode in SUM_MODES:  # daily counts summed per month or year: derived, partial periods marked
        df = rollup.sums_of_daily(atlas.store, df, SUM_MODES[state.mode])
    elif state.mode == "per_million":
        df = timeseries.per_million_recipients(atlas.store, df)
        if df["value"].notna().sum() == 0:
            return df, ("Per million recipients needs the average monthly active recipients of the same service, "
                        "region and period (EU DSA reports give them); the atlas holds none for this selection.")
    if df["value"].notna().sum() == 0:
        return df, "Every period in this selection was published without a figure (e.g. N/A)."
    return df, ""


def key_series_state(row: dict, platform: str, annotations: bool = True) -> ViewState:
    """The trend state of one of a platform's key series (platform_profile.key_series)."""
    return ViewState(metric=row["metric"], policy_area=row["policy_area"], platforms=[platform],
                     sources=[row["source"]], region="", annotations=annotations)


def chart_rows(atlas: Atlas, state: ViewState, chart: str) -> pd.DataFrame | None:
    """The rows behind a chart, recomputed from the state (the same query gives the same row numbers)."""
    if chart == "trends":
        return trend_data(atlas, state)[0]
    if chart.startswith("key-"):
        n = int(chart.split("-")[1])
        keys = platform_profile.key_series(atlas.store, state.profile).to_dict("records")
        if n >= len(keys):
            return None
        return trend_data(atlas, key_series_state(keys[n], state.profile))[0]
    return None


def summary(df: pd.DataFrame) -> str:
    """The status sentence under the trends chart: how much is drawn, how, and what is not yet harmonised."""
    series = df["series"].nunique()
    values = int(df["value"].notna().sum())
    kinds = ", ".join(sorted(df["granularity"].unique()))
    text = (f"{values:,} value(s) in {series} series ({kinds} periods), {df['period_start'].min():%Y-%m-%d} to "
            f"{df['period_end'].max():%Y-%m-%d}. Each value is drawn across the period it covers; "
            "series of different period lengths are separate lines and are never summed.")
    for line in rollup.notes(df):
        text += f" {line}."
    unmapped = df[(df["policy_area"] == UNMAPPED_AREA) | (df["metric"] == UNMAPPED_METRIC)]
    if not unmapped.empty:
        text += (f" {unmapped['series'].nunique()} series are not yet harmonised: the publisher's own words, shown "
                 "verbatim; each is comparable only with itself.")
    return text
