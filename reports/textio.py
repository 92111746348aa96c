"""Decode published text files, naming the line and column of the first byte that is not text."""
from __future__ import annotations

from pathlib import Path

from reports.errors import ParseError


def decode_text(data: bytes, *, file: str | Path, allow_cp1252: bool = False) -> str:
    """UTF-8 with or without a BOM (or Windows-1252 where a source's filers use it); else a ParseError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if allow_cp1252:
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                pass
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        encodings = "UTF-8 nor Windows-1252" if allow_cp1252 else "UTF-8"
        raise ParseError(f"not {encodings} text: byte 0x{data[exc.start]:02x} at offset {exc.start}",
                         file=file, place=f"line {line}, column {column}") from None
