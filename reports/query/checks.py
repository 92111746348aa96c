"""Never a silent empty answer: a selection naming something the atlas does not know is refused with the closest
names it does know ("did you mean twitch?"), and one that matches no figure says why."""
from __future__ import annotations

import difflib

from reports.model import vocab
from reports.model.errors import AtlasError
from reports.model.selection import Selection
from reports.query.common import rows, run
from reports.store.database import Store

# What each filter may name: our vocabulary (for metrics and policy areas), or what the store holds.
LISTS = {"platforms": ("platform", "platforms"), "sources": ("source", None), "policy_areas": ("policy_area", "policy_areas"),
         "metrics": ("metric", "metrics"), "regions": ("region", None)}
HINTS = {"platforms": "tatlas vocab platforms", "metrics": "tatlas vocab metrics",
         "policy_areas": "tatlas vocab policy-areas", "sources": "tatlas sources", "regions": "tatlas export --format csv"}


def known_values(store: Store, name: str) -> list[str]:
    """The values a filter may take: those the store holds, and for vocabularies every id of ours."""
    column, vocabulary = LISTS[name]
    held = [v for (v,) in rows(store, f"SELECT DISTINCT {column} FROM latest")]
    return sorted(set(held) | set(vocab.vocabulary(vocabulary) if vocabulary else ()))


def suggestion(value: str, known: list[str]) -> str:
    """`did you mean ...?` with the closest known values (case-blind), or the first few known values."""
    lowered = {k.lower(): k for k in known}
    close = [lowered[c] for c in difflib.get_close_matches(value.lower(), list(lowered), n=3, cutoff=0.6)]
    if close:
        return "did you mean " + " or ".join(close) + "?"
    return f"known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''}"


def check_selection(store: Store, selection: Selection) -> None:
    """Refuse a filter value the atlas does not know, naming the closest ones it does."""
    for name in LISTS:
        known = known_values(store, name)
        for value in getattr(selection, name):
            if value not in known:
                option = "--" + LISTS[name][0].replace("_", "-")
                raise AtlasError(f"{option} {value!r} is not one the atlas knows: {suggestion(value, known)} "
                                 f"(`{HINTS[name]}` lists them)")


def why_empty(store: Store, selection: Selection) -> str:
    """Why a selection matched no figure: the first filter (or pair of dates) that leaves nothing."""
    span = run(store, "SELECT min(period_start) AS a, max(period_end) AS b FROM latest").iloc[0]
    if selection.since and span.b is not None and str(span.b)[:10] < selection.since:
        return f"no figure ends on or after {selection.since}: the atlas's figures run to {str(span.b)[:10]}"
    if selection.until and span.a is not None and str(span.a)[:10] > selection.until:
        return f"no figure starts on or before {selection.until}: the atlas's figures start on {str(span.a)[:10]}"
    narrowed = Selection()
    for name, (column, _vocabulary) in LISTS.items():
        setattr(narrowed, name, getattr(selection, name))
        where, params = narrowed.where()
        if getattr(selection, name) and not run(store, f"SELECT 1 FROM latest WHERE {where} LIMIT 1", params).shape[0]:
            return f"no figure matches {narrowed.describe()} (the {column} filter leaves none)"
    return f"no figure matches {selection.describe()}: each filter holds figures, but not all together"
