"""Code that runs before a program serves anything, once as it stops, or serves nobody but
its user.

Entry points (``__main__.py``, ``async def main``, click or typer commands, start-up hooks
such as ``_pre_connect``), shutdown hooks (``async def cleanup``, ``on_shutdown``), code
that builds and starts the HTTP server (``AppRunner``, tornado's ``HTTPServer``) and console
programs (they print and prompt) block nothing else when they wait: their findings are
reported at low confidence.
"""

from __future__ import annotations

import ast

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.scope import Scope

__all__ = ["ENTRY_NAMES", "console_program", "sets_up_server", "start_up", "start_up_name"]

ENTRY_NAMES = frozenset({"main", "_main", "amain", "async_main", "cli", "run_cli", "entrypoint"})


#: Hooks that run once before a service takes work (``_pre_connect``, ``on_startup``).
_START_UP_PREFIXES = ("pre_connect", "pre_start", "startup", "on_startup", "bootstrap")
#: Hooks that run once as a service stops. Exact names only: ``shutdown_kernel`` or
#: ``cleanup_session`` may run per request.
_SHUT_DOWN_NAMES = frozenset(
    {"cleanup", "shutdown", "teardown", "on_shutdown", "on_cleanup", "on_stop", "atexit"}
)
#: Calls that build or start the service's HTTP front end: the code around them runs
#: before it serves (again after a certificate change). Plain ``asyncio.start_server`` is
#: left out: services open those per object (a console per VM), while others run.
_SERVERS = frozenset(
    {
        "aiohttp.web.AppRunner",
        "aiohttp.web.TCPSite",
        "aiohttp.web.UnixSite",
        "aiohttp.web_runner.AppRunner",
        "aiohttp.web_runner.TCPSite",
        "tornado.httpserver.HTTPServer",
        "uvicorn.Server",
        "hypercorn.asyncio.serve",
    }
)
_CLI_MODULES = frozenset({"click", "asyncclick", "typer", "rich_click", "cloup"})


def start_up(ctx: FileContext, func: Scope | None) -> bool:
    """Code of a program's entry point (``__main__.py``, ``async def main``, a command-line
    command declared with click or typer, or an ``async def`` that only such entry points
    run, e.g. a check the ``serve`` command runs before serving): nothing else runs on its
    loop yet."""
    if ctx.path.endswith("__main__.py"):
        return True
    if func is None:
        return False
    if _entry(ctx, func):
        return True
    return func.is_async and func.name in ctx.memo("run-by-entry", _run_by_entry)


def _run_by_entry(ctx: FileContext) -> frozenset[str]:
    """Module-level ``async def`` names that are used only inside entry points of the file
    (``asyncio.run(check(ds))`` in a click command): they run before anything is served."""
    candidates = {
        s.name: s
        for s in ctx.scopes
        if s.is_async and s.parent is ctx.module and not s.node.decorator_list  # type: ignore[attr-defined]
    }
    if not candidates:
        return frozenset()
    uses: dict[str, list[bool]] = {}
    for scope in ctx.scopes:
        for node in scope.nodes:
            if not (isinstance(node, ast.Name) and node.id in candidates):
                continue
            if ctx.scope_of[node] is not scope:
                continue
            user = ctx.function_scope(scope)
            uses.setdefault(node.id, []).append(user is not None and _entry(ctx, user))
    return frozenset(name for name, seen in uses.items() if seen and all(seen))


def _entry(ctx: FileContext, func: Scope) -> bool:
    for deco in getattr(func.node, "decorator_list", ()):
        name = ctx.qualname(deco.func if isinstance(deco, ast.Call) else deco) or ""
        if name.partition(".")[0] in _CLI_MODULES:
            return True
    return start_up_name(func.name)


def start_up_name(name: str) -> bool:
    """``main``, ``cli``, ``_pre_connect``, ``on_startup``: code run before serving;
    ``_cleanup``, ``on_shutdown``: code run once as the service stops."""
    bare = name.lstrip("_")
    return name in ENTRY_NAMES or bare.startswith(_START_UP_PREFIXES) or bare in _SHUT_DOWN_NAMES


def sets_up_server(ctx: FileContext, func: Scope | None) -> bool:
    """An ``async def`` that builds and starts the service's HTTP server
    (``web.AppRunner(app)``, ``HTTPServer(app)``), perhaps again when its certificates
    change: what it reads on the way runs before that server serves, and requests are
    handled by other functions."""
    if func is None or not func.is_async:
        return False
    for node in func.nodes:
        if not isinstance(node, ast.Call) or ctx.scope_of.get(node) is not func:
            continue
        if ctx.qualname(node.func) in _SERVERS:
            return True
    return False


def console_program(ctx: FileContext) -> bool:
    """A console program: it prints and prompts its user (or prints from a module of a
    ``cli`` package), so it serves nobody else."""
    names = ctx.memo("called-names", lambda c: {c.qualname(call.func) for call in c.calls})
    prompts = {"builtins.input", "getpass.getpass"} & names or any(
        (n or "").partition(".")[0] in _CLI_MODULES for n in names
    )
    return "builtins.print" in names and (bool(prompts) or _command_line_package(ctx.path))


def _command_line_package(path: str) -> bool:
    """A module of a project's command-line client (``pkg/cli/commands/login.py``)."""
    parts = path.replace("\\", "/").split("/")
    return "cli" in parts[:-1] or parts[-1] == "cli.py"
