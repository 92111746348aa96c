"""Overlaps, declared as data (`vocabularies/overlaps.csv`): a figure that contains others (a policy label that
covers two policies, a printed total beside its parts), two figures that count the same things two ways, and parts
that stand without a total. Every sum the atlas makes goes through `countable`, so nothing is added twice; exports
name, for each figure, what else counts it (`counted_in`).

A selector is `column=value[;column=value]` (labels compare without case; `value` `*` matches anything not empty;
`breakdown=esp=*` matches a breakdown of that key); a rule's `parts` are selectors joined with ` | `."""
from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from reports.model.schema import COMBINED

OVERLAPS = Path(__file__).resolve().parent / "vocabularies" / "overlaps.csv"
KINDS = ("contains", "same_count", "parts_without_total")
# Figures of one published table and period: what a `contains` or `same_count` rule compares within.
SCOPE = ["source", "period_start", "period_end", "region", "metric"]


@dataclass(frozen=True)
class Overlap:
    id: str
    source: str
    platform: str
    kind: str
    whole: str
    parts: tuple[str, ...]
    note: str

    def applies(self, df: pd.DataFrame) -> pd.Series:
        """Rows of this rule's source (and platform, where it names one)."""
        mask = df["source"] == self.source
        if self.platform:
            mask &= df["platform"] == self.platform
        return mask


def _selector(text: str) -> list[tuple[str, str]]:
    return [tuple(part.split("=", 1)) for part in text.split(";") if "=" in part]


def matches(df: pd.DataFrame, selector: str) -> pd.Series:
    """Rows a selector picks (see the module's docstring)."""
    mask = pd.Series(True, index=df.index)
    for column, value in _selector(selector):
        cells = df[column].astype(str)
        if column == "breakdown" and value.endswith("=*"):
            mask &= cells.str.match(rf"^{re.escape(value[:-1])}[^;]*$")
        elif value == "*":
            mask &= cells != ""
        else:
            mask &= cells.str.casefold() == value.casefold()
    return mask


@functools.cache
def overlaps() -> tuple[Overlap, ...]:
    with OVERLAPS.open(newline="", encoding="utf-8") as handle:
        rows = [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]
    out = []
    for n, row in enumerate(rows, start=2):
        if row["kind"] not in KINDS:
            raise ValueError(f"{OVERLAPS} line {n}: kind {row['kind']!r} is not one of {', '.join(KINDS)}")
        out.append(Overlap(row["id"], row["source"], row["platform"], row["kind"], row["whole"],
                           tuple(p.strip() for p in row["parts"].split(" | ") if p.strip()), row["note"]))
    return tuple(out)


def totals_sql() -> str:
    """SQL that keeps the figures a reader takes as totals: an empty breakdown, or a part declared as standing
    without a total (NCMEC's providers of one platform)."""
    clauses = ["breakdown = ''"]
    for rule in overlaps():
        if rule.kind != "parts_without_total":
            continue
        for part in rule.parts:
            key = dict(_selector(part)).get("breakdown", "")
            if key.endswith("=*"):
                clauses.append(f"(source = '{rule.source}' AND regexp_full_match(breakdown, "
                               f"'{re.escape(key[:-1])}[^;]*'))")
    return "(" + " OR ".join(clauses) + ")"


def _pairs(df: pd.DataFrame, rule: Overlap):
    """For each group of one table and period: the group, the rule's whole rows and each of its parts' rows."""
    scoped = df[rule.applies(df)]
    if scoped.empty:
        return
    wholes = matches(scoped, rule.whole)
    scope = [c for c in SCOPE if c in scoped]  # a frame of one metric may leave that column out
    for _, group in scoped.groupby(scope, sort=False, dropna=False):
        whole = group[wholes.loc[group.index]]
        if whole.empty:
            continue
        rest = group.drop(whole.index)
        parts = [rest[matches(rest, p)] for p in rule.parts]
        yield group, whole, parts


# What `counted_in` says of a figure printed once for several platforms.
COMBINED_WORDS = "one printed figure for several platforms, given to each (count it once)"


def _words(rule: Overlap) -> tuple[str, str]:
    """What `counted_in` says of a rule's parts and of its whole."""
    part = (f"contained in {rule.whole.split('=', 1)[-1]!r} ({rule.id})" if rule.kind == "contains"
            else f"the same things counted another way ({rule.id})")
    return part, f"contains other figures ({rule.id})" if rule.kind == "contains" else part


