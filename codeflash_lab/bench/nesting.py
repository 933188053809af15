"""Opt-in nest-asyncio, for exploring code that calls ``asyncio.run()`` inside a notebook.

Never applied by codeflash_lab on its own. Applying it swaps asyncio's C ``Task`` for
the pure-Python one for the whole process (task fan-out 1.4-1.9x slower) and cannot
patch uvloop, so every measurement taken in that process carries the
``nest-asyncio-applied`` warning. Numbers meant for ``results.tsv`` come from fresh
processes (the default for spec targets), which are never patched.
"""

from __future__ import annotations

import asyncio

from codeflash_lab.bench.system import nest_asyncio_applied

__all__ = ["apply_nest_asyncio"]


def apply_nest_asyncio(loop: asyncio.AbstractEventLoop | None = None) -> bool:
    """Let ``asyncio.run()`` and ``run_until_complete`` nest inside a running loop.

    Args:
        loop: the loop to patch (default: the running or current loop).

    Returns:
        True when this call applied the patch, False when it was already applied.

    Raises:
        ImportError: nest-asyncio is not installed (``pip install nest-asyncio``).
    """
    if nest_asyncio_applied():
        return False
    import nest_asyncio

    nest_asyncio.apply(loop)
    return True
