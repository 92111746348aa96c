"""Read ZIP archives defensively: corrupt files, names that escape, and bombs fail with our own error."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from reports.model.errors import ParseError


@dataclass(frozen=True)
class Limits:
    """What an archive may hold, all checked from its directory before a byte is inflated (and the declared sizes
    enforced while inflating, so a lying header cannot exceed them)."""

    # A real transparency CSV compresses 5-30x; a ratio in the hundreds is a bomb, not a report.
    max_ratio: float = 200
    # Below this a member's ratio is not checked alone (tiny files compress oddly); the archive's total always is.
    ratio_floor: int = 64 << 10
    max_member: int = 256 << 20
    max_total: int = 512 << 20
    max_members: int = 2_000


# A published report or a ZIP of its parts: small files, a few of them.
DOCUMENT_LIMITS = Limits()
# A day of the EU DSA Transparency Database: inner ZIPs of CSV parts of 100,000 rows each (a few hundred MB at most).
# Its parts are streamed, never held whole, so a part's size is bounded only as a bomb would exceed it (the ratio
# checks stay).
DUMP_LIMITS = Limits(max_member=64 << 30, max_total=4 << 40, max_members=100_000)


def open_zip(source: str | Path | IO[bytes], *, name: str | None = None) -> zipfile.ZipFile:
    """Open a ZIP (path or binary file object); a truncated or corrupt archive raises ParseError."""
    label = name or str(source)
    if not _ends_with_end_record(source):
        # A truncated ZIP of ZIPs would otherwise open as its last inner ZIP, whose end record zipfile finds first.
        raise ParseError("truncated ZIP archive: its end-of-central-directory record is not at the end of the file",
                         file=label)
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise ParseError(f"not a readable ZIP archive ({exc})", file=label) from None
    # Every member's CRC is checked when it is read (zipfile checks it at the member's end), never all up front:
    # inflating everything to test it is what a bomb wants.


def _ends_with_end_record(source: str | Path | IO[bytes]) -> bool:
    """True unless the file's last end-of-central-directory record is followed by something other than its comment."""
    try:
        handle = open(source, "rb") if isinstance(source, str | Path) else source
    except OSError:
        return True  # zipfile reports the real problem
    try:
        start = handle.tell() if handle is source else 0
        size = handle.seek(0, io.SEEK_END)
        tail_length = min(size, 22 + 0xFFFF)
        handle.seek(size - tail_length)
        tail = handle.read(tail_length)
        handle.seek(start)
    finally:
        if handle is not source:
            handle.close()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return True  # no end record at all: zipfile says "not a zip file"
    comment = int.from_bytes(tail[at + 20:at + 22], "little")
    return at + 22 + comment == len(tail)


def safe_members(archive: zipfile.ZipFile, *, name: str, limits: Limits = DOCUMENT_LIMITS) -> list[zipfile.ZipInfo]:
    """The archive's files, refusing names that escape the folder and sizes, counts or ratios that look like a bomb
    (from the directory alone: nothing is inflated here)."""
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > limits.max_members:
        raise ParseError(f"archive holds {len(infos)} files, more than the {limits.max_members} a real one holds; "
                         "refusing a likely ZIP bomb", file=name)
    total = packed = 0
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
            raise ParseError("member name escapes the archive's folder", file=name, place=info.filename)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.max_member or (info.file_size > limits.ratio_floor and ratio > limits.max_ratio):
            raise ParseError(f"member expands to {info.file_size} bytes (ratio {ratio:.0f}); refusing a likely "
                             "ZIP bomb", file=name, place=info.filename)
        total += info.file_size
        packed += info.compress_size
        if total > limits.max_total:
            raise ParseError(f"archive expands to more than {limits.max_total} bytes; refusing a likely ZIP bomb",
                             file=name, place=info.filename)
    if total > limits.ratio_floor and total / max(packed, 1) > limits.max_ratio:
        raise ParseError(f"archive expands {total / max(packed, 1):.0f} times ({total} bytes); refusing a likely ZIP "
                         "bomb", file=name)
    return infos


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, name: str) -> IO[bytes]:
    """A streaming reader over one member that stops at its declared size (a lying header cannot inflate it)."""
    try:
        return _Capped(archive.open(info), info.file_size, name, info.filename)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:
        raise ParseError(f"cannot open member ({exc})", file=name, place=info.filename) from None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, name: str) -> bytes:
    with open_member(archive, info, name=name) as handle:
        return handle.read()


def iter_files(archive: zipfile.ZipFile, *, name: str,
               limits: Limits = DOCUMENT_LIMITS) -> Iterator[tuple[zipfile.ZipInfo, bytes]]:
    """Every file in the archive with its bytes, one at a time, after the safety checks."""
    for info in safe_members(archive, name=name, limits=limits):
        yield info, read_member(archive, info, name=name)


class _Capped(io.RawIOBase):
    """Wrap a member stream: turn zipfile's errors into ParseError and stop past the declared size."""

    def __init__(self, raw: IO[bytes], limit: int, name: str, member: str):
        self.raw, self.left, self.name, self.member = raw, limit, name, member

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.raw.read(min(len(buffer), self.left + 1))
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise ParseError(f"truncated or corrupt member ({exc})", file=self.name, place=self.member) from None
        if len(data) > self.left:
            raise ParseError("member is larger than its header says; refusing", file=self.name, place=self.member)
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()
