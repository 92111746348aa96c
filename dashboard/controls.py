"""The page's controls as Dash ids and properties, in the order of ViewState's fields, and the ViewState their
values make. Views read the controls they need from here, so each id is spelled in one place."""
from __future__ import annotations

from dash import Input, State

from dashboard import sent
from dashboard.state import ViewState

VIEW_LABELS = {"trends": "Trends", "profile": "Platform profile", "crosscheck": "Cross-check", "changes": "Changes"}
MODE_LABELS = {"absolute": "Absolute", "per_million": "Per million recipients", "indexed": "Indexed (first period = 100)",
               "per_month": "Daily counts summed per month", "per_year": "Daily counts summed per year"}
CONTROLS = [("view", "value"), ("metric", "value"), ("policy-area", "value"), ("region", "value"),
            ("platforms", "value"), ("sources", "value"), ("since", "value"), ("until", "value"), ("mode", "value"),
            ("scale", "value"), ("show-annotations", "value"), ("profile-platform", "value"), ("check", "value"),
            ("check-platform", "value"), ("changes-platform", "value")]
KEYS = ["view", "metric", "policy_area", "region", "platforms", "sources", "since", "until", "mode", "scale",
        "annotations", "profile", "check", "check_platform", "changes"]
# The trend view's own controls: metric to annotations.
TREND_CONTROLS = CONTROLS[1:11]


def inputs(controls=CONTROLS) -> list[Input]:
    return [Input(i, p) for i, p in controls]


def states(controls=CONTROLS) -> list[State]:
    return [State(i, p) for i, p in controls]


def state_from(values: dict) -> ViewState:
    """The ViewState of the controls' values (keyed as KEYS), with empty values as defaults. The values come from
    the browser, so each is taken only if it has its control's type (a forged request gets the defaults, not a
    server error)."""
    text_of = {key: sent.text(values.get(key)) for key in KEYS if key not in ("platforms", "sources", "annotations")}
    text = text_of
    return ViewState(view=text["view"] or "trends", metric=text["metric"], policy_area=text["policy_area"],
                     region=text["region"], platforms=sent.texts(values.get("platforms")),
                     sources=sent.texts(values.get("sources")), since=text["since"], until=text["until"],
                     mode=text["mode"] or "absolute", scale=text["scale"] or "linear",
                     annotations=bool(sent.texts(values.get("annotations"))) or values.get("annotations") is True,
                     profile=text["profile"], check=text["check"] or "ncmec", check_platform=text["check_platform"],
                     changes=text["changes"])


def state_of(values) -> ViewState:
    """The ViewState of all the controls' values, in CONTROLS order."""
    return state_from(dict(zip(KEYS, values, strict=True)))


def trend_state(values) -> ViewState:
    """The ViewState of the trend controls' values, in TREND_CONTROLS order."""
    return state_of(["trends", *values, "", "", "", ""])