def counted_in(df: pd.DataFrame) -> pd.Series:
    """For each figure, what else in the atlas counts it (words, '' for none): the figure that contains it, the
    other way of counting the same things, or the other platforms of a combined row. Based on the declarations,
    whatever else the frame holds. Each rule's selectors are matched only on the rows of its source."""
    out = pd.Series("", index=df.index, dtype=object)

    def add(index: pd.Index, words: str) -> None:
        if len(index):
            out.loc[index] = out.loc[index].where(out.loc[index] == "", out.loc[index] + "; ") + words

    for rule in overlaps():
        if rule.kind == "parts_without_total":
            continue
        scoped = df[rule.applies(df)]
        if scoped.empty:
            continue
        part_words, whole_words = _words(rule)
        whole = matches(scoped, rule.whole)
        for part in rule.parts:
            add(scoped.index[matches(scoped, part) & ~whole], part_words)
        add(scoped.index[whole], whole_words)
    add(df.index[df["qualifier"] == COMBINED], COMBINED_WORDS)
    return out


def counted_in_sql(table: str = "") -> str:
    """`counted_in` as a SQL expression over the columns of a row (prefixed `table.`): the same words in the same
    order, so exports compute it where the rows stream instead of in a frame (a test holds the two equal)."""
    prefix = f"{table}." if table else ""

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def selected(selector: str) -> str:
        terms = ["TRUE"]
        for column, value in _selector(selector):
            cell = f"{prefix}{column}"
            if column == "breakdown" and value.endswith("=*"):
                terms.append(f"regexp_full_match({cell}, {literal(re.escape(value[:-1]) + '[^;]*')})")
            elif value == "*":
                terms.append(f"{cell} <> ''")
            else:
                terms.append(f"lower({cell}) = {literal(value.casefold())}")
        return "(" + " AND ".join(terms) + ")"

    cases = []
    for rule in overlaps():
        if rule.kind == "parts_without_total":
            continue
        applies = f"{prefix}source = {literal(rule.source)}" + (
            f" AND {prefix}platform = {literal(rule.platform)}" if rule.platform else "")
        part_words, whole_words = _words(rule)
        whole = selected(rule.whole)
        cases += [f"CASE WHEN {applies} AND {selected(part)} AND NOT {whole} THEN {literal(part_words)} END"
                  for part in rule.parts]
        cases.append(f"CASE WHEN {applies} AND {whole} THEN {literal(whole_words)} END")
    cases.append(f"CASE WHEN {prefix}qualifier = {literal(COMBINED)} THEN {literal(COMBINED_WORDS)} END")
    return f"concat_ws('; ', {', '.join(cases)})"


def _nested(rule: Overlap) -> list[str]:
    """The wholes of other rules whose parts are all parts of this rule (X's 'Abuse, Harassment & Hateful Conduct'
    inside its total): where this rule's whole stands in for its parts, they go too."""
    return [other.whole for other in overlaps() if other is not rule and other.kind == "contains"
            and other.source == rule.source and set(other.parts) <= set(rule.parts)]


def countable(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows a sum may add, and a note for each overlap it left out: a combined row once; where a containing
    figure sits beside all of its parts, the parts stay and the containing figure goes; else the containing figure
    stays and every part of it goes (figures that contain only its parts too); of two ways of counting the same
    things, the first."""
    keep = df.drop_duplicates(["document_sha256", "locator", "value"]) if "locator" in df else df
    notes = [f"a figure printed for several platforms together counted once ({len(df) - len(keep)} duplicate(s))"] \
        if len(keep) < len(df) else []
    for rule in overlaps():
        if rule.kind == "parts_without_total":
            continue
        drop = []
        for group, whole, parts in _pairs(keep, rule):
            present = [p for p in parts if not p.empty]
            if rule.kind == "contains" and present and len(present) == len(parts):
                drop += list(whole.index)
                continue
            drop += [i for p in present for i in p.index]
            for inner in _nested(rule):
                drop += list(group.index[matches(group, inner)].difference(whole.index))
        if drop:
            keep = keep.drop(index=sorted(set(drop)))
            notes.append(f"{rule.id}: {len(set(drop))} figure(s) left out, counted elsewhere in the sum ({rule.note})")
    return keep, notes
