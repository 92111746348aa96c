"""The labels of TikTok's long table mapped to our vocabulary (collectors/tiktok_cger/mappings/): each distinct label
looked up once, a label no row covers kept verbatim and recorded; and the breakdown parts, regions and policy labels
they give each row."""
from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from collectors.tiktok_cger.source import Reading, first_places, label_mapping
from reports.model.documents import Document
from reports.model.schema import format_breakdown

# Printed market codes that are not ISO 3166 alpha-2 (the EU's own usage).
NOT_ISO = {"UK": "GB", "EL": "GR"}


def lookup_unique(long: pd.DataFrame, column: str, kind: str, doc: Document) -> dict:
    """Map each distinct label of a column through a mapping file, naming the first place it appears when unmapped."""
    table = label_mapping(kind)
    return {label: table.lookup(label, file=doc.path, place=f"{place}, {column} {label!r}")
            for label, place in zip(*first_places(long, column), strict=True)}


def breakdown_key(label: str) -> str:
    """A breakdown key from a printed label ('Turn around time' -> turn_around_time)."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "other"


def task_breakdown(task_type: str, type_row: dict, task: str, task_row: dict) -> str:
    """The breakdown part of a (task type, task) pair; an unmapped one keeps the printed words."""
    value = task_row["value"] or ("" if task.casefold() in ("all", "") else task)
    if not value:
        return ""
    key = type_row["key"] or (breakdown_key(task_type) if type_row.get("unmapped") else "task")
    return format_breakdown({key: value})


def policy_type_parts(long: pd.DataFrame, policy_types: dict) -> list[str]:
    """Each row's policy-type breakdown part. Policy types that continue another (policy_types.csv canonical_label:
    'Ban reason - safety' continues 'Ban reason') are one series with it, unless the file prints one figure under two
    of them in the same period (as 'Fake accounts removed' under both ban-reason groups): then each keeps its own."""
    table = label_mapping("policy_types")
    own = {p: (format_breakdown({"policy_type": p}) if r.get("unmapped") else r["breakdown"]) for p, r in policy_types.items()}
    family = {p: r.get("canonical_label", "") for p, r in policy_types.items()}
    printed = long["policy_type"]
    part = printed.map(own)
    fam = printed.map(family)
    members = (fam != "").to_numpy()
    if members.any():
        series = ["metric", "issue", "task_type", "task", "location", "market", "code", "extra"]
        sub = long.loc[members, series].assign(family=fam[members], label=long.loc[members, "when"].map(lambda p: p.label),
                                               printed=printed[members])
        per_period = sub.groupby([*series, "family", "label"], sort=False)["printed"].nunique()
        split = per_period[per_period > 1].reset_index()[[*series, "family"]].drop_duplicates().assign(split=True)
        is_split = sub[[*series, "family"]].merge(split, how="left", on=[*series, "family"])["split"].eq(True).to_numpy()
        canonical = fam[members].map(lambda f: table.lookup(f)["breakdown"] if f in table else "").to_numpy()
        values = part.to_numpy(dtype=object).copy()
        chosen = np.where(is_split, values[members], canonical)
        values[members] = chosen
        return list(values)
    return list(part)


def policy_labels(printed: pd.Series, issue_row: pd.Series, periods: list) -> list[str]:
    """Each row's canonical policy label (policy_areas.csv), so a series reworded between editions stays one figure."""
    out = []
    for label, issue, p in zip(printed.tolist(), issue_row.tolist(), periods, strict=True):
        # a label both taxonomies use (Gambling) names the new taxonomy's policy only from the date it took effect
        applies = not issue["canonical_from"] or p.start >= date.fromisoformat(issue["canonical_from"])
        canonical = issue["canonical_label"] if applies else ""
        out.append(canonical or (label if issue["policy_area"] != "ALL" else ""))
    return out


def region_parts(long: pd.DataFrame, locations: dict, reading: Reading) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(Location, Market, code) -> (region, breakdown part): a country becomes the region, a language its code.

    A market that is no country name we know (ISO 3166, or reports/model/vocabularies/country_aliases.csv) is kept:
    as the ISO code printed beside it, else GLOBAL with market=<name>."""
    doc = reading.doc
    markets, languages = label_mapping("countries"), label_mapping("languages")
    out = {}
    pairs = long.drop_duplicates(["location", "market", "code"])
    for loc, mkt, code, place in zip(pairs["location"], pairs["market"], pairs["code"], pairs["place"], strict=True):
        kind = locations[loc]["kind"]
        where = f"{place}, Market {mkt!r}"
        printed = NOT_ISO.get(code.upper(), code.upper()) if re.fullmatch(r"[A-Za-z]{2}", code) else ""
        if kind == "all":
            out[(loc, mkt, code)] = ("GLOBAL", "" if mkt.casefold() in ("all", "") else format_breakdown({"market": mkt}))
        elif kind == "market":
            row = markets.lookup(mkt, file=doc.path, place=where + (f" (printed with the code {code!r})" if code else ""))
            region = row["region"]
            if printed and region and printed != region:
                reading.note(f"market {mkt!r} is printed with the code {code!r} but its name gives {region}: "
                             f"kept as {region}")
            region = region or (printed if row.get("unmapped") else "")
            out[(loc, mkt, code)] = (region, "") if region else ("GLOBAL", format_breakdown({"market": mkt}))
        elif kind == "language":
            lang = languages.lookup(mkt, file=doc.path, place=where)["language"]
            out[(loc, mkt, code)] = ((lang, "region_kind=language") if lang
                                     else ("GLOBAL", format_breakdown({"language": mkt.lower()})))
        else:  # a location kind location_types.csv does not know (recorded): kept in the breakdown, never guessed
            out[(loc, mkt, code)] = ("GLOBAL", format_breakdown({breakdown_key(loc): mkt}))
    return out
