"""Lock files: one writer at a time on an index, one process opening it at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from vectorstore.errors import IndexLocked, IndexProblem
from vectorstore.search.connection import local_error

# Opening takes a moment; waiting this long for another process to finish it is plenty.
OPEN_WAIT = 60.0


def writer_lock(path: Path, wait: float = 0.0) -> AbstractContextManager[None]:
    """One writer at a time; another one waits up to `wait` seconds, then is told the index
    is busy (never that it is damaged)."""
    return file_lock(path, wait, IndexLocked(path.parent))


@contextmanager
def file_lock(path: Path, wait: float, busy: IndexProblem) -> Iterator[None]:
    """Hold a lock file, waiting up to `wait` seconds for another holder; then `busy`."""
    from filelock import FileLock, Timeout

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path), timeout=wait)
        lock.acquire()
    except Timeout as error:
        raise busy from error
    except OSError as error:
        raise local_error(str(path.parent), error, "cannot be locked") from error
    try:
        yield
    finally:
        lock.release()
