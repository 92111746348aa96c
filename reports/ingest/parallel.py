"""Run the same function over many inputs in worker processes, handing back each result in the order of the
inputs: the build parses documents in workers while it stores, in order, those already parsed.

Workers are started fresh (never forked from the caller, which holds DuckDB's threads) and only when there is
enough work to pay for their start (about a second); with one core, or little to do, everything runs here, one input at a
time, exactly as it would without workers. Where the workers die (or cannot start at all), what they had not
given back is run here too (`Rescued`)."""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import forkserver
from typing import TypeVar

T = TypeVar("T")

# Inputs below which starting workers costs more than it saves (a worker takes about a second to start).
MIN_INPUTS = 6
# What a build's workers import once, before they start: the build's reading of a bundle, the collectors, and the
# readers of workbooks and PDFs they use (`tatlas build` starts the server that imports them first thing).
WORKER_PRELOAD = ("reports.ingest.build", "collectors.registry", "openpyxl", "pdfplumber")
MAX_WORKERS = 2  # the build's own process stores while they parse
# Inputs in hand per worker ahead of the caller: a slow one at the head (or the caller's checkpoint) does not leave
# the others idle. The build's workers hand their figures over in files (`handoff`), not in this process's memory.
AHEAD = 12


def workers_for(inputs: int) -> int:
    """How many worker processes `inputs` inputs are worth on this machine (0: none, run here)."""
    cores = os.cpu_count() or 1
    return min(MAX_WORKERS, cores) if cores > 1 and inputs >= MIN_INPUTS else 0


def in_order(function: Callable, inputs: Sequence[tuple], workers: int,
             preload: Sequence[str] = ()) -> Iterator[Rescued | Here]:
    """`function(*args)` for each input, as futures in the inputs' order. With workers, at most `AHEAD * workers`
    inputs are in hand beyond the one the caller waits for (so results do not pile up in memory while it stores
    them); without, each runs only when the caller asks for its result. A result's exception is raised by its
    `result()`, as it would be here. `preload` names modules the workers import once, before they start."""
    pool = ProcessPoolExecutor(workers, mp_context=fresh_workers(function, preload)) if workers else Inline()
    with pool:
        pending: deque = deque()
        try:
            for args in inputs:
                pending.append(_submitted(pool, function, args))
                if len(pending) > AHEAD * workers:
                    yield pending.popleft()
            while pending:
                yield pending.popleft()
        finally:
            for future in pending:
                future.cancel()


def start_fork_server(modules: Sequence[str]) -> None:
    """Start the server workers are forked from now, importing `modules`, so that it imports them while this
    process imports the rest (a command calls it first thing; where the system has no fork server, nothing)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(modules))
    try:
        forkserver.ensure_running()
    except OSError:  # e.g. a process forked from one whose server it cannot reach: workers start as they would
        pass


def fresh_workers(function: Callable, preload: Sequence[str] = ()):
    """Where workers come from. Each is forked from a server process started fresh (no DuckDB thread in it) that
    imported the function's module and `preload` once, so a worker does not import them again; where the system
    has no fork server, each worker is a fresh Python."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Each module once (the build's preload names its own); a server already running keeps its own.
    context.set_forkserver_preload(list(dict.fromkeys([function.__module__, *preload])))
    return context


def _submitted(pool, function: Callable, args: tuple) -> Here | Rescued:
    """An input handed to the pool; where the pool is broken, one run here instead."""
    if isinstance(pool, Inline):
        return pool.submit(function, *args)
    try:
        return Rescued(pool.submit(function, *args), Here(function, args))
    except BrokenProcessPool:
        return Here(function, args)


def ready_together(items: Iterator[tuple[T, Here | Rescued]]) -> Iterator[list[tuple[T, Here | Rescued]]]:
    """(item, result) pairs in their order, grouped: the first of each group is waited for, the others are those
    right behind it whose results are already in hand, so a caller can take them all at once."""
    head = next(items, None)
    while head is not None:
        group = [head]
        head = next(items, None)
        while head is not None and head[1].ready():
            group.append(head)
            head = next(items, None)
        yield group


@dataclass(frozen=True)
class Here:
    """An input run here when its result is asked for: what it raises, it raises there, as a worker's would."""

    function: Callable
    args: tuple

    def result(self):
        return self.function(*self.args)

    def ready(self) -> bool:
        return False  # it runs only when its result is asked for

    def cancel(self) -> bool:
        return True  # nothing ran yet, and nothing will


@dataclass(frozen=True)
class Rescued:
    """A worker's result; where the pool broke before giving it, the input run here. A pool breaks when a worker
    dies (killed), or when none can start: a script that calls the build without the `if __name__ == "__main__":`
    guard that starting a fresh Python needs. The build then reads here, one input at a time."""

    future: Future
    here: Here

    def result(self):
        try:
            return self.future.result()
        except BrokenProcessPool:
            return self.here.result()

    def ready(self) -> bool:
        return self.future.done()

    def cancel(self) -> bool:
        return self.future.cancel()


class Inline:
    """A pool of none, where one process is all there is: what is submitted runs here, in the caller's order, when
    its result is asked for."""

    def submit(self, function: Callable, *args) -> Here:
        return Here(function, args)

    def shutdown(self, **_) -> None:
        pass

    def __enter__(self) -> Inline:
        return self

    def __exit__(self, *exc) -> None:
        pass
