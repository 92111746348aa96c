"""Where a figure applies, from its scope cell: a total or qualifier (`scopes.csv`), a member state, a language
(parts 8 and 9 ask per language), a statement category, or words we do not know (kept, flagged)."""
from __future__ import annotations

import functools
import re
from collections import defaultdict

from collectors.dsa_report.mappings import CATEGORY_CODE, category_area, languages, scopes
from collectors.dsa_report.tables import Report, Scope, Table, flat, norm
from reports.model.schema import parse_breakdown

# The template's placeholder for "the other member states / languages" (`[...]`), left in by some filers.
PLACEHOLDER = re.compile(r"\[\s*(\.{2,}|…)\s*\]")
MEMBER_STATES = frozenset({"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
                           "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"})


@functools.cache
def scope_index() -> dict[str, dict[str, str]]:
    """scopes.csv keyed by `flat` label, so 'own initiative  ' finds 'Own-initiative'."""
    return {flat(label): row for label, row in scopes().rows.items()}


def member_state(label: str) -> str | None:
    """The ISO code of a member state printed as a scope (EL is the EU's code for Greece), else None."""
    row = scope_index().get(flat(label))
    return row["region"] if row is not None and row["region"] in MEMBER_STATES else None


def total_scope(label: str) -> dict[str, str] | None:
    """The region and breakdown of a total or qualifier scope (TOTAL, Total number, Own-initiative, NAM ...)."""
    row = scope_index().get(flat(label))
    return row if row is not None and row["region"] not in MEMBER_STATES else None


def flagged_scope(table: Table, scope: str, report: Report, place: str) -> Scope:
    """A scope that is neither a total, a member state nor a language: kept (region EU, `scope=<its words>`),
    recorded as unmapped and noted."""
    scopes().lookup(scope, file=table.doc.path, place=place)
    report.note(f"{table.where()}: scope {scope!r} is neither a total, a member state nor a language; "
                f"kept with region EU and breakdown scope={scope}")
    return Scope("EU", {"scope": " ".join(scope.split())})


def geographic_scope(table: Table, scope: str, report: Report, place: str) -> Scope:
    """EU for a total scope, the member state's code for a member state, else a flagged scope."""
    if (total := total_scope(scope)) is not None:
        return Scope(total["region"], parse_breakdown(total["breakdown"]))
    if (state := member_state(scope)) is not None:
        return Scope(state)
    return flagged_scope(table, scope, report, place)


def resolve_scopes(table: Table, rows: list[tuple[int, str, str]], report: Report) -> dict[tuple[str, str], Scope]:
    """What each scope of a part 8, 9 or 10 means, per indicator (rows: row number, indicator, scope): totals and
    qualifiers (scopes.csv), statement categories (some filers give part 8's accuracy per category), member states,
    languages (8 and 9: decided per indicator, as filers count measures per member state and accuracy per language
    in one part); placeholders are left out. A scope is named by the first row that prints it."""
    groups: dict[str, dict[str, int]] = defaultdict(dict)
    for number, label, scope in rows:
        if scope and label and not PLACEHOLDER.search(scope):
            groups[norm(label)].setdefault(scope, number)
    out: dict[tuple[str, str], Scope] = {}
    for label, first in groups.items():
        geographic = []
        for scope, number in first.items():
            if (total := total_scope(scope)) is not None:
                out[(label, scope)] = Scope(total["region"], parse_breakdown(total["breakdown"]))
            elif CATEGORY_CODE.match(scope):
                area = category_area(scope, file=table.doc.path, place=table.where(number, "Scope"))
                out[(label, scope)] = Scope("EU", {}, area, scope)
            else:
                geographic.append(scope)
        places = {scope: table.where(first[scope], "Scope") for scope in geographic}
        if table.part in (8, 9):
            resolved = language_scopes(table, geographic, report, places)
        else:
            resolved = {scope: geographic_scope(table, scope, report, places[scope]) for scope in geographic}
        out.update({(label, scope): where for scope, where in resolved.items()})
    return out


def language_scopes(table: Table, labels: list[str], report: Report, places: dict[str, str]) -> dict[str, Scope]:
    """The scopes one indicator of a part the template asks per language (8, 9) is given for.

    Filers give languages as codes or names, member-state codes standing for languages (TikTok: CZ, EN), or member
    states instead of languages (Snap, TikTok; Booking.com in lowercase): scopes that are all member states, not all
    of them language codes, are member states (noted); otherwise each is read as a language, a member state, or
    kept flagged."""
    def is_code(label: str) -> bool:
        return label in languages() and languages().lookup(label)["kind"] == "code"

    if labels and all(member_state(s) for s in labels) and not all(is_code(s) for s in labels):
        report.note(f"{table.where()}: scopes {', '.join(labels[:3])}{' ...' if len(labels) > 3 else ''} are member "
                    "states where the template asks for languages; stored per member state")
        return {s: Scope(member_state(s) or "EU") for s in labels}
    out: dict[str, Scope] = {}
    aliases = []
    for scope in labels:
        if scope in languages():
            row = languages().lookup(scope)
            if row["kind"] == "country_code":
                aliases.append(scope)
            out[scope] = Scope(row["language"], {"region_kind": "language"})
        elif (state := member_state(scope)) is not None:
            out[scope] = Scope(state)
        else:
            out[scope] = flagged_scope(table, scope, report, places[scope])
    if aliases:
        report.note(f"{table.where()}: languages named by member-state codes ({', '.join(aliases)}); read through "
                    "languages.csv")
    return out
