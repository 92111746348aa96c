"""What every collector is: a pure parser from published files to rows of the common schema."""
from __future__ import annotations

import hashlib
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from reports.model.documents import Document, SourceCard, load_card
from reports.model.errors import AtlasError
from reports.model.vocab import (
    UNMAPPED_AREA,
    UNMAPPED_METRIC,
    Mapping,
    Unmapped,
    mappings_in,
    platform_names_text,
    recording_unmapped,
)

# Part of every collector's fingerprint: bumped when the readers all collectors share (reports/model/numbers.py,
# reports/ingest/textio.py, reports/ingest/workbook.py) read a file differently, so that a store re-reads what an
# older reading stored.
# 2: a figure printed with a footnote mark is read, qualified footnoted.
# 3: a workbook holding a formula whose value it does not store is refused (it was read as an empty cell).
SHARED_READING = "3"


@dataclass(frozen=True)
class Skipped:
    """A row or table the collector read but did not import, and why (shown in the build summary)."""

    document_sha256: str
    locator: str
    reason: str


@dataclass
class ParseResult:
    """What a collector returns for one bundle of documents."""

    observations: pd.DataFrame
    skipped: list[Skipped] = field(default_factory=list)
    # Findings a reader should know of (a total that does not add up, a corrected period, ...).
    notes: list[str] = field(default_factory=list)
    # Per document sha256: `edition` label, `edition_date` (orders editions; latest wins), `text` for display,
    # and what the document says of itself where the source card can only say it generally: `publisher`,
    # `published` (date), `title`.
    document_meta: dict[str, dict] = field(default_factory=dict)
    # Labels no mapping covers, met while parsing (filled by Collector.read).
    unmapped: list[Unmapped] = field(default_factory=list)


class Collector:
    """Base for one source: set `id` (also its folder name under a sources dir) and implement `parse`.

    A source is one folder, `collectors/<package>/`: its parser, `card.toml` (the source card), `mappings/*.csv`
    (its labels to our vocabulary) and `collect.toml` (where its files are published). `parse` must be pure: it
    reads only the documents' bytes and the folder's data files, never the network.
    """

    id: str = ""
    # Bump when parsing logic changes, so a rebuild re-parses documents already in the store.
    version: str = "1"
    # File name patterns this collector reads inside its folder.
    patterns: tuple[str, ...] = ("*",)
    # Folder names (anywhere in a path under the sources dir) whose files belong to this collector;
    # empty means just the id.
    folders: tuple[str, ...] = ()
    # Folders holding this source's files that another command reads, not the build: folder name -> what to run
    # (listed as not read, with that reason, instead of "no collector recognises it").
    read_elsewhere: dict[str, str] = {}

    @property
    def folder_names(self) -> tuple[str, ...]:
        return self.folders or (self.id,)

    def builtin_files(self) -> list[Path]:
        """Files shipped in the repo that every build reads (e.g. hand-curated figures); default none."""
        return []

    @property
    def folder(self) -> Path:
        """The source's folder: the package its class is defined in."""
        return Path(sys.modules[type(self).__module__].__file__).resolve().parent

    @property
    def card(self) -> SourceCard:
        return load_card(self.folder / "card.toml", self.id)

    def mapping(self, kind: str) -> Mapping:
        """The source's mapping of one kind of label: `mappings/<kind>.csv` in its folder."""
        return mappings_in(self.id, self.folder / "mappings")(kind)

    def download_plan(self) -> dict | None:
        """Where `tatlas collect` fetches the source's files: `collect.toml` in its folder (None: not collected)."""
        path = self.folder / "collect.toml"
        if not path.exists():
            return None
        try:
            with path.open("rb") as handle:
                return tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise AtlasError(f"unreadable collect plan ({exc})", file=path, source=self.id) from None

    def sniff(self, path: Path) -> bool:
        """Recognise a file of this source found outside its folder (default: never)."""
        return False

    def bundles(self, files: list[Path]) -> list[list[Path]]:
        """Group files read together (default: each file on its own)."""
        return [[f] for f in sorted(files)]

    def parse(self, documents: list[Document]) -> ParseResult:
        raise NotImplementedError

    def read(self, documents: list[Document]) -> ParseResult:
        """Parse, recording every label no mapping covers (what the build and the tests call)."""
        with recording_unmapped() as found:
            result = self.parse(documents)
        result.unmapped = [*result.unmapped, *(u for u in found if u not in result.unmapped)]
        drop_empty_unmapped(result)
        return result

    def fingerprint(self) -> str:
        """Changes whenever the parser version, the shared readers (SHARED_READING) or the source's mappings change
        (its files, and its rows of the registry of platform names)."""
        digest = hashlib.sha256(f"{self.id}:{self.version}:{SHARED_READING}".encode())
        for path in sorted((self.folder / "mappings").glob("*.csv")):
            digest.update(path.read_bytes())
        digest.update(platform_names_text(self.id).encode())
        return digest.hexdigest()[:16]


def drop_empty_unmapped(result: ParseResult) -> None:
    """A label no mapping covers under which nothing at all is printed (a new, empty 'Notes' column) carries no
    figure: its empty cells are not imported, and a note says so; the label itself stays listed as not yet
    harmonised. A new label with some figures keeps its empty cells as gaps, like any other."""
    df = result.observations
    if df is None or df.empty:
        return
    metric_unmapped = df["metric"] == UNMAPPED_METRIC
    unmapped = metric_unmapped | (df["policy_area"] == UNMAPPED_AREA)
    if not unmapped.any():
        return
    label = df["metric_label"].where(metric_unmapped, df["policy_label"])
    empty = df["value"].isna() & df["value_text"].fillna("").str.strip().eq("")
    hollow = unmapped & empty.groupby([unmapped, label]).transform("all")
    for name, cells in df[hollow].groupby(label[hollow], sort=False):
        result.notes.append(f"{len(cells)} empty cell(s) under {name!r}, a label no mapping covers and under which "
                            f"nothing is printed: not imported (first at {cells.iloc[0]['locator']})")
    result.observations = df[~hollow].reset_index(drop=True)


def edition_meta(label: str, edition_date: date, **extra) -> dict:
    return {"edition": label, "edition_date": edition_date, **extra}
