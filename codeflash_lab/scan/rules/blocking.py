"""Blocking calls inside ``async def`` (category ``blocking-call``): CFL101-CFL106.

One classifier (``scan.blockers``) maps each call to a family (sleep, HTTP, file,
subprocess, database, console input); one rule per family so teams can adopt them
piecemeal. This module words the findings and lowers the confidence of calls that block
nothing that matters: start-up, console programs, wording an error on the way out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codeflash_lab.scan.blockers import FAMILY_CODES, blocking_calls, direct_blocking, offloaded
from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.failure import stat_on_failure_path
from codeflash_lab.scan.inputs import FIXED_STATE_FAMILIES, uses_inputs
from codeflash_lab.scan.registry import Hit, Rule, register
from codeflash_lab.scan.startup import console_program, sets_up_server, start_up

# FAMILY_CODES, direct_blocking and offloaded are re-exported: crossmodule imports them here.
__all__ = ["FAMILY_CODES", "blocking_calls", "direct_blocking", "offloaded"]


_WHY = {
    "sleep": "it stops the whole event loop for the duration",
    "http": "the network round trip freezes the event loop",
    "file": "file-system I/O runs on the event loop thread",
    "subprocess": "the loop waits for the child process",
    "database": "the query runs synchronously on the event loop",
    "input": "the loop waits for the console",
}


def _in_raise(ctx: FileContext, call: ast.AST) -> bool:
    """``raise Error(f"... {os.path.realpath(p)}")``, or a call in a block that ends by
    raising (``out = read_log()`` then ``raise Error(out)``, in an ``except`` or an
    ``if retcode:``): it only words the error, once, on the way out."""
    child: ast.AST = call
    for anc in ctx.ancestors(call):
        if isinstance(anc, ast.Raise):
            return True
        if isinstance(anc, ast.If) and child is anc.test and _both_raise(anc):
            return True  # it only picks which error to raise
        if isinstance(child, ast.stmt):  # the call's own statement: is its block an exit?
            if isinstance(anc, ast.FunctionDef | ast.AsyncFunctionDef):
                return False
            for field in ("body", "orelse", "finalbody"):
                block = getattr(anc, field, None)
                if isinstance(block, list) and child in block:
                    return _words_the_raise(child, block[-1])
            return False
        child = anc
    return False


def _both_raise(node: ast.If) -> bool:
    """``if islink(p): raise A(...) else: raise B(...)``."""
    return (
        bool(node.orelse)
        and isinstance(node.body[-1], ast.Raise)
        and isinstance(node.orelse[-1], ast.Raise)
    )


_REPORTS = frozenset({"warning", "warn", "error", "exception", "critical"})


def _words_the_raise(stmt: ast.stmt, last: ast.stmt) -> bool:
    """``out = read_log()`` whose name the block's closing ``raise`` (or warning or error
    log line) uses: it only words a failure. A clean-up such as ``shutil.rmtree(...)``
    before the raise is real work, and stays a finding."""
    if last is stmt or not isinstance(stmt, ast.Assign):
        return False
    reports = isinstance(last, ast.Raise) or (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and isinstance(last.value.func, ast.Attribute)
        and last.value.func.attr in _REPORTS
    )
    names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    return reports and any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(last))


class _BlockingRule(Rule):
    family = ""
    category = "blocking-call"
    message = "blocking call in async function"

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for family, call, shown, confidence, related in blocking_calls(ctx):
            if family == self.family:
                func = ctx.function_scope(ctx.scope_of[call])
                if start_up(ctx, func) or sets_up_server(ctx, func):
                    confidence = "low"  # runs before the loop serves, or as it stops
                elif console_program(ctx):
                    confidence = "low"  # a console program talking to its user
                elif _in_raise(ctx, call):
                    confidence = "low"  # words an error once, on the way out
                elif stat_on_failure_path(ctx, call, shown.strip("`").removesuffix("()")):
                    confidence = "low"  # one stat after a failure, to choose the recovery
                elif family in FIXED_STATE_FAMILIES and not uses_inputs(ctx, call):
                    confidence = "low"  # fixed state: most often a one-time life-cycle step
                where = f" in async function `{func.name}`" if func else ""
                uses = f" (used on lines {', '.join(map(str, related))})" if related else ""
                yield Hit(
                    call,
                    f"blocking call {shown}{where}{uses}: {_WHY[family]}",
                    confidence=confidence,
                    related=related,
                )


@register
class BlockingSleep(_BlockingRule):
    """``time.sleep`` inside ``async def``.

    Problem: ``time.sleep`` suspends the thread that runs the event loop, so every
    other task stops too. Fix: ``await asyncio.sleep(...)``. Overlaps ruff ASYNC251.
    """

    code = "CFL101"
    name = "blocking-sleep"
    family = "sleep"


@register
class BlockingHttp(_BlockingRule):
    """Synchronous network I/O inside ``async def``.

    Problem: ``requests``, ``urllib``, ``http.client``, ``urllib3``, a sync
    ``httpx.Client`` (also methods of a session bound earlier, e.g. in ``__init__``),
    blocking sockets, SMTP and FTP each hold the loop for a full round trip. Fix:
    ``httpx.AsyncClient``/``aiohttp``, asyncio streams, or ``asyncio.to_thread``.
    Overlaps ruff ASYNC210/ASYNC212 and goes further (sessions, sockets).
    """

    code = "CFL102"
    name = "blocking-http"
    family = "http"


@register
class BlockingFileIO(_BlockingRule):
    """File-system calls inside ``async def``.

    Problem: ``open()``, pathlib reads and writes, ``os``/``os.path``/``shutil``
    file operations all block the loop on disk latency (worst on network file
    systems). Fix: ``aiofiles``/``anyio.open_file`` or ``asyncio.to_thread``.
    Overlaps ruff ASYNC230/ASYNC240.
    """

    code = "CFL103"
    name = "blocking-file-io"
    family = "file"


@register
class BlockingSubprocess(_BlockingRule):
    """Synchronous subprocesses inside ``async def``.

    Problem: ``subprocess.run``, ``os.system``, ``os.popen`` and ``Popen.wait`` make the
    loop wait for the child. Fix: ``asyncio.create_subprocess_exec`` or
    ``asyncio.to_thread``. Overlaps ruff ASYNC220/ASYNC221/ASYNC222.
    """

    code = "CFL104"
    name = "blocking-subprocess"
    family = "subprocess"


@register
class BlockingDatabase(_BlockingRule):
    """Synchronous database drivers inside ``async def``.

    Problem: ``sqlite3``, ``psycopg2``-style DB-API drivers and sync ``redis`` run every
    query on the loop thread (also through connections and cursors bound earlier).
    Fix: an async driver (``aiosqlite``, ``asyncpg``, ``psycopg`` async, ``redis.asyncio``)
    or ``asyncio.to_thread``. No ruff rule covers these.
    """

    code = "CFL105"
    name = "blocking-database"
    family = "database"


@register
class BlockingInput(_BlockingRule):
    """Console input inside ``async def``.

    Problem: ``input()``, ``getpass`` and ``sys.stdin`` reads stop the loop until the
    user types. Fix: ``await asyncio.to_thread(input, prompt)``. Overlaps ruff ASYNC250.
    """

    code = "CFL106"
    name = "blocking-input"
    family = "input"
