"""Code that runs before a program serves anything, or serves nobody but its user.

Entry points (``__main__.py``, ``async def main``, click or typer commands, start-up hooks
such as ``_pre_connect``) and console programs (they print and prompt) block nothing
else when they wait: their findings are reported at low confidence.
"""

from __future__ import annotations

import ast

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.scope import Scope

__all__ = ["ENTRY_NAMES", "console_program", "start_up", "start_up_name"]

ENTRY_NAMES = frozenset({"main", "_main", "amain", "async_main", "cli", "run_cli", "entrypoint"})


#: Hooks that run once before a service takes work (``_pre_connect``, ``on_startup``).
_START_UP_PREFIXES = ("pre_connect", "pre_start", "startup", "on_startup", "bootstrap")
_CLI_MODULES = frozenset({"click", "asyncclick", "typer", "rich_click", "cloup"})


def start_up(ctx: FileContext, func: Scope | None) -> bool:
    """Code of a program's entry point (``__main__.py``, ``async def main``, a command-line
    command declared with click or typer): nothing else runs on its loop yet."""
    if ctx.path.endswith("__main__.py"):
        return True
    if func is None:
        return False
    for deco in getattr(func.node, "decorator_list", ()):
        name = ctx.qualname(deco.func if isinstance(deco, ast.Call) else deco) or ""
        if name.partition(".")[0] in _CLI_MODULES:
            return True
    return start_up_name(func.name)


def start_up_name(name: str) -> bool:
    """``main``, ``cli``, ``_pre_connect``, ``on_startup``: code run before serving."""
    return name in ENTRY_NAMES or name.lstrip("_").startswith(_START_UP_PREFIXES)


def console_program(ctx: FileContext) -> bool:
    """A console program: it prints and prompts its user, so it serves nobody else."""
    names = ctx.memo("called-names", lambda c: {c.qualname(call.func) for call in c.calls})
    prompts = {"builtins.input", "getpass.getpass"} & names or any(
        (n or "").partition(".")[0] in _CLI_MODULES for n in names
    )
    return "builtins.print" in names and bool(prompts)
