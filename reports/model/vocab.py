"""Vocabularies (platforms, policy areas, metrics) and per-source label mappings, all read from data files."""
from __future__ import annotations

import contextvars
import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reports import PACKAGE_DIR
from reports.model.errors import AtlasError

VOCAB_DIR = Path(__file__).resolve().parent / "vocabularies"
# The one place for the names publishers use for platforms and organisations (every source's, year by year):
# `collectors/<source>/mappings/platforms.csv` is read from here (rows of that source).
PLATFORM_NAMES = VOCAB_DIR / "platform_names.csv"
# A name that covers several platforms at once (NCMEC 2020 'Amazon / Twitch') maps to them joined with '+'.
COMBINED_SEPARATOR = "+"
# Reserved ids (../shared/DESIGN.md) for a label no mapping covers yet: the figure is kept with the publisher's
# words verbatim and flagged, never summed or charted with harmonised figures.
UNMAPPED_AREA = "UNMAPPED"
UNMAPPED_METRIC = "unmapped"
# What an unmapped row gives for each target column of a mapping file (other columns: empty).
_UNMAPPED_TARGETS = {"policy_area": UNMAPPED_AREA, "metric": UNMAPPED_METRIC}


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
class Unmapped:
    """A label in a published file that no mapping covers: where it was met, and the mapping row that would map it."""

    source: str
    field: str  # the mapping it was looked up in (policy_areas, metrics, platforms, indicators, ...)
    label: str
    file: str
    place: str
    mapping_file: str
    suggestion: str  # the CSV row to add to mapping_file, its targets in <angle brackets>

    def describe(self) -> str:
        return (f"{self.source} {self.field} {self.label!r} (first at {self.place or self.file}): "
                f"add `{self.suggestion}` to {self.mapping_file}")


_FOUND: contextvars.ContextVar[list[Unmapped] | None] = contextvars.ContextVar("unmapped_labels", default=None)


@contextmanager
def recording_unmapped() -> Iterator[list[Unmapped]]:
    """Collect every unmapped label met while parsing (the build wraps each document's parse in this)."""
    found: list[Unmapped] = []
    token = _FOUND.set(found)
    try:
        yield found
    finally:
        _FOUND.reset(token)


def record_unmapped(source: str, field: str, label: str, *, file=None, place=None, mapping_file: str = "",
                    suggestion: str = "") -> None:
    """Note one unmapped label (once per source, field and label) for the build summary and `tatlas unmapped`."""
    found = _FOUND.get()
    if found is None or any((u.source, u.field, u.label) == (source, field, label) for u in found):
        return
    found.append(Unmapped(source, field, label, str(file or ""), place or "", mapping_file, suggestion))


def csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


@dataclass(frozen=True)
class Mapping:
    """A source's mapping from its own labels to our vocabulary: `collectors/<source>/mappings/<kind>.csv`."""

    source: str
    kind: str
    path: Path
    rows: dict[str, dict[str, str]]
    header: tuple[str, ...] = ()  # the file's columns (else the first row's)
    fixed: tuple[tuple[str, str], ...] = ()  # columns a suggested row fills in (the source, in a shared file)

    def lookup(self, label: str, *, file: str | Path | None = None, place: str | None = None) -> dict[str, str]:
        """The mapped row for a label. A label no row covers is never fatal: it is recorded (file, place and the row
        that would map it) and gets an unmapped row: the label verbatim, `UNMAPPED` / `unmapped` as policy area and
        metric, a slug of it as platform, every other column empty."""
        key = _normal(label)
        row = self.rows.get(key) or self.rows.get(key.casefold())
        if row is None:
            return self.unmapped(label, file=file, place=place)
        return row

    @property
    def columns(self) -> list[str]:
        if self.header:
            return list(self.header)
        return list(next(iter(self.rows.values()))) if self.rows else ["label"]

    @property
    def relative_path(self) -> str:
        root = PACKAGE_DIR.parent
        return str(self.path.relative_to(root)) if self.path.is_relative_to(root) else str(self.path)

    def unmapped(self, label: str, *, file=None, place=None) -> dict[str, str]:
        """The row an unmapped label gets, after recording it."""
        text = _normal(label)
        columns = self.columns
        fixed = dict(self.fixed)
        suggestion = csv_line([text] + [fixed.get(c) or (f"<{c}>" if c in (*_UNMAPPED_TARGETS, "platform", "region") else "")
                                        for c in columns[1:]])
        record_unmapped(self.source, self.kind, text, file=file, place=place, mapping_file=self.relative_path,
                        suggestion=suggestion)
        row = {c: _UNMAPPED_TARGETS.get(c, "") for c in columns}
        row[columns[0]] = text
        if "platform" in row:
            row["platform"] = slugify(text) or "unnamed"
        row["unmapped"] = "yes"
        return row

    def __contains__(self, label: str) -> bool:
        key = _normal(label)
        return key in self.rows or key.casefold() in self.rows


