"""Curated sources: figures transcribed by hand from pages that offer no data file (e.g. Twitch's reports).

A curated source is a folder like any other source's, `collectors/curated_<name>/`, holding `card.toml`,
`mappings/policy_areas.csv` and `collect.toml`; its collector id is `curated-<name>` and it is registered with one
line in collectors/registry.py. Its figures come either from an editor's `figures.csv` in that folder (one row per
published figure with its citation, every build reads it) or from transcriptions found in the sources folder under
the name `transcription.toml` declares, in the layout it declares (which column is which, what is implied; metric
ids from `mappings/metrics.csv`). Every row is validated like any published document: a bad row fails naming the
file, the line and the column.
"""
from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

from reports.ingest.collector import Collector, ParseResult, edition_meta
from reports.ingest.textio import csv_records, decode_text
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import TEXT, Figure, parse_figure
from reports.model.periods import parse_period
from reports.model.schema import CURATED_FIELDS, frame, observation
from reports.model.vocab import Mapping, platforms

# The columns a curated file has, as the schema declares them (reports/model/schema.py, CURATED_FIELDS).
COLUMNS = [f.name for f in CURATED_FIELDS]
# Checked as declared; the value is read below as a printed figure and the period as a period.
CHECKED = [f for f in CURATED_FIELDS if f.name not in ("value", "period")]


class Curated(Collector):
    """One curated source: the folder holding its `figures.csv`, card and mappings; its id is `curated-<name>`."""

    version = "3"  # 3: rows of empty cells left out; a row cited by the line it ends on
    patterns = ("*.csv",)

    def __init__(self, folder: Path):
        self._folder = Path(folder).resolve()
        self.id = "curated-" + self._folder.name.removeprefix("curated_").replace("_", "-")
        declared = self._folder / "transcription.toml"
        self.transcription = tomllib.loads(declared.read_text(encoding="utf-8")) if declared.exists() else None
        if self.transcription:
            self.folders = (self.id, *self.transcription.get("folders", ()))

    @property
    def folder(self) -> Path:
        return self._folder

    def builtin_files(self) -> list[Path]:
        """An editor's own curated file, when the source has one."""
        return [p for p in [self.folder / "figures.csv"] if p.exists()]

    def parse(self, documents: list[Document]) -> ParseResult:
        """Check every row against our vocabularies and formats, map its policy label, keep its citation."""
        (doc,) = documents
        text = decode_text(doc.read_bytes(), file=doc.path)
        csv_records(text, file=doc.path)  # refuses a file cut short inside a quoted field
        reader = csv.DictReader(io.StringIO(text))
        as_transcribed = self.transcribed(reader.fieldnames)
        if as_transcribed is None:
            check_header(reader.fieldnames, doc)
        else:
            self.check_transcribed_header(as_transcribed, doc)
        read = set(COLUMNS if as_transcribed is None else as_transcribed.values())
        extra = [c for c in reader.fieldnames or [] if c not in read]
        notes = [f"{doc.name}: column(s) {', '.join(repr(c) for c in extra)} not read"] if extra else []
        rows, seen = [], {}
        for record in reader:
            number = reader.line_num  # the line the record ends on: blank lines and cells over lines counted
            cells = {k: (v or "").strip() for k, v in record.items() if k is not None}
            if not any(cells.values()) and not any((v or "").strip() for v in record.get(None) or []):
                continue  # a row of empty cells (a spreadsheet's blank row) holds no figure
            if as_transcribed is not None:
                cells = self.curated_record(cells, as_transcribed, doc, number)
            row = curated_row(self.mapping("policy_areas"), cells, record.get(None), doc, number)
            key = (row["platform"], row["period"], row["region"], row["policy_label"], row["metric"],
                   row["metric_label"], row["breakdown"])
            if key in seen:
                raise ParseError(f"the same figure is already given on line {seen[key]}", file=doc.path,
                                 place=f"line {number}", source=self.id)
            seen[key] = number
            rows.append(row)
        if not rows:
            raise ParseError("no figures", file=doc.path, source=self.id)
        last = max(r["period_end"] for r in rows)
        return ParseResult(frame(rows), notes=notes, document_meta={doc.sha256: edition_meta("curated", last)})

    def transcribed(self, header: list[str] | None) -> dict[str, str] | None:
        """Our columns by the transcription's (declared in transcription.toml) when the file is in that layout and
        not a curated file; None for a curated file."""
        if not self.transcription or all(c in (header or []) for c in COLUMNS):
            return None
        printed = {h.strip().casefold(): h for h in header or []}  # 'Source_URL ' is the column source_url
        return {ours: printed[theirs.casefold()] for ours, theirs in self.transcription["columns"].items()
                if theirs.casefold() in printed}

    def check_transcribed_header(self, present: dict[str, str], doc: Document) -> None:
        """Refuse a transcription without a column the schema requires, naming the transcription's own header."""
        required = {f.name for f in CURATED_FIELDS if f.required}
        missing = [theirs for ours, theirs in self.transcription["columns"].items()
                   if ours in required and ours not in present]
        if missing:
            raise ParseError(f"missing column(s) {', '.join(missing)}; a transcription has "
                             f"{','.join(self.transcription['columns'].values())} (transcription.toml)",
                             file=doc.path, place="line 1")

    def curated_record(self, cells: dict[str, str], columns: dict[str, str], doc: Document, line: int) -> dict:
        """A transcription's row as a curated file's: its columns renamed, what it implies filled in, the metric and
        its unit from the printed heading (mappings/metrics.csv), the locator quoting the row's printed cells."""
        record = {**self.transcription.get("implied", {}), **{ours: cells[theirs] for ours, theirs in columns.items()}}
        metric = self.mapping("metrics").lookup(record.get("metric_label", ""), file=doc.path,
                                                place=f"line {line}, column {columns.get('metric_label')}")
        record["metric"], record["unit"] = metric["metric"], metric["unit"] or "count"
        printed = ", ".join(f"{theirs.strip()} {cells[theirs]!r}" for ours, theirs in columns.items()
                            if ours in ("period", "metric_label", "policy_label") and cells.get(theirs))
        record["locator"] = printed
        return record


