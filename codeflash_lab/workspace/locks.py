"""File locks of the ``.codeflash/`` files, with a bounded wait and an error that names the lock.

Every writer of results.tsv, HANDOFF.md and the ledger takes its lock through
:func:`file_lock`. The lock object is shared per path inside a process, so a
holder can take it again (a record refreshes HANDOFF.md while it holds its lock).
The wait is 30 s, or ``CODEFLASH_LAB_LOCK_TIMEOUT`` seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codeflash_lab.errors import WorkspaceError

__all__ = ["LOCK_TIMEOUT_ENV", "file_lock", "lock_timeout"]

LOCK_TIMEOUT_ENV = "CODEFLASH_LAB_LOCK_TIMEOUT"


def lock_timeout() -> float:
    """Seconds to wait for a lock: ``CODEFLASH_LAB_LOCK_TIMEOUT`` or 30."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    try:
        return max(0.0, float(raw)) if raw else 30.0
    except ValueError:
        return 30.0


@contextmanager
def file_lock(path: Path, *, wait: float | None = None) -> Iterator[None]:
    """Hold the lock file ``path``.

    Args:
        path: the lock file.
        wait: seconds to wait this time (default: :func:`lock_timeout`).

    Raises:
        WorkspaceError: another process held it longer than that (the message names the
            lock file).
    """
    from filelock import FileLock, Timeout

    timeout = lock_timeout()
    lock = FileLock(str(path), timeout=timeout, is_singleton=True)
    if wait is not None:
        timeout = wait
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise WorkspaceError(
            f"{path}: held by another process for more than {timeout:g} s; wait for it to "
            "finish (or remove the lock file if no codeflash-lab process is running)"
        ) from None
    try:
        yield
    finally:
        lock.release()
