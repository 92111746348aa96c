"""What a daily dump of statements of reasons looks like: its name, its two schemas, and the fields the counts read.

A dump is `sor-<global|platform>-YYYY-MM-DD-<full|light>.zip` with `<dump>.sha1` beside it: a ZIP of
`...-NNNNN.csv.zip` ZIPs, each holding CSV parts of up to 100,000 rows with a header.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reports.model.errors import AtlasError, ParseError
from reports.model.vocab import policy_areas

SOURCE_ID = "dsa-tdb"
DUMP_NAME = re.compile(r"^sor-(?P<scope>[a-z0-9]+(?:-[a-z0-9]+)*?)-(?P<day>\d{4}-\d{2}-\d{2})-(?P<kind>full|light)\.zip$")
V2_FROM = date(2025, 7, 1)
V1_HEADER = [
    "uuid", "decision_visibility", "decision_visibility_other", "end_date_visibility_restriction",
    "decision_monetary", "decision_monetary_other", "end_date_monetary_restriction", "decision_provision",
    "end_date_service_restriction", "decision_account", "end_date_account_restriction", "account_type",
    "decision_ground", "decision_ground_reference_url", "illegal_content_legal_ground", "illegal_content_explanation",
    "incompatible_content_ground", "incompatible_content_explanation", "incompatible_content_illegal", "category",
    "category_addition", "category_specification", "category_specification_other", "content_type",
    "content_type_other", "content_language", "content_date", "territorial_scope", "application_date",
    "decision_facts", "source_type", "source_identity", "automated_detection", "automated_decision", "platform_name",
    "platform_uid", "created_at",
]
V2_HEADER = V1_HEADER[:V1_HEADER.index("content_date") + 1] + ["content_id_ean"] + V1_HEADER[
    V1_HEADER.index("content_date") + 1:]

# The fields the counts read; everything else in a dump (texts, dates, ids) is never materialised.
NEEDED = ["uuid", "platform_name", "category", "decision_visibility", "decision_monetary", "decision_provision",
          "decision_account", "decision_ground", "content_type", "automated_detection", "automated_decision",
          "source_type", "account_type", "territorial_scope"]
SCALAR_CUTS = ["decision_ground", "decision_monetary", "decision_provision", "decision_account",
               "automated_detection", "automated_decision", "source_type", "account_type"]
LIST_CUTS = ["decision_visibility", "content_type"]
# A part is first counted per combination of these raw fields (a few thousand per part): every cut is computed
# from those groups, never from the statements.
RAW = ["platform_name", "category"] + SCALAR_CUTS + LIST_CUTS + ["territorial_scope"]


def schema_categories(version: str) -> frozenset[str]:
    """The statement categories of one database schema ('v1', 'v2'), as the policy-area vocabulary marks them."""
    return frozenset(code for code, row in policy_areas().items() if version in row["dsa_schema"].split())


V1_CATEGORIES, V2_CATEGORIES = schema_categories("v1"), schema_categories("v2")
KNOWN_CATEGORIES = V1_CATEGORIES | V2_CATEGORIES
SCHEMAS = {"v1": (V1_HEADER, V1_CATEGORIES), "v2": (V2_HEADER, V2_CATEGORIES)}


@dataclass(frozen=True)
class Dump:
    """One daily dump file and what its name says."""

    path: Path
    scope: str
    day: date
    kind: str

    @property
    def schema(self) -> str:
        return "v2" if self.day >= V2_FROM else "v1"

    @property
    def sha1_path(self) -> Path:
        return self.path.with_name(self.path.name + ".sha1")


def parse_dump_name(path: Path) -> Dump:
    """Read scope, day and kind from `sor-global-2024-03-14-full.zip`; refuse any other name."""
    match = DUMP_NAME.match(path.name)
    if not match:
        raise AtlasError("not a Transparency Database dump name (expected sor-<scope>-YYYY-MM-DD-<full|light>.zip)",
                         file=path, source=SOURCE_ID)
    try:
        day = date.fromisoformat(match["day"])
    except ValueError:
        raise AtlasError(f"no such day {match['day']!r}", file=path, source=SOURCE_ID) from None
    return Dump(path, match["scope"], day, match["kind"])


def check_header(header: list[str], dump: Dump, place: str) -> None:
    """A part's header must hold the fields the counts read (by name, in any order; the light dump leaves texts
    out). A column of the other schema is refused (a dump of the wrong day); a column of neither, which a later
    schema may add, is not read (the dump's notes name it: dumps.beyond_schema)."""
    expected, _ = SCHEMAS[dump.schema]
    other = "v2" if dump.schema == "v1" else "v1"
    misplaced = [c for c in header if c not in expected and c in SCHEMAS[other][0]]
    if misplaced:
        raise ParseError(f"unknown column(s) {misplaced} (a schema-{other} column; this {dump.day} dump follows "
                         f"schema {dump.schema})", file=dump.path, place=f"{place} line 1")
    missing = [c for c in NEEDED if c not in header]
    if missing:
        raise ParseError(f"missing column(s) {missing}", file=dump.path, place=f"{place} line 1")


def check_groups(platforms: set[str], categories: set[str], dump: Dump, place: str) -> None:
    """Refuse a statement without platform or category, or with a category of the other schema (a dump of the
    wrong day). A category of neither, which a later schema may add, is counted under its own name (policy area
    UNMAPPED, see dumps.observations)."""
    if "" in platforms:
        raise ParseError("a statement without platform_name", file=dump.path, place=place)
    if "" in categories:
        raise ParseError("a statement without category", file=dump.path, place=f"{place} column category")
    _, allowed = SCHEMAS[dump.schema]
    other = "v2" if dump.schema == "v1" else "v1"
    misplaced = sorted((categories - allowed) & SCHEMAS[other][1])
    if misplaced:
        raise ParseError(f"category {misplaced[0]} is a schema-{other} value, but this {dump.day} dump follows schema "
                         f"{dump.schema}", file=dump.path, place=f"{place} column category")
