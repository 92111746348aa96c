"""Property: every registered parser, fed random or mutated real files, parses or raises our own error; it never
crashes otherwise, never hangs, and never quietly accepts a file of another kind.

The collectors are read from `collectors.REGISTRY` when the tests run, so every collector is covered, including
ones added later. Files go through `reports.build._parse`, the wrapper the build uses (it turns a parser's stray
exception into a ParseError naming the file); a parser that raised something other than our own error type has a
bug, and the test fails naming it.
"""
from __future__ import annotations

import csv
import io
import signal
import tempfile
import time
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors import REGISTRY
from reports.ingest.build import _finish, _parse
from reports.ingest.discover import discover
from reports.ingest.register import register
from reports.model.errors import AtlasError, ParseError
from tests.conftest import IN_CI, SHARED_DATA, shared
from tests.faults import tiny_pdf, zip_of

HTML = b"<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>\n"
# Time budget per collector (examples are fewer for slow parsers) and the floor of the per-example deadline.
BUDGET_SECONDS, MIN_EXAMPLES, MAX_EXAMPLES, MIN_DEADLINE = 5.0, 3, 20, 20.0


class Hang(BaseException):
    """An example ran past its deadline (a BaseException, so a parser's `except Exception` cannot swallow it)."""


@contextmanager
def deadline(seconds: float):
    def expire(signum, frame):
        raise Hang(f"no answer after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@cache
def real_bundles() -> dict[str, list[list[Path]]]:
    """Each collector's bundles among the real files (and its built-in files), smallest first."""
    assigned = discover(SHARED_DATA, REGISTRY)
    return {cid: sorted(REGISTRY[cid].bundles(files), key=lambda b: sum(p.stat().st_size for p in b))
            for cid, files in assigned.items() if cid and files}


def relative(path: Path, cid: str) -> Path:
    """Where a file goes in the scratch folder: its path under the shared data, else <collector folder>/<name>."""
    if path.is_relative_to(SHARED_DATA):
        return path.relative_to(SHARED_DATA)
    return Path(REGISTRY[cid].folder_names[0]) / path.name


# -- mutations ---------------------------------------------------------------------------------------------
def truncate(data: bytes, cut: float) -> bytes:
    return data[: int(len(data) * cut)]


def flip(data: bytes, spots: list[tuple[float, int]]) -> bytes:
    out = bytearray(data)
    for where, value in spots:
        if out:
            out[min(int(where * len(out)), len(out) - 1)] ^= value or 0xFF
    return bytes(out)


def drop_a_column(data: bytes, column: int) -> bytes:
    """Remove one column from every row (the header too), as a careless re-export would."""
    text = data.decode("utf-8-sig", errors="replace").replace("\0", "")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # not CSV at all (a PDF, an XLSX): cut a slice out instead
        return data[: len(data) // 3] + data[len(data) // 2:]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(row[:column] + row[column + 1:] if len(row) > column else row)
    return out.getvalue().encode()


def reencode(data: bytes, encoding: str) -> bytes:
    return data.decode("utf-8-sig", errors="replace").encode(encoding, errors="replace")


def lines_shuffled(data: bytes, seed: int) -> bytes:
    import random

    lines = data.splitlines(keepends=True)
    head, body = lines[:1], lines[1:]
    random.Random(seed).shuffle(body)
    return b"".join(head + body[: max(1, len(body) // 2)])


MUTATIONS = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0.0, 0.999)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("drop column"), st.integers(0, 6)),
    st.tuples(st.just("encoding"), st.sampled_from(["cp1252", "utf-16", "latin-1"])),
    st.tuples(st.just("shuffle rows"), st.integers(0, 1000)),
    st.tuples(st.just("random bytes"), st.binary(max_size=2048)),
    st.tuples(st.just("random text"), st.text(max_size=500)),
    st.tuples(st.just("html page"), st.none()),
    st.tuples(st.just("empty"), st.none()),
    st.tuples(st.just("pdf without table"), st.lists(st.text("abcdefghij 0123456789,", max_size=30), max_size=5)),
    st.tuples(st.just("zip of it"), st.none()),
)


def mutate(data: bytes, mutation: tuple, name: str) -> bytes:
    kind, arg = mutation
    if kind == "truncate":
        return truncate(data, arg)
    if kind == "flip":
        return flip(data, arg)
    if kind == "drop column":
        return drop_a_column(data, arg)
    if kind == "encoding":
        return reencode(data, arg)
    if kind == "shuffle rows":
        return lines_shuffled(data, arg)
    if kind == "random bytes":
        return arg
    if kind == "random text":
        return arg.encode("utf-8", errors="replace")
    if kind == "html page":
        return HTML
    if kind == "empty":
        return b""
    if kind == "pdf without table":
        return tiny_pdf([line.replace("(", "").replace(")", "") for line in arg] or ["no table"])
    if kind == "zip of it":
        return zip_of({name: data})
    raise AssertionError(kind)


# -- running a collector on a (mutated) bundle ----------------------------------------------------------------
def run_parser(cid: str, bundle: list[Path], scratch: Path, replace: dict[int, bytes], seconds: float):
    """Copy the bundle into scratch (one file replaced), parse it as the build does, validate the rows."""
    collector = REGISTRY[cid]
    paths = []
    for index, path in enumerate(bundle):
        target = scratch / relative(path, cid)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(replace.get(index, path.read_bytes()))
        paths.append(target)
    with deadline(seconds):
        docs = [register(p, REGISTRY[cid].card) for p in paths]
        result = _parse(collector, docs)
        return _finish(result.observations, cid, docs)


def calibrate(cid: str, bundle: list[Path]) -> tuple[int, float]:
    """(examples, per-example deadline) from the time the unmutated bundle takes to parse."""
    with tempfile.TemporaryDirectory() as scratch:
        started = time.monotonic()
        run_parser(cid, bundle, Path(scratch), {}, 600)
        took = time.monotonic() - started
    examples = max(MIN_EXAMPLES, min(MAX_EXAMPLES, int(BUDGET_SECONDS / max(took, 0.01))))
    return examples, max(MIN_DEADLINE, 10 * took)


@pytest.mark.parametrize("cid", sorted(REGISTRY))
def test_every_parser_parses_or_raises_our_error_on_mutated_real_files(cid):
    shared()
    bundles = real_bundles().get(cid)
    if not bundles:
        reason = f"no real file of {cid} under {SHARED_DATA}"
        pytest.fail(f"CI=true: {reason}") if IN_CI else pytest.skip(reason)
    bundle = bundles[0]
    examples, seconds = calibrate(cid, bundle)
    crashes: list[str] = []

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(which=st.integers(0, len(bundle) - 1), mutation=MUTATIONS)
    def check(which, mutation):
        data = bundle[which].read_bytes()
        mutated = mutate(data, mutation, bundle[which].name)
        with tempfile.TemporaryDirectory() as scratch:
            try:
                run_parser(cid, bundle, Path(scratch), {which: mutated}, seconds)
            except AtlasError as exc:
                assert exc.file, f"{cid}: our error names no file: {exc}"
                cause = exc.__cause__
                if isinstance(exc, ParseError) and cause is not None and exc.message == f"{type(cause).__name__}: {cause}":
                    crashes.append(f"{cid} on {bundle[which].name} ({mutation[0]}): {type(cause).__name__}: {cause}")
            except Hang as exc:
                pytest.fail(f"{cid} hung on {bundle[which].name} mutated by {mutation[0]}: {exc}")

    check()
    assert not crashes, "parser crashed (raised something other than our own error):\n" + "\n".join(
        c[:300] for c in sorted(set(crashes)))


@pytest.mark.parametrize("cid", sorted(REGISTRY))
def test_every_parser_refuses_foreign_files_with_our_error(cid):
    """Files of another kind under the collector's folder (an HTML page, random bytes, an empty file)."""
    collector = REGISTRY[cid]
    pattern = next((p for p in collector.patterns if p.startswith("*.")), "*.csv")
    name = "edition" + pattern[1:]
    for content in (HTML, b"", bytes(range(256)) * 8, tiny_pdf(["Annual report"]), zip_of({"a.csv": b"a,b\n1,2\n"})):
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / collector.folder_names[0] / name
            path.parent.mkdir(parents=True)
            path.write_bytes(content)
            try:
                with deadline(MIN_DEADLINE):
                    docs = [register(path, REGISTRY[cid].card)]
                    result = _parse(collector, docs)
                    _finish(result.observations, cid, docs)
            except AtlasError as exc:
                assert exc.file, f"{cid}: our error names no file: {exc}"
                cause = exc.__cause__
                assert not (isinstance(exc, ParseError) and cause is not None
                            and exc.message == f"{type(cause).__name__}: {cause}"), f"{cid} crashed on a foreign {name}: {exc}"
            except Hang as exc:
                pytest.fail(f"{cid} hung on a foreign {name}: {exc}")
            else:
                pytest.fail(f"{cid} accepted a foreign {name} ({content[:40]!r}...) without an error")
