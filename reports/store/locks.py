"""Locks and durable renames: one writer at a time per store or archive, and files that survive a crash."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reports.model.errors import StoreError

# Locks this process holds: path -> [open lock file, depth], so collect-then-build can re-enter its own lock.
_HELD_LOCKS: dict[Path, list] = {}


@contextmanager
def locked(path: Path, *, what: str = "tatlas build/collect") -> Iterator[None]:
    """Hold `<path>.lock` (a file with our pid) so two runs never change the same store or archive at once.

    The lock is an flock on that file: the kernel drops it when its holder dies, so a lock left by a killed
    run is stale and simply taken over; a live holder's pid is named in the error.
    """
    import fcntl

    # The lock belongs to the real file: a --db that is a symlink locks (and writes) the file it points to.
    target = Path(path).resolve()
    lock_path = target.with_name(target.name + ".lock")
    if lock_path in _HELD_LOCKS:
        _HELD_LOCKS[lock_path][1] += 1
        try:
            yield
        finally:
            _HELD_LOCKS[lock_path][1] -= 1
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise StoreError(f"another {what} is running (pid {holder}); try again when it has finished",
                         file=lock_path) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _HELD_LOCKS[lock_path] = [handle, 1]
    try:
        yield
    finally:
        if _HELD_LOCKS[lock_path][1] <= 1:
            del _HELD_LOCKS[lock_path]
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        else:
            _HELD_LOCKS[lock_path][1] -= 1


def fsync_path(path: Path) -> None:
    """Flush a file (or a directory entry) to disk, so a rename that follows is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
