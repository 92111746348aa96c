"""The dashboard's view state and its URL query string, so a link reproduces what the user saw."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from urllib.parse import parse_qs, urlencode

VIEWS = ("trends", "profile", "crosscheck", "changes")
MODES = ("absolute", "per_million", "indexed", "per_month", "per_year")
SCALES = ("linear", "log")
CHECKS = ("ncmec", "dsa")
LISTS = ("platforms", "sources")
DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class ViewState:
    """Everything a link must carry: the view, the trend selection, and each other view's choice."""

    view: str = "trends"
    metric: str = ""
    policy_area: str = ""
    region: str = ""
    platforms: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    since: str = ""
    until: str = ""
    mode: str = "absolute"
    scale: str = "linear"
    annotations: bool = True
    profile: str = ""
    check: str = "ncmec"
    check_platform: str = ""
    changes: str = ""


def parse(search: str | None) -> tuple[ViewState, set[str]]:
    """A ViewState from `?a=b&...` (unknown keys and bad values ignored), and the keys the query gave."""
    query = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    state = ViewState()
    given = set()
    for f in fields(ViewState):
        if f.name not in query:
            continue
        given.add(f.name)
        raw = query[f.name][-1]
        if f.name in LISTS:
            setattr(state, f.name, [v for v in raw.split(",") if v])
        elif f.name == "annotations":
            state.annotations = raw not in ("0", "off", "false", "no")
        else:
            setattr(state, f.name, raw)
    state.view = state.view if state.view in VIEWS else "trends"
    state.mode = state.mode if state.mode in MODES else "absolute"
    state.scale = state.scale if state.scale in SCALES else "linear"
    state.check = state.check if state.check in CHECKS else "ncmec"
    state.since = state.since if DATE_PATTERN.match(state.since or "") else ""
    state.until = state.until if DATE_PATTERN.match(state.until or "") else ""
    return state, given


def encode(state: ViewState) -> str:
    """`?view=...&metric=...`: what differs from the defaults, and the lists always (an empty list is a choice)."""
    defaults = asdict(ViewState())
    out = {}
    for key, value in asdict(state).items():
        if (value == defaults[key] and key not in LISTS) or value is None:
            continue
        if key in LISTS:
            value = ",".join(value)
        elif key == "annotations":
            value = "on" if value else "off"
        out[key] = value
    return "?" + urlencode(out) if out else ""
