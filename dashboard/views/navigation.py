"""Navigation: the URL sets the controls on load (and on back/forward), a control change rewrites the URL and the
permalink, and the view switch shows one section at a time."""
from __future__ import annotations

import dash
import flask
from dash import Input, Output, ctx, no_update

from dashboard import controls, sent
from dashboard.data import EVERY_SERVICE, Atlas, control_options, resolve
from dashboard.state import ViewState, encode, parse
from reports.query import naming
from reports.query.checks import suggestion

OPTION_OUTPUTS = [Output("policy-area", "options"), Output("region", "options"), Output("platforms", "options"),
                  Output("sources", "options"), Output("check-platform", "options")]
# What a link asked for that the atlas does not hold is said in words, never silently replaced.
LINKED = {"metric": "metric", "policy_area": "policy area", "region": "region", "platforms": "platform",
          "sources": "source"}


def link_notice(asked: ViewState, given: set[str], shown: ViewState, atlas: Atlas) -> str:
    """A sentence for each value of the link the atlas does not hold, with the closest it does, and what is shown."""
    notes = []
    for key, words in LINKED.items():
        if key not in given:
            continue
        wanted = getattr(asked, key) if isinstance(getattr(asked, key), list) else [getattr(asked, key)]
        kept = getattr(shown, key) if isinstance(getattr(shown, key), list) else [getattr(shown, key)]
        for value in [v for v in wanted if v and v not in kept]:
            known = atlas.known(key)
            hint = f" ({suggestion(value, known)})" if known else ""
            notes.append(f"The link asks for {words} {value!r}, which the atlas does not hold here{hint}.")
    return " ".join(notes) + (" Showing what it holds instead." if notes else "")


def permalink(query: str) -> str:
    """The full link to this view (host as the browser reached it)."""
    try:
        host = flask.request.host_url.rstrip("/")
    except RuntimeError:  # outside a request
        host = ""
    return f"{host}/{query}"


def changed(atlas: Atlas, trigger: str, state: ViewState) -> tuple[ViewState, set[str]]:
    """A control changed: a new metric or policy area keeps only the chosen platforms that hold it (the defaults
    when none does); other changes keep every choice."""
    if trigger not in ("metric", "policy-area"):
        return state, {"platforms", "sources"}
    if trigger == "metric":
        state.policy_area = ""
        state.region = ""
    area = atlas.default_policy_area(state.metric) if trigger == "metric" else state.policy_area
    available = set(atlas.platforms(state.metric, area)["platform"])
    state.platforms = [p for p in state.platforms if p in available]
    return state, {"platforms"} if state.platforms else set()


def other_views(atlas: Atlas, state: ViewState) -> tuple[ViewState, list[str]]:
    """Defaults for the profile, changes and cross-check views, and the platforms the cross-check can show
    (computed only once someone opens that view, then cached)."""
    state.profile = state.profile or atlas.default_profile()
    state.changes = state.changes or state.profile
    if state.view == "crosscheck":
        check_platforms = atlas.check_platforms(state.check)
    else:
        check_platforms = [state.check_platform] if state.check_platform else []
    if state.check_platform not in check_platforms:
        state.check_platform = next((p for p in (EVERY_SERVICE, "twitch", state.profile) if p in check_platforms),
                                    check_platforms[0] if check_platforms else "")
    return state, check_platforms


def control_values(state: ViewState) -> list:
    """The controls' values for a state, in controls.CONTROLS order."""
    return [state.view, state.metric, state.policy_area, state.region, state.platforms, state.sources, state.since,
            state.until, state.mode, state.scale, ["on"] if state.annotations else [], state.profile, state.check,
            state.check_platform, state.changes]


def sync_outputs(atlas: Atlas, search: str | None, trigger: str | None, values) -> list:
    """Controls, their options, the URL (only when it changes) and the permalink, for the URL or a control change."""
    if trigger in (None, "url"):
        asked, given = parse(search)
    else:
        asked, given = changed(atlas, trigger, controls.state_of(values))
    state, check_platforms = other_views(atlas, resolve(atlas, asked, given))
    check_options = [{"label": "Every service, ranked" if p == EVERY_SERVICE else naming.platform_name(p), "value": p}
                     for p in check_platforms]
    query = encode(state)
    url = no_update if (search or "") == query else query
    notice = link_notice(asked, given, state, atlas) if trigger in (None, "url") else ""
    return [*control_values(state), *control_options(atlas, state), check_options, url, permalink(query), notice]


def register(app: dash.Dash, atlas: Atlas) -> None:
    @app.callback(
        [Output(i, p) for i, p in controls.CONTROLS] + OPTION_OUTPUTS
        + [Output("url", "search"), Output("permalink", "children"), Output("link-notice", "children")],
        [Input("url", "search"), *controls.inputs()],
    )
    @sent.sane(sent.text, sent.anything)  # the controls' values pass through controls.state_from's checks
    def sync(search, *values):
        """The URL sets the controls on load (or back/forward); a control change rewrites the URL."""
        return sync_outputs(atlas, search, ctx.triggered_id, values)

    @app.callback([Output(f"{v}-view", "hidden") for v in controls.VIEW_LABELS], Input("view", "value"))
    @sent.sane(sent.text)
    def show_view(view):
        return [view != v for v in controls.VIEW_LABELS]
