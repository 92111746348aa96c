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
from typing import TYPE_CHECKING

from reports.model.schema import COMBINED

if TYPE_CHECKING:  # imported where needed: an export to CSV runs without pandas
    import pandas as pd

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
    import pandas as pd
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
    clauses = ["breakdown = ''"] + [f"({_applies_sql(rule)} AND {_selected_sql(part)})" for rule in overlaps()
                                    if rule.kind == "parts_without_total" for part in rule.parts]
    return "(" + " OR ".join(clauses) + ")"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _applies_sql(rule: Overlap, prefix: str = "") -> str:
    """`Overlap.applies` in SQL: rows of the rule's source (and platform, where it names one)."""
    return f"{prefix}source = {_literal(rule.source)}" + (
        f" AND {prefix}platform = {_literal(rule.platform)}" if rule.platform else "")


def _selected_sql(selector: str, prefix: str = "") -> str:
    """`matches` in SQL: the rows a selector picks."""
    terms = ["TRUE"]
    for column, value in _selector(selector):
        cell = f"{prefix}{column}"
        if column == "breakdown" and value.endswith("=*"):
            terms.append(f"regexp_full_match({cell}, {_literal(re.escape(value[:-1]) + '[^;]*')})")
        elif value == "*":
            terms.append(f"{cell} <> ''")
        else:
            terms.append(f"lower({cell}) = {_literal(value.casefold())}")
    return "(" + " AND ".join(terms) + ")"


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
    """`counted_in_sql` for each row of a frame (the sums of daily counts an export builds in memory)."""
    import duckdb
    import pandas as pd

    con = duckdb.connect()
    try:
        con.register("figures", df)
        words = con.sql(f"SELECT {counted_in_sql()} AS counted_in FROM figures").fetchnumpy()["counted_in"]
    finally:
        con.close()
    return pd.Series(list(words), index=df.index, dtype=object)


def counted_in_sql(table: str = "") -> str:
    """For each figure, what else in the atlas counts it (words, '' for none), as a SQL expression over the columns
    of a row (prefixed `table.`), so exports compute it where the rows stream: the figure that contains it, the
    other way of counting the same things, or the other platforms of a combined row. Based on the declarations,
    whatever else the selection holds; each rule's selectors are matched only on the rows of its source."""
    prefix = f"{table}." if table else ""
    cases = []
    for rule in overlaps():
        if rule.kind == "parts_without_total":
            continue
        applies = _applies_sql(rule, prefix)
        part_words, whole_words = _words(rule)
        whole = _selected_sql(rule.whole, prefix)
        cases += [f"CASE WHEN {applies} AND {_selected_sql(part, prefix)} AND NOT {whole} THEN {_literal(part_words)} "
                  "END" for part in rule.parts]
        cases.append(f"CASE WHEN {applies} AND {whole} THEN {_literal(whole_words)} END")
    cases.append(f"CASE WHEN {prefix}qualifier = {_literal(COMBINED)} THEN {_literal(COMBINED_WORDS)} END")
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
