"""Stream the CSV parts of a daily dump and count each one, in memory that does not grow with a part's size.

The outer ZIP stores its inner `...-NNNNN.csv.zip` archives (they are compressed already), so an inner archive is
a range of the dump file: it is read in place, never copied (an inner archive the outer one deflates is first
inflated to a spooled temporary file). Each CSV part is inflated with ISA-L (the same bytes as zlib, several times
faster; its size and CRC-32 checked at the end, its declared size a hard cap) a chunk at a time, straight into
Arrow's streaming CSV reader, which keeps only the fields the counts need. Rows are counted per combination of
those raw fields (`layout.RAW`) a window at a time; a uuid already met in the part (the real dumps hold literal
repeats) counts once. What a part leaves in memory is its uuids (20 bytes a row: `uuid_keys`) and the counts.

Parts are counted several at a time in worker processes (`count_at`; engines.py), and the same functions run in
Spark's executors (collectors/dsa_tdb/spark.py). Threads were measured no faster than one: the streaming reader
calls back into Python for every block it reads, under the GIL.
"""
from __future__ import annotations

import binascii
import contextlib
import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

try:  # ISA-L's inflate: the same bytes as zlib's, several times faster, and it releases the GIL
    from isal import isal_zlib as inflate
except ImportError:  # pragma: no cover
    import zlib as inflate

from collectors.dsa_tdb.layout import NEEDED, RAW, Dump, check_groups, check_header
from reports.ingest.safezip import DUMP_LIMITS, open_member, open_zip, safe_members
from reports.model.errors import AtlasError, ParseError

CHUNK = 1 << 20  # bytes copied at a time
STEP = 64 << 10  # compressed bytes inflated at a time (their output stays in cache for the parser)
BLOCK = 512 << 10  # CSV bytes Arrow parses at a time (fewer, larger batches count faster; 1 MB was no faster)
MERGE_EVERY = 16  # windows whose counts are kept apart before they are summed into one table
WINDOW_ROWS = 25_000  # rows counted at a time (as fast as 50,000 in parallel, in less memory)
MAX_HEADER = 1 << 20
GROUPS = pa.schema([(name, pa.string()) for name in RAW] + [("n", pa.int64())])


@dataclass(frozen=True)
class Inner:
    """One inner archive of a dump: its place in the outer ZIP and, when stored, where its bytes lie in the file."""

    index: int
    name: str
    header_offset: int
    stored: bool
    offset: int  # of its bytes in the dump file (stored inner archives)
    size: int
    crc: int


def inner_archives(dump: Dump) -> list[Inner]:
    """The dump's inner archives, after safezip's checks of the outer one (names, sizes, ratios)."""
    name = str(dump.path)
    out = []
    with open_zip(dump.path, name=name) as outer, open(dump.path, "rb") as handle:
        for index, info in enumerate(safe_members(outer, name=name, limits=DUMP_LIMITS)):
            if not info.filename.endswith(".csv.zip"):
                raise ParseError("expected only inner .csv.zip archives in the dump", file=name, place=info.filename)
            stored = info.compress_type == zipfile.ZIP_STORED
            if stored and info.compress_size != info.file_size:
                raise ParseError("stored member whose sizes differ", file=name, place=info.filename)
            out.append(Inner(index, info.filename, info.header_offset, stored,
                             _data_offset(handle, info, name), info.file_size, info.CRC))
    return out


def _data_offset(handle, info: zipfile.ZipInfo, name: str) -> int:
    """Where a member's bytes start: after its local header, whose name and extra field lengths are its own."""
    handle.seek(info.header_offset)
    local = handle.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise ParseError("truncated or corrupt member (no local file header)", file=name, place=info.filename)
    return info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")


class Window(io.RawIOBase):
    """A read-only, seekable view of `size` bytes of a file from `start`: an inner archive read where it lies."""

    def __init__(self, path, start: int, size: int):
        self.handle, self.start, self.size, self.at = open(path, "rb"), start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.at, io.SEEK_END: self.size}[whence]
        self.at = max(0, base + offset)
        return self.at

    def tell(self) -> int:
        return self.at

    def readinto(self, buffer) -> int:
        want = max(0, min(len(buffer), self.size - self.at))
        self.handle.seek(self.start + self.at)
        got = self.handle.readinto(memoryview(buffer)[:want])
        self.at += got
        return got

    def close(self) -> None:
        self.handle.close()
        super().close()


