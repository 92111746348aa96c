"""Google's government requests to remove content: the summary CSV (requests and items by period, country,
requestor, product and reason) and the detailed CSV (requests by period ending, country, product and reason).

Both files are read whole with pandas and turned into rows column by column (no per-row Python), because
together they hold about 38,000 lines and 160,000 figures.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reports.ingest.collector import Collector, ParseResult, Skipped, edition_meta
from reports.ingest.columns import FIT, figures_share, flag_recognised, header_key, periods_share, recognised, share
from reports.ingest.textio import check_complete, decode_text
from reports.model.documents import Document
from reports.model.errors import ParseError
from reports.model.numbers import FOOTNOTE_MARKS, FOOTNOTED, GROUP_MARK, TEXT, WHOLE_FIGURE, ZERO_DECIMALS
from reports.model.periods import date_readings, half, parse_period
from reports.model.schema import COLUMNS, coerce
from reports.model.vocab import csv_line, mappings_in, metrics, record_unmapped

SOURCE = "google-gov-removals"
# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in(SOURCE, FOLDER / "mappings")

# Each file's label columns (compared without case, spaces or punctuation; mappings/columns.csv may give other
# names) under common names; every other column is a figure column (its name mapped in metrics.csv), or, where its
# cells are mostly not numbers, a further label column read into the breakdown.
DIMENSIONS = {
    "summary": {"time_period": "period", "country": "country", "cldr_territory": "territory",
                "requestor": "requestor", "product": "product", "reason": "reason"},
    "detailed": {"Period Ending": "period", "Country/Region": "country", "CLDR Territory Code": "territory",
                 "Product": "product", "Reason": "reason"},
}
# The column that tells the two files apart.
KIND_BY = {"summary": "time_period", "detailed": "Period Ending"}
# A product no mapping covers is one of Google's: platform google, the product named in the breakdown.
PUBLISHER = "google"


class GoogleGovRemovals(Collector):
    id = SOURCE
    version = "5"  # 3: zero decimals ("455.0") read, rows of empty cells left out; 4: footnote marks; 5: renamed headers
    patterns = ("*.csv",)

    def sniff(self, path) -> bool:
        if path.suffix.lower() != ".csv":
            return False
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            keys = {header_key(h) for h in next(csv.reader([handle.readline()]), [])}
        return any({header_key(d) for d in dims} <= keys for dims in DIMENSIONS.values())

    def parse(self, documents: list[Document]) -> ParseResult:
        """Read one of the two files whole, map countries, products and reasons, and melt figures into rows."""
        (doc,) = documents
        raw, kind, figure_columns, extra = read_table(doc)
        table = raw.rename(columns=extra.renames)
        table["line"] = table.index + 2
        table, notes_skipped = without_note_lines(table, doc)
        if kind == "summary":
            table = attach_summary_periods(table, doc)
        else:
            table = attach_detailed_periods(table, doc)
        table = attach_regions(table, doc)
        skipped = notes_skipped + [
            Skipped(doc.sha256, f"line {line}", reason)
            for line, reason in table.loc[table["region"] == "", ["line", "region_note"]].itertuples(index=False)]
        table = table[table["region"] != ""]
        table = attach_products(table, doc)
        table = attach_policy_areas(table, doc)
        rows = melt_figures(table, kind, figure_columns, extra.labels, doc)
        check_unique(rows, doc)
        last = table["period_end"].max().date()
        label = half(last.year, 1 if last.month <= 6 else 2).label
        notes = [f"{doc.name}: column(s) {', '.join(repr(c) for c in extra.labels)} read as labels into the "
                 "breakdown (their cells are not counts)"] if extra.labels else []
        notes += [f"{doc.name}: column {column!r} prints {text!r} on every line: kept as this note, not as a "
                  "breakdown (it tells no figure apart)" for column, text in extra.constant.items()]
        return ParseResult(coerce(rows[COLUMNS]), skipped=skipped, notes=notes,
                           document_meta={doc.sha256: edition_meta(label, last)})


@dataclass
class Columns:
    """How a file's columns are read: renames to our common names, and label columns we do not know."""

    renames: dict[str, str]
    labels: list[str]
    constant: dict[str, str] = field(default_factory=dict)  # label columns printing one text on every line: that text