def check_header(fieldnames: list[str] | None, doc: Document) -> None:
    missing = [c for c in COLUMNS if c not in (fieldnames or [])]
    if missing:
        raise ParseError(f"missing column(s) {', '.join(missing)}; a curated file has {','.join(COLUMNS)}",
                         file=doc.path, place="line 1")


def curated_row(areas: Mapping, rec: dict[str, str], extra: list | None, doc: Document, line: int) -> dict:
    """One curated figure as an observation; the first problem found is raised naming line and column."""
    source = areas.source
    def fail(column: str, message: str):
        raise ParseError(message, file=doc.path, place=f"line {line}, column {column}", source=source)

    if extra:
        fail(COLUMNS[-1], f"more cells than columns ({extra!r}); quote values that contain commas")
    problems = [(f.name, f.problem(rec.get(f.name, ""))) for f in CHECKED]
    problems += [("value", "value is empty" if not rec.get("value") else None),
                 ("platform", None if rec["platform"] in platforms() else
                  f"platform {rec['platform']!r} is not in reports/model/vocabularies/platforms.csv")]
    for column, problem in problems:
        if problem:
            fail(column, problem)
    place = f"line {line}, column "
    period = parse_period(rec["period"], file=str(doc.path), place=place + "period")
    # words transcribed where the page printed no number are kept as text (qualifier text, no value)
    figures = parse_figure(rec["value"], file=str(doc.path), place=place + "value", lenient=True)
    if not figures:  # 'N/A', '-': the page printed that it gives no figure; kept as printed, no value
        figures = [Figure(None, "count", TEXT)]
    if len(figures) != 1 or (figures[0].value is None and figures[0].qualifier != TEXT):
        fail("value", f"value {rec['value']!r} is not one published figure")
    (figure,) = figures
    if figure.qualifier != TEXT and (figure.unit == "ratio" and rec["unit"] != "ratio"
                                     or figure.unit == "count" and rec["unit"] == "ratio"):
        fail("unit", f"value {rec['value']!r} does not read as unit {rec['unit']!r}")
    area = "ALL"
    if rec["policy_label"]:
        area = areas.lookup(rec["policy_label"], file=doc.path, place=place + "policy_label")["policy_area"]
    return observation(
        platform=rec["platform"], period=period, metric=rec["metric"], metric_label=rec["metric_label"],
        policy_area=area, policy_label=rec["policy_label"], value=figure.value, unit=rec["unit"],
        value_text=rec["value"], qualifier=figure.qualifier, region=rec["region"], breakdown=rec["breakdown"],
        source_url=rec["source_url"],
        locator=f"{rec['locator']}; transcribed from {rec['transcribed_from']} ({doc.name} line {line})")

