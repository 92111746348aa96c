"""Group totals: a parent group's platforms summed (Meta Platforms in NCMEC's 2023 edition: Facebook + Instagram +
WhatsApp + ...), derived when asked for and never stored. The groups and their members are data
(`reports/model/vocabularies/platforms.csv`, column `group`).

Only totals of one document, period, region, policy, measure and unit are added, never figures of two editions or
two sources; a figure printed for several platforms together counts once and a declared overlap is never added twice
(`overlaps.countable`); each sum names its terms, and the members that hold no figure for it, so a group total
never passes for more than it holds."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from reports.model import vocab
from reports.model.errors import AtlasError
from reports.model.overlaps import countable
from reports.model.schema import DERIVED
from reports.model.selection import Selection
from reports.query.checks import suggestion
from reports.query.figures import select
from reports.query.naming import platform_name
from reports.store.database import Store

# What one sum adds up: figures of one table of one edition.
SUMMED_OVER = ["source", "document_sha256", "source_url", "period", "period_start", "period_end", "region",
               "policy_area", "policy_label", "metric", "metric_label", "unit"]
COLUMNS = ["group", *SUMMED_OVER, "value", "qualifier", "platforms", "members_without_figure", "locator"]


def groups() -> dict[str, list[str]]:
    """Each parent group's slug and its member platforms, as platforms.csv declares them."""
    table = vocab.platforms()
    return {slug: [p for p, row in table.items() if row.get("group") == slug]
            for slug, row in table.items() if row.get("kind") == "group"}


def members(group: str) -> list[str]:
    """The platforms of one group; an unknown group is an error naming the closest ones."""
    known = groups()
    if group not in known:
        raise AtlasError(f"{group!r} is not a group the atlas knows: {suggestion(group, sorted(known))} "
                         "(`tatlas groups` lists them)")
    return known[group]


def group_totals(store: Store, group: str, selection: Selection | None = None) -> pd.DataFrame:
    """One derived row per edition, period, region, policy and measure where members of the group have counts."""
    platforms = members(group)
    # The group's platforms, totals only, within the rest of the selection.
    df = select(store, replace(selection or Selection(), platforms=platforms, breakdowns=[], totals_only=True))
    df = df[df["value"].notna() & (df["unit"] == "count")]
    rows = [_sum(group, platforms, key, part) for key, part in df.groupby(SUMMED_OVER, sort=False, dropna=False)]
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["source", "metric", "policy_area", "policy_label", "region", "period_start",
                            "period_end"], kind="stable").reset_index(drop=True)


def _sum(group: str, platforms: list[str], key: tuple, part: pd.DataFrame) -> dict:
    kept, notes = countable(part)
    together = part.groupby("locator")["platform"].agg(lambda p: " / ".join(platform_name(x) for x in sorted(set(p))))
    terms = " + ".join(f"{together[r.locator]} {r.value:,.0f}" + (f" ({r.breakdown})" if r.breakdown else "")
                       for r in kept.sort_values(["platform", "breakdown"]).itertuples())
    held = sorted(set(part["platform"]))
    without = [p for p in platforms if p not in held]
    # a company-wide total (no product named) beside platforms' own: the registry cannot tell whether it holds them
    wide = sorted({r.platform for r in kept.itertuples() if not r.breakdown
                   and vocab.platforms().get(r.platform, {}).get("kind") == "organisation"})
    if wide and len(held) > len(wide):
        notes.append(f"{', '.join(platform_name(p) for p in wide)} is a company-wide figure added beside its "
                     "platforms' own: it may already count them")
    locator = f"derived: sum of {terms}" + "".join(f"; {n}" for n in notes)
    return {"group": group, **dict(zip(SUMMED_OVER, key, strict=True)), "value": float(kept["value"].sum()),
            "qualifier": DERIVED, "platforms": ", ".join(held), "members_without_figure": ", ".join(without),
            "locator": locator}