def read_table(doc: Document) -> tuple[pd.DataFrame, str, list[str], Columns]:
    """The whole CSV as text cells; which of the two files it is, its figure columns and any unknown label column."""
    text = decode_text(doc.read_bytes(), file=doc.path)
    check_complete(text, file=doc.path)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"not a readable CSV ({exc})", file=doc.path) from None
    header = [str(h) for h in table.columns]
    table.columns = header
    kind, renames = label_columns(table, header, doc)
    # Line numbers are index + 2 only while no cell spans lines; refuse rather than cite wrong lines.
    multiline = table.apply(lambda column: column.str.contains("\n", regex=False)).any(axis=1)
    if multiline.any():
        raise ParseError("a cell spans several lines; line numbers would be wrong", file=doc.path,
                         place=f"record {int(multiline.idxmax()) + 1}")
    figures, columns = classify(table, [c for c in header if c not in renames], doc)
    if not figures:
        raise ParseError(f"no figure columns in the header {header}", file=doc.path, place="line 1")
    columns.renames = renames
    return table, kind, figures, columns


def label_columns(table: pd.DataFrame, header: list[str], doc: Document) -> tuple[str, dict[str, str]]:
    """Which of the two files it is (by its period header, else by its figure columns: the summary prints one per
    outcome, the detailed file a single Total), and its label columns under their common names: by header (the
    files' own names, or another name columns.csv gives), else, for a renamed header, by what its column holds."""
    figure_names, other_names = label_mapping("metrics"), label_mapping("columns")
    keys = {header_key(h) for h in header}
    kind = next((k for k, column in KIND_BY.items() if header_key(column) in keys), None) or (
        "summary" if sum(h in figure_names for h in header) > 1 else "detailed")
    named = {header_key(h): common for h, common in DIMENSIONS[kind].items()}
    named |= {header_key(row["label"]): row["column"] for row in other_names.rows.values()}
    renames: dict[str, str] = {}
    for h in header:
        if (common := named.get(header_key(h))) in DIMENSIONS[kind].values() and common not in renames.values():
            renames[h] = common
    free = [h for h in header if h not in renames and h not in figure_names]
    needed = [c for c in DIMENSIONS[kind].values() if c not in renames.values()]
    for common, at in recognised(needed, {at: table[h].tolist() for at, h in enumerate(free)}, label_fit):
        renames[free[at]] = common
        flag_recognised(SOURCE, free[at], common, file=doc.path, columns_mapping=other_names)
    if missing := [h for h, common in DIMENSIONS[kind].items() if common not in renames.values()]:
        raise ParseError(f"missing column(s) {', '.join(missing)} of Google's {kind} file; the header is {header}, "
                         "and no other column holds what it would", file=doc.path, place="line 1")
    return kind, renames


def label_fit(column: str, cells: list[str]) -> float:
    """The share of a column's distinct cells that fit one of Google's label columns: periods, two-letter territory
    codes, or labels the column's mapping covers (the requestor has none, so a renamed one is not recognised)."""
    if figures_share(cells) >= FIT:
        return 0.0
    if column == "period":
        return periods_share(cells)
    if column == "territory":
        return share(cells, lambda cell: re.fullmatch(r"[A-Z]{2}", cell) is not None)
    kind = {"country": "regions", "product": "products", "reason": "policy_areas"}.get(column)
    return share(cells, lambda cell: cell in label_mapping(kind)) if kind else 0.0


def classify(table: pd.DataFrame, others: list[str], doc: Document) -> tuple[list[str], Columns]:
    """The columns besides the known labels: figures (mapped, or mostly counts), else labels we do not know, each
    flagged. A label column printing one and the same text on every line tells no figure apart from another: it
    is kept as a note, not put into every figure's breakdown (which would split each series from its past)."""
    known = label_mapping("metrics")
    figures, columns = [], Columns({}, [])
    for column in others:
        if column in known or mostly_counts(table[column]):
            figures.append(column)
            continue
        values = table[column].str.strip().unique()
        if len(values) == 1:
            columns.constant[column] = values[0]
        else:
            columns.labels.append(column)
        record_unmapped(SOURCE, "columns", column, file=doc.path, place="line 1", mapping_file=known.relative_path,
                        suggestion=f"a column of labels, not counts: read into the breakdown as "
                                   f"{breakdown_key(column)}= where its lines differ; map it in the collector if it "
                                   "names a dimension")
    return figures, columns


def mostly_counts(cells: pd.Series) -> bool:
    """A column of counts: most of its filled cells are whole numbers (a few words among them are kept as text)."""
    filled = cells.str.strip()
    filled = filled[filled != ""]
    return not filled.empty and filled.str.fullmatch(WHOLE_FIGURE).mean() >= 0.5