@contextmanager
def located(dump: Dump, inner: Inner) -> Iterator[tuple[str, int, int]]:
    """Where an inner archive's bytes lie, as (file, start, size): its range of the dump, or (deflated in the outer
    ZIP) a temporary copy, removed when the block ends."""
    if inner.stored:
        yield str(dump.path), inner.offset, inner.size
        return
    name = str(dump.path)
    with open_zip(dump.path, name=name) as outer, tempfile.NamedTemporaryFile(prefix="sor-inner-") as copy:
        with open_member(outer, outer.getinfo(inner.name), name=name) as member:  # its size and CRC-32 checked
            shutil.copyfileobj(member, copy, CHUNK)
        copy.flush()
        yield copy.name, 0, inner.size


def part_entries(archive, inner_name: str) -> list[zipfile.ZipInfo]:
    """The CSV parts of one inner archive, after safezip's checks."""
    with open_zip(archive, name=inner_name) as inner:
        parts = safe_members(inner, name=inner_name, limits=DUMP_LIMITS)
    for part in parts:
        if not part.filename.endswith(".csv"):
            raise ParseError("expected only .csv parts", file=inner_name, place=part.filename)
    return parts


class PartStream(io.RawIOBase):
    """One CSV part's bytes, inflated as they are read; the declared size caps them and the size and CRC-32 are
    checked when the stream ends, so a corrupt or lying part fails instead of being counted.

    Compressed bytes are read STEP at a time and inflated whole (no output limit but the declared size), so no
    input is copied twice; what a read does not take waits, as a view, for the next one."""

    def __init__(self, archive, info: zipfile.ZipInfo, name: str):
        self.archive, self.info, self.name = archive, info, name
        if info.flag_bits & 0x1:
            raise self.corrupt("encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self.corrupt(f"compression method {info.compress_type}")
        self.at = _data_offset(archive, info, name)
        self.left = info.compress_size
        self.inflater = inflate.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        self.rest = memoryview(b"")
        self.size = self.crc = 0
        self.ended = False

    def corrupt(self, why: str) -> ParseError:
        return ParseError(f"truncated or corrupt member ({why})", file=self.name, place=self.info.filename)

    def readable(self) -> bool:
        return True

    def _packed(self) -> bytes:
        """The next compressed bytes: what the inflater could not take yet, else the next step of the archive."""
        if self.inflater is not None and self.inflater.unconsumed_tail:
            return self.inflater.unconsumed_tail
        if self.left <= 0:
            return b""
        self.archive.seek(self.at)
        data = self.archive.read(min(STEP, self.left))
        if not data:
            raise self.corrupt("the archive ends inside it")
        self.at += len(data)
        self.left -= len(data)
        return data

    def _more(self) -> bytes:
        """The next inflated bytes of the part (b'' at its end, once its size and CRC-32 are checked)."""
        while not self.ended:
            data = self._packed()
            if self.inflater is None:
                piece, self.ended = data, self.left <= 0
            elif data:
                try:  # never more than the declared size (and one byte, to see a lying header)
                    piece = self.inflater.decompress(data, self.info.file_size - self.size + 1)
                except inflate.error as exc:
                    raise self.corrupt(str(exc)) from None
                self.ended = self.inflater.eof
            else:
                raise self.corrupt("the deflate stream ends early")
            if piece:
                self.size += len(piece)
                if self.size > self.info.file_size:
                    raise ParseError(f"member holds {self.size} or more bytes, its header says {self.info.file_size}",
                                     file=self.name, place=self.info.filename)
                self.crc = inflate.crc32(piece, self.crc)
                return piece
        if self.size != self.info.file_size:
            raise ParseError(f"member holds {self.size} bytes, its header says {self.info.file_size}",
                             file=self.name, place=self.info.filename)
        if self.crc != self.info.CRC:
            raise ParseError(f"Bad CRC-32 for file {self.info.filename!r}", file=self.name, place=self.info.filename)
        return b""

    def read(self, size: int = -1) -> bytes:
        """Exactly `size` bytes (fewer only at the end of the part)."""
        size = self.info.file_size + 1 if size is None or size < 0 else size
        pieces, got = [], 0
        while got < size:
            if not self.rest:
                self.rest = memoryview(self._more())
                if not self.rest:
                    break
            piece, self.rest = self.rest[:size - got], self.rest[size - got:]
            pieces.append(piece)
            got += len(piece)
        return b"".join(pieces)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def first_line(self) -> bytes:
        """The part's first line (its header), left to be read again."""
        head = bytes(self.rest)
        while b"\n" not in head and len(head) < MAX_HEADER:
            more = self._more()
            if not more:
                break
            head += more
        self.rest = memoryview(head)
        return head.split(b"\n", 1)[0]


def header_of(stream: PartStream, dump: Dump, place: str) -> list[str]:
    first = stream.first_line().decode("utf-8-sig", errors="replace")
    if not first.strip():
        raise ParseError("empty CSV part (no header)", file=dump.path, place=place)
    header = next(csv.reader([first]))
    check_header(header, dump, place)
    return header


def count_part(archive, info: zipfile.ZipInfo, inner_name: str, dump: Dump) -> tuple[pa.Table, int]:
    """One part's counts per combination of raw fields (GROUPS), each uuid once, and the number of rows read."""
    place = f"{inner_name.rsplit('!', 1)[-1]}/{info.filename}"
    stream = PartStream(archive, info, inner_name)
    header = header_of(stream, dump, place)
    reader = pacsv.open_csv(
        stream,
        # One thread per part: parts are counted several at a time, in as many processes.
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=BLOCK, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        # As bytes: UTF-8 is checked once on the groups (a few thousand values), not on every cell.
        convert_options=pacsv.ConvertOptions(include_columns=NEEDED, column_types={c: pa.binary() for c in NEEDED}))
    seen: list[pa.Array] = []
    counted: list[pa.Table] = []
    batches, held, rows = [], 0, 0
    try:
        for batch in reader:
            batches.append(batch)
            held += batch.num_rows
            if held >= WINDOW_ROWS:
                counted.append(count_window(batches, seen))
                rows, batches, held = rows + held, [], 0
                if len(counted) >= MERGE_EVERY:  # the counts so far as one table, not one per window
                    counted = [merge(counted)]
        if batches or not counted:
            counted.append(count_window(batches, seen, reader.schema))
            rows += held
        stream.read()  # the part must end here, with its size and CRC-32 right
        groups = merge(counted).cast(GROUPS)
    except pa.ArrowInvalid as exc:
        raise ParseError(f"malformed CSV ({exc})", file=dump.path, place=place) from None
    check_groups(set(groups["platform_name"].to_pylist()), set(groups["category"].to_pylist()), dump, place)
    return groups, rows


def count_window(batches: list[pa.RecordBatch], seen: list[pa.Array], schema: pa.Schema | None = None) -> pa.Table:
    """Counts per raw-field combination of a window of rows, each uuid counted once: the first time the part
    holds it. Rows repeating a uuid (of an earlier window, or earlier in this one) are counted apart and taken
    off, so the window is never copied to leave them out."""
    table = pa.Table.from_batches(batches, schema=schema or batches[0].schema)
    uuids = uuid_keys(table["uuid"].combine_chunks())
    again = None
    for earlier in seen:  # one window's uuids at a time: no copy of them all, no hash table of them all
        found = pc.is_in(uuids, value_set=earlier)
        again = found if again is None else pc.or_(again, found)
    again = again.to_numpy(zero_copy_only=False) if again is not None else None
    counts = pc.value_counts(uuids)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if len(repeated):
        again = np.zeros(len(uuids), dtype=bool) if again is None else again.copy()
        first: set = set()
        for row in np.flatnonzero(pc.is_in(uuids, value_set=repeated).to_numpy(zero_copy_only=False)):
            uuid = uuids[int(row)].as_py()
            again[row] = again[row] or uuid in first
            first.add(uuid)
    seen.append(uuids)
    groups = _grouped(table)
    if again is not None and again.any():
        extra = _grouped(table.filter(pa.array(again)))
        groups = merge([groups, extra.set_column(len(RAW), "n", pc.negate(extra["n"]))])
        groups = groups.filter(pc.greater(groups["n"], 0))
    return groups


DASHES = [8, 13, 18, 23]  # where a UUID's printed form (8-4-4-4-12 hex digits) has its dashes
HEX_DIGITS = [i for i in range(36) if i not in DASHES]
# A key that is not a UUID's 16 bytes: 17 bytes or more, so it never equals one.
NOT_A_UUID = b"\x01" + bytes(16)


def uuid_keys(printed: pa.Array) -> pa.Array:
    """The keys a part remembers its uuids by: a UUID's 16 bytes (its hex digits in any case: 20 bytes a row held
    instead of 40), anything else as printed behind NOT_A_UUID, so two keys are equal exactly when the uuids are."""
    n = len(printed)
    lengths = pc.binary_length(printed)
    if n and not printed.null_count and pc.all(pc.equal(lengths, 36)).as_py():
        offsets = np.frombuffer(printed.buffers()[1], dtype=np.int32)[printed.offset:printed.offset + n + 1]
        data = np.frombuffer(printed.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[0] + 36 * n].reshape(n, 36)
        # Every row's 32 hex digits (either case) in one pass; a row that is not hex: each row on its own, below.
        with contextlib.suppress(binascii.Error):
            if (data[:, DASHES] == ord("-")).all():
                packed = binascii.unhexlify(data[:, HEX_DIGITS].tobytes())
                starts = pa.py_buffer(np.arange(0, 16 * n + 1, 16, dtype=np.int32))
                return pa.Array.from_buffers(pa.binary(), n, [None, starts, pa.py_buffer(packed)])
    return pa.array([_uuid_key(u) for u in printed.to_pylist()], type=pa.binary())


def _uuid_key(printed: bytes | None) -> bytes | None:
    """One uuid's key (see uuid_keys), for a window that is not all UUIDs."""
    if printed is None:
        return None
    text = printed.decode("ascii", "replace")
    digits = text.replace("-", "")
    if len(text) == 36 and all(text[i] == "-" for i in DASHES) and len(digits) == 32 \
            and all(c in "0123456789abcdefABCDEF" for c in digits):
        return bytes.fromhex(digits)
    return NOT_A_UUID + printed


def _grouped(table: pa.Table) -> pa.Table:
    return table.select(RAW).group_by(RAW, use_threads=False).aggregate([([], "count_all")]).rename_columns(RAW + ["n"])


def merge(tables: list[pa.Table]) -> pa.Table:
    """Sum counts of several tables of groups into one."""
    if len(tables) == 1:
        return tables[0]
    return pa.concat_tables(tables).group_by(RAW, use_threads=False).aggregate([("n", "sum")]).rename_columns(RAW + ["n"])


def count_inner(dump: Dump, inner: Inner) -> Iterator[tuple[str, pa.Table, int]]:
    """Each part of one inner archive, counted: (place, GROUPS, rows read), in order."""
    inner_name = f"{dump.path}!{inner.name}"
    with located(dump, inner) as where, Window(*where) as archive:
        for info in part_entries(archive, inner_name):
            groups, rows = count_part(archive, info, inner_name, dump)
            yield f"{inner.name}/{info.filename}", groups, rows


def resident_peak() -> int:
    """This process's peak resident memory in bytes: VmHWM, not ru_maxrss (a started process's ru_maxrss counts
    the pages of the process that started it, as they were when it did)."""
    with open("/proc/self/status") as status:
        return next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")), 0)


def count_at(where: tuple[str, int, int], info: zipfile.ZipInfo, inner_name: str, dump: Dump) -> tuple:
    """In a worker process: one part counted, as (GROUPS, rows read, this process's id and peak resident memory in
    bytes, None), or the error that stopped it as its fields (exceptions with keyword fields do not survive pickling
    whole)."""
    import os

    peak = resident_peak

    try:
        with Window(*where) as archive:  # its own handle on the file
            groups, rows = count_part(archive, info, inner_name, dump)
    except AtlasError as exc:
        fields = {"file": exc.file, "place": exc.place, "source": exc.source}
        return None, 0, (os.getpid(), peak()), (type(exc).__name__, exc.message, fields)
    return groups, rows, (os.getpid(), peak()), None
