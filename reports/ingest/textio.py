"""Decode published text files and read their CSV records, naming the line and column of whatever is wrong.

Bounded and strict where a file could lie: an HTML page is not a CSV, a line longer than any real report's is
refused before it is parsed, a UTF-8 file with one stray byte is reported (never decoded whole as Windows-1252),
and a CSV that ends inside a quoted field (a download cut short inside "31,800,000") is refused, so no figure is
ever read from an incomplete line."""
from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from reports.model.errors import ParseError

# The longest line a real report holds is a few kilobytes (a DSA report's free-text cell: tens of kilobytes).
MAX_LINE_BYTES = 1 << 20
_HTML = re.compile(rb"^\s*(<!doctype html|<html|<head|<body)", re.I)
# A UTF-8 multi-byte sequence: where one is present, the file is UTF-8 and a lone odd byte is a stray.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_END = "\x00end-of-file\x00"
# Separators some spreadsheet programs write instead of commas (a European-locale export uses ';').
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs"}
# Lines looked at to tell a file's separator.
SEPARATOR_SAMPLE = 100


def decode_text(data: bytes, *, file: str | Path, allow_cp1252: bool = False) -> str:
    """UTF-8 with or without a BOM, UTF-16 with its BOM, or Windows-1252 where a source's filers use it (and the
    bytes hold no UTF-8 at all); anything else is a ParseError naming the line and column."""
    head = data[:1024].lstrip(codecs.BOM_UTF8)
    if _HTML.match(head):
        raise ParseError("an HTML page, not a data file (a login, error or download page saved in its place?)",
                         file=file, place="line 1")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError(f"not UTF-16 text after its byte-order mark ({exc.reason})", file=file,
                             place=f"byte {exc.start}") from None
        check_line_lengths(text.encode("utf-8"), file=file)
        return text
    check_line_lengths(data, file=file)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if allow_cp1252 and not _UTF8_SEQUENCE.search(data):
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                pass
        line, column = _line_column(data, exc.start)
        if _UTF8_SEQUENCE.search(data):
            why = "the file is UTF-8 but this byte is not (a stray byte; the file was not decoded otherwise)"
        else:
            why = "neither UTF-8 nor Windows-1252" if allow_cp1252 else "not UTF-8"
        raise ParseError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}: {why}",
                         file=file, place=f"line {line}, column {column}") from None


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1) + 1


def check_line_lengths(data: bytes, *, file: str | Path, limit: int = MAX_LINE_BYTES) -> None:
    """Refuse a line longer than any real report holds (a one-line file of hundreds of MB exhausts memory)."""
    start, line = 0, 1
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > limit:
            raise ParseError(f"line {line} is {end - start:,} bytes long, more than the {limit:,} a real report's "
                             "lines hold; refusing it", file=file, place=f"line {line}")
        start, line = end + 1, line + 1


def csv_records(text: str, *, file: str | Path) -> list[tuple[int, list[str]]]:
    """Every CSV record with the line it starts on. A file cut short is refused (see `check_complete`): its last
    figure would be cut short ("31,8" of "31,800,000")."""
    refuse_other_separator(text, file=file)
    reader = csv.reader(io.StringIO(text + ("" if text.endswith(("\n", "\r")) else "\n") + _END))
    records, line = [], 1
    try:
        for record in reader:
            records.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ParseError(f"not a readable CSV ({exc})", file=file, place=f"line {reader.line_num}") from None
    last_line, last = records.pop()
    if last != [_END]:
        raise ParseError("the file ends inside a quoted field (cut short?): its last line is incomplete, so none "
                         "of it is read", file=file, place=f"line {last_line}")
    _check_last_row(records, text, file=file)
    return records


def refuse_other_separator(text: str, *, file: str | Path | None) -> None:
    """Refuse a CSV whose cells are separated by semicolons or tabs rather than commas. Such a file comes from a
    spreadsheet set to a locale where the comma marks decimals, so "1,500" may mean 1.5 and "1.500" fifteen
    hundred: reading its numbers either way could be wrong by a factor of a thousand, so none is read.

    The file's separator is the one that reads the most of its first lines as records of one width (two cells or
    more): a title with a semicolon in it, a comma inside a figure ("1,5"), or a quoted text over several lines
    full of semicolons does not decide it."""
    head = "\n".join(text.lstrip("\ufeff").splitlines()[:SEPARATOR_SAMPLE])
    scores = {}
    for separator in (",", *OTHER_SEPARATORS):
        lines_by_width: dict[int, int] = {}
        reader = csv.reader(io.StringIO(head), delimiter=separator)
        try:
            before = 0
            for record in reader:
                if len(record) > 1:
                    lines_by_width[len(record)] = lines_by_width.get(len(record), 0) + reader.line_num - before
                before = reader.line_num
        except csv.Error:
            return  # not CSV at all: the reader says where
        scores[separator] = max(lines_by_width.values(), default=0)
    widest = max(scores, key=lambda sep: (scores[sep], sep == ","))
    if widest != ",":
        raise ParseError(f"cells are separated by {OTHER_SEPARATORS[widest]}, not commas (a spreadsheet saved in a "
                         "locale where the comma marks decimals?): its numbers cannot be read without guessing "
                         "which mark is decimal, so the file is not read; save it as comma-separated CSV",
                         file=file, place="line 1")


def check_complete(text: str, *, file: str | Path) -> None:
    """Refuse a CSV text that was cut short: it ends inside a quoted field, or its last line lacks the final line
    break and holds fewer cells than the first (a transfer that stopped mid-row)."""
    csv_records(text, file=file)


def _check_last_row(records: list[tuple[int, list[str]]], text: str, *, file: str | Path) -> None:
    if len(records) < 2 or text.endswith(("\n", "\r")):
        return
    (_, first), (line, last) = records[0], records[-1]
    if 0 < len(last) < len(first):
        raise ParseError(f"the file ends without a line break after {len(last)} of the {len(first)} cells its first "
                         "line has (cut short?): its last line is incomplete, so none of it is read", file=file,
                         place=f"line {line}")


def csv_dicts(text: str, *, file: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str], list[str]]]]:
    """(header, [(line, {column: cell}, extra cells beyond the header)]) of a CSV with a header row."""
    records = csv_records(text, file=file)
    if not records:
        return [], []
    _, header = records[0]
    rows = []
    for line, cells in records[1:]:
        rows.append((line, dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False)),
                     cells[len(header):]))
    return header, rows
