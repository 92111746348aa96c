"""Vocabularies (platforms, policy areas, metrics) and per-source label mappings, all read from data files."""
from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reports import PACKAGE_DIR
from reports.errors import AtlasError, UnmappedLabel

VOCAB_DIR = PACKAGE_DIR / "vocab"
MAPPINGS_DIR = PACKAGE_DIR / "mappings"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@functools.cache
def vocabulary(name: str) -> dict[str, dict[str, str]]:
    """One vocabulary (`platforms`, `policy_areas`, `metrics`) as {id: row}."""
    path = VOCAB_DIR / f"{name}.csv"
    rows = _read_csv(path)
    key = next(iter(rows[0])) if rows else "id"
    return {row[key]: row for row in rows}


def platforms() -> dict[str, dict[str, str]]:
    return vocabulary("platforms")


def policy_areas() -> dict[str, dict[str, str]]:
    return vocabulary("policy_areas")


def metrics() -> dict[str, dict[str, str]]:
    return vocabulary("metrics")


def _normal(label: str) -> str:
    return " ".join(str(label).split())


@dataclass(frozen=True)
class Mapping:
    """A source's mapping from its own labels to our vocabulary: `reports/mappings/<source>/<kind>.csv`."""

    source: str
    kind: str
    path: Path
    rows: dict[str, dict[str, str]]

    def lookup(self, label: str, *, file: str | Path | None = None, place: str | None = None) -> dict[str, str]:
        """The mapped row for a label; raises UnmappedLabel (naming file and place) when none covers it."""
        key = _normal(label)
        row = self.rows.get(key) or self.rows.get(key.casefold())
        if row is None:
            raise UnmappedLabel(
                f"{self.kind} label {label!r} is not in {self.path.relative_to(PACKAGE_DIR.parent)}; "
                "add a row that maps it", file=file, place=place, source=self.source)
        return row

    def __contains__(self, label: str) -> bool:
        key = _normal(label)
        return key in self.rows or key.casefold() in self.rows


@functools.cache
def mapping(source: str, kind: str) -> Mapping:
    """Load `reports/mappings/<source>/<kind>.csv`; its first column is the source's label."""
    path = MAPPINGS_DIR / source / f"{kind}.csv"
    if not path.exists():
        raise AtlasError(f"no mapping file {path}", source=source)
    rows: dict[str, dict[str, str]] = {}
    raw = _read_csv(path)
    label_column = next(iter(raw[0])) if raw else "label"
    for row in raw:
        key = _normal(row[label_column])
        rows[key] = row
        rows.setdefault(key.casefold(), row)
    _check_targets(path, raw)
    return Mapping(source, kind, path, rows)


def _check_targets(path: Path, rows: list[dict[str, str]]) -> None:
    """A mapping may only point at ids our vocabularies know."""
    checks = {"policy_area": policy_areas(), "metric": metrics(), "platform": platforms()}
    for number, row in enumerate(rows, start=2):
        for column, known in checks.items():
            value = row.get(column)
            if value and value not in known:
                raise AtlasError(f"{column} {value!r} is not in reports/vocab", file=path, place=f"line {number}")


def slugify(name: str) -> str:
    """A lowercase ASCII slug of a name ('Some Company, Inc.' -> 'some-company-inc'); '' when nothing is left.

    An organisation without a platform of ours keeps a slug of its name as its `platform`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