def without_note_lines(table: pd.DataFrame, doc: Document) -> tuple[pd.DataFrame, list[Skipped]]:
    """Lines with words in their first cell and nothing else (a note or source line under the table): not rows of
    figures, so listed as not imported instead of failing the file on a period they do not hold. Lines of empty
    cells (a spreadsheet's blank rows) hold nothing, and are left out as blank lines are."""
    cells = table.drop(columns="line")
    filled = cells.apply(lambda column: column.str.strip() != "")
    note = filled.iloc[:, 0] & ~filled.iloc[:, 1:].any(axis=1)
    notes = zip(table.loc[note, "line"], cells.loc[note].iloc[:, 0], strict=True)
    skipped = [Skipped(doc.sha256, f"line {line}", f"a line of words with no figures (a note): {text[:120]!r}; "
                       "not imported") for line, text in notes]
    return table[~note & filled.any(axis=1)], skipped


def breakdown_key(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_") or "column"


def first_line(table: pd.DataFrame, mask: pd.Series) -> str:
    return f"line {int(table.loc[mask, 'line'].iloc[0])}"


def attach_summary_periods(table: pd.DataFrame, doc: Document) -> pd.DataFrame:
    """'January - June 2025' -> the half year; each distinct label is parsed once."""
    parsed = {}
    for text in table["period"].unique():
        parsed[text] = parse_period(text, file=str(doc.path), place=first_line(table, table["period"] == text))
    return with_periods(table, parsed)


def attach_detailed_periods(table: pd.DataFrame, doc: Document) -> pd.DataFrame:
    """'2011-06-30' -> the half year ending that day, also as a spreadsheet re-saves it ('6/30/2011',
    '30/06/2011': a half year ends on the 30th or 31st, so day and month cannot be mistaken); any other day is an
    error."""
    parsed = {}
    for text in table["period"].unique():
        place = first_line(table, table["period"] == text)
        readings = date_readings(text)
        if not readings:
            raise ParseError(f"Period Ending {text!r} is not a date", file=doc.path, place=place)
        endings = [d for d in readings if (d.month, d.day) in ((6, 30), (12, 31))]
        if len(endings) != 1:
            raise ParseError(f"Period Ending {text!r} does not end a half year", file=doc.path, place=place)
        (ending,) = endings
        parsed[text] = half(ending.year, 1 if ending.month == 6 else 2)
    return with_periods(table, parsed)


def with_periods(table: pd.DataFrame, parsed: dict) -> pd.DataFrame:
    table = table.copy()
    table["period_label"] = table["period"].map({k: p.label for k, p in parsed.items()})
    table["period_start"] = pd.to_datetime(table["period"].map({k: p.start for k, p in parsed.items()}))
    table["period_end"] = pd.to_datetime(table["period"].map({k: p.end for k, p in parsed.items()}))
    return table


def attach_regions(table: pd.DataFrame, doc: Document) -> pd.DataFrame:
    """Google's country name and territory code -> our region (regions.csv); non-countries get a breakdown.

    A pair no row covers is flagged and filed under Google's own territory code where it is a two-letter one (the
    region it names), else under GLOBAL with the country as printed in the breakdown."""
    path = label_mapping("regions").path
    regions = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns={
        "label": "country", "cldr_territory": "territory", "breakdown": "region_breakdown", "note": "region_note"})
    merged = table.merge(regions, on=["country", "territory"], how="left", validate="many_to_one")
    unmapped = merged["region"].isna()
    for (country, territory), group in merged[unmapped].groupby(["country", "territory"], sort=False):
        code = territory.strip().upper()
        two_letters = bool(re.fullmatch(r"[A-Z]{2}", code))
        record_unmapped(SOURCE, "regions", country, file=doc.path, place=f"line {group['line'].iloc[0]}",
                        mapping_file=label_mapping("regions").relative_path,
                        suggestion=csv_line([country, territory, "<region>", "", ""]))
        merged.loc[group.index, "region"] = code if two_letters else "GLOBAL"
        merged.loc[group.index, "region_breakdown"] = "" if two_letters else "country=" + clean(group["country"])
        merged.loc[group.index, "region_note"] = ""
    return merged


def label_lookup(table: pd.DataFrame, column: str, kind: str, doc: Document) -> dict[str, dict[str, str]]:
    """Map each distinct label once; an unmapped one fails naming the first line it appears on."""
    labels = label_mapping(kind)
    return {text: labels.lookup(text, file=doc.path, place=first_line(table, table[column] == text))
            for text in table[column].unique()}