def mappings_in(source: str, folder: Path):
    """`mapping(kind)` for one source: its mapping files live in `folder` (`collectors/<source>/mappings/`); a kind
    it has no file for may be a shared vocabulary (`countries`)."""
    folder = Path(folder)

    def mapping(kind: str) -> Mapping:
        path = folder / f"{kind}.csv"
        if not path.exists() and kind in SHARED_MAPPINGS:
            return SHARED_MAPPINGS[kind](source)
        return load_mapping(source, path)

    return mapping


@functools.cache
def load_mapping(source: str, path: Path) -> Mapping:
    """Load one mapping file; its first column is the source's label, the file's name is the kind of label.

    A source's `platforms` mapping is its rows of the one registry of names, `vocabularies/platform_names.csv`."""
    kind = path.stem
    if kind == "platforms":
        return platform_names(source)
    if not path.exists():
        raise AtlasError(f"no mapping file {path}", source=source)
    raw = _read_csv(path)
    label_column = next(iter(raw[0])) if raw else "label"
    _check_targets(path, raw)
    return Mapping(source, kind, path, _rows_by_label(raw, label_column))


def _rows_by_label(raw: list[dict[str, str]], label_column: str) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for row in raw:
        key = _normal(row[label_column])
        rows[key] = row
        rows.setdefault(key.casefold(), row)
    return rows


@functools.cache
def platform_names(source: str) -> Mapping:
    """The names one source uses for platforms and organisations: its rows of `platform_names.csv` (name,
    platform, source, years, note), as a mapping from the printed name to our platform slug."""
    raw = _read_csv(PLATFORM_NAMES)
    header = tuple(raw[0]) if raw else ("name", "platform", "source", "years", "note")
    _check_targets(PLATFORM_NAMES, raw)
    mine = [row for row in raw if row["source"] == source]
    return Mapping(source, "platforms", PLATFORM_NAMES, _rows_by_label(mine, header[0]), header=header,
                   fixed=(("source", source),))


def platform_names_text(source: str) -> str:
    """A source's rows of the names registry, as text (part of its collector's fingerprint)."""
    return "\n".join(csv_line(list(row.values())) for row in _read_csv(PLATFORM_NAMES) if row.get("source") == source)


def combined_platforms(platform: str) -> list[str]:
    """The platforms a mapped name covers: one, or several for a combined row ('amazon+twitch')."""
    return platform.split(COMBINED_SEPARATOR)


def _check_targets(path: Path, rows: list[dict[str, str]]) -> None:
    """A mapping may only point at ids our vocabularies know (a combined platform: each of its parts)."""
    checks = {"policy_area": policy_areas(), "metric": metrics(), "platform": platforms()}
    for number, row in enumerate(rows, start=2):
        for column, known in checks.items():
            value = row.get(column)
            values = combined_platforms(value) if value and column == "platform" else [value]
            for one in values:
                if one and one not in known:
                    raise AtlasError(f"{column} {one!r} is not in reports/model/vocabularies", file=path,
                                     place=f"line {number}")


COUNTRY_ALIASES = VOCAB_DIR / "country_aliases.csv"


@functools.cache
def countries(source: str) -> Mapping:
    """Country names to ISO 3166 alpha-2 codes, shared by every source: the names, official names and codes ISO
    publishes (through pycountry), and the other names publishers print (country_aliases.csv, which wins). Looked
    up like a source's own mapping: a name it lacks is kept, flagged, and the row to add is named."""
    import pycountry

    rows: dict[str, dict[str, str]] = {}
    for row in _read_csv(COUNTRY_ALIASES):
        rows[_normal(row["label"])] = rows[_normal(row["label"]).casefold()] = row
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "official_name", ""), getattr(country, "common_name", ""),
                     country.alpha_2, country.alpha_3):
            if name:
                row = {"label": name, "region": country.alpha_2, "note": "ISO 3166 (pycountry)"}
                rows.setdefault(_normal(name), row)
                rows.setdefault(_normal(name).casefold(), row)
    return Mapping(source, "countries", COUNTRY_ALIASES, rows)


# Mappings every source shares, looked up through `mappings_in` like its own.
SHARED_MAPPINGS = {"countries": countries}


def slugify(name: str) -> str:
    """A lowercase ASCII slug of a name ('Some Company, Inc.' -> 'some-company-inc'); '' when nothing is left.

    An organisation without a platform of ours keeps a slug of its name as its `platform`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