def attach_products(table: pd.DataFrame, doc: Document) -> pd.DataFrame:
    """A product that is a platform of ours (YouTube) becomes the platform; any other is a breakdown of google, and
    so is one no mapping covers (flagged)."""
    found = label_lookup(table, "product", "products", doc)
    table = table.copy()
    table["platform"] = table["product"].map({k: PUBLISHER if row.get("unmapped") else row["platform"]
                                              for k, row in found.items()})
    table["product_breakdown"] = table["product"].where(table["platform"] == PUBLISHER, "")
    return table


def attach_policy_areas(table: pd.DataFrame, doc: Document) -> pd.DataFrame:
    """Google's reason -> our policy area; the reason itself stays the policy label."""
    found = label_lookup(table, "reason", "policy_areas", doc)
    table = table.copy()
    table["policy_area"] = table["reason"].map({k: row["policy_area"] for k, row in found.items()})
    return table


def clean(values: pd.Series) -> pd.Series:
    """Breakdown values may not hold the separators ';' and '='."""
    return values.str.strip().str.replace(";", ",", regex=False).str.replace("=", ":", regex=False)


def joined(parts: list[pd.Series]) -> pd.Series:
    """`key=value;key=value` from per-row parts, where an empty part is left out."""
    result = parts[0]
    for part in parts[1:]:
        separator = pd.Series(";", index=result.index).where((result != "") & (part != ""), "")
        result = result + separator + part
    return result


def melt_figures(table: pd.DataFrame, kind: str, figure_columns: list[str], label_columns: list[str],
                 doc: Document) -> pd.DataFrame:
    """One row per figure column and line, all columns built at once; a cell that is not a whole number keeps its
    words (qualifier text, no value); a whole number with a footnote mark is read (qualifier footnoted)."""
    figure_map = label_mapping("metrics")
    dimensions = [clean(table["requestor"]).radd("requestor=")] if kind == "summary" else []
    dimensions.append(clean(table["product_breakdown"]).radd("product=").where(table["product_breakdown"] != "", ""))
    dimensions += [clean(table[c]).radd(f"{breakdown_key(c)}=").where(table[c].str.strip() != "", "")
                   for c in label_columns]
    dimensions.append(table["region_breakdown"])
    base_breakdown = joined(dimensions)
    frames = []
    for column in figure_columns:
        target = figure_map.lookup(column, file=doc.path, place="line 1")
        text = table[column].str.strip()
        marked = text.str.fullmatch(f"(?:{WHOLE_FIGURE}){FOOTNOTE_MARKS}")
        number = text.str.replace(f"{FOOTNOTE_MARKS}$", "", regex=True).where(marked, text)
        words = ~number.str.fullmatch(WHOLE_FIGURE) & (text != "")
        qualifier = pd.Series("", index=text.index).mask(marked, FOOTNOTED).mask(words, TEXT)
        breakdown = base_breakdown if not target["breakdown"] else base_breakdown.where(
            base_breakdown == "", base_breakdown + ";") + target["breakdown"]
        frames.append(pd.DataFrame({
            "platform": table["platform"], "source": SOURCE, "period_start": table["period_start"],
            "period_end": table["period_end"], "period": table["period_label"], "region": table["region"],
            "policy_area": table["policy_area"], "policy_label": table["reason"], "metric": target["metric"],
            "metric_label": column,
            "value": pd.to_numeric(number.str.replace(f"{ZERO_DECIMALS}$", "", regex=True)
                                   .str.replace(GROUP_MARK, "", regex=True).where((text != "") & ~words)),
            "unit": metrics()[target["metric"]]["unit"], "source_url": doc.source_url, "document_sha256": doc.sha256,
            "locator": "line " + table["line"].astype(str) + ", column " + column,
            "breakdown": breakdown, "value_text": text, "qualifier": qualifier,
        }))
    return pd.concat(frames, ignore_index=True)


def check_unique(rows: pd.DataFrame, doc: Document) -> None:
    """Two lines of one file must never give the same figure (same period, region, platform, reason, breakdown)."""
    key = ["platform", "period", "region", "policy_label", "metric", "metric_label", "breakdown"]
    clash = rows[rows.duplicated(key, keep=False)]
    if not clash.empty:
        first = clash.iloc[0]
        same = clash[(clash[key] == first[key]).all(axis=1)]
        raise ParseError(f"one figure appears on several lines: {', '.join(same['locator'].head(3))}", file=doc.path,
                         place=first["locator"])
