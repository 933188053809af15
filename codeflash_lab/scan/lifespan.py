"""Code a service runs once, at start-up, at shutdown or on a reload signal, found across
modules.

A lifespan, start-up or shutdown hook (``add_event_handler("startup", ...)``, ``on_startup``, a
``lifespan`` function, a function named for start-up), a signal handler and a command-line
command run once, before or beside serving. What they call in other modules of the scanned
tree (``Controller.instance().start()``, an imported ``async def``) and what only those
callees call on ``self`` in turn runs once too: a blocking call there freezes no request,
so its finding is lowered to low confidence. Resolved on every run, like the other
cross-module facts, so an edit in either module is seen.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Iterable, Mapping, MutableSequence

from codeflash_lab.scan.files import read_file
from codeflash_lab.scan.finding import FileError
from codeflash_lab.scan.startup import start_up_name

__all__ = ["lower_start_up", "start_up_targets"]

_HINT = re.compile(
    rb"startup|start_up|shutdown|shut_down|lifespan|signal_handl|sighup|on_reload|add_signal_handler"
    rb"|signal\.signal|(?:import|from) (?:click|asyncclick|typer|rich_click|cloup)\b"
)
_ROOT_NAME = re.compile(
    r"startup|start_up|shutdown|shut_down|lifespan|signal_handl|sighup|on_reload"
)
_REGISTRARS = frozenset({"add_event_handler", "add_signal_handler", "signal", "on_event"})
_CLI = frozenset({"click", "asyncclick", "typer", "rich_click", "cloup"})
_BLOCKING = frozenset({"CFL101", "CFL102", "CFL103", "CFL104", "CFL105", "CFL106"})
_INSTANCE = frozenset({"instance", "get_instance", "get", "current", "shared"})

Raw = tuple  # (line, col, code, message, fix, confidence, gain, related)


def _parse(path: str) -> ast.Module | None:
    data = read_file(path)
    if isinstance(data, FileError):
        return None
    try:
        return ast.parse(data, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _imports(nodes: Iterable[ast.AST], module: str, is_pkg: bool) -> dict[str, str]:
    """Local name -> absolute dotted name, for every ``import`` among ``nodes``."""
    out: dict[str, str] = {}
    base = module.split(".") if module else []
    if not is_pkg:
        base = base[:-1]
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            src = node.module or ""
            if node.level:
                up = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                src = ".".join([*up, src] if src else up)
            for alias in node.names:
                out[alias.asname or alias.name] = f"{src}.{alias.name}" if src else alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                out[alias.asname or alias.name.partition(".")[0]] = (
                    alias.name if alias.asname else alias.name.partition(".")[0]
                )
    return out


def _decorated_cli(func: ast.AST) -> bool:
    for deco in getattr(func, "decorator_list", ()):
        target = deco.func if isinstance(deco, ast.Call) else deco
        parts: list[str] = []
        while isinstance(target, ast.Attribute):
            parts.append(target.attr)
            target = target.value
        if isinstance(target, ast.Name):
            parts.append(target.id)
        if parts and (parts[-1] in _CLI or parts[0] in ("command", "group")):
            return True
    return False


def _click_root(node: ast.AST) -> bool:
    """A module-level command declared straight on click or typer (``@click.group()``)."""
    for deco in getattr(node, "decorator_list", ()):
        target = deco.func if isinstance(deco, ast.Call) else deco
        while isinstance(target, ast.Attribute):
            target = target.value
        if isinstance(target, ast.Name) and target.id in _CLI:
            return True
    return False


def _roots(nodes: list[ast.AST]) -> list[ast.AST]:
    """Functions that run once: start-up, lifespan and signal hooks, CLI commands."""
    funcs = {n.name: n for n in nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    out = [
        f
        for name, f in funcs.items()
        if _ROOT_NAME.search(name.lower()) or start_up_name(name) or _decorated_cli(f)
    ]
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        if name not in _REGISTRARS:
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for sub in ast.walk(arg):
                if isinstance(sub, ast.Name) and sub.id in funcs:
                    out.append(funcs[sub.id])
    return _only_run_by(out, nodes, funcs)


def _only_run_by(
    roots: list[ast.AST], nodes: list[ast.AST], funcs: Mapping[str, ast.AST]
) -> list[ast.AST]:
    """The roots plus the functions of the file that only they use, and so on: a helper
    that only command-line commands run (``backup`` -> ``create_backup``) runs once too.
    In a module that declares a command straight on click or typer, every module-level
    function serves that command-line program."""
    tops = [n for n in nodes if isinstance(n, ast.Module)]
    if not tops or not roots:
        return roots
    if any(_click_root(r) for r in tops[0].body):  # a command-line program's own module
        return [*roots, *(n for n in tops[0].body if n in funcs.values() and n not in roots)]
    users: dict[str, set[str]] = {}
    for stmt in tops[0].body:
        owner = stmt.name if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) else ""
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Name) and sub.id in funcs and sub.id != owner:
                users.setdefault(sub.id, set()).add(owner)
    done = {getattr(r, "name", "") for r in roots}
    grew = True
    while grew:
        grew = False
        for name, by in users.items():
            if name not in done and "" not in by and by <= done:
                done.add(name)
                roots.append(funcs[name])
                grew = True
    return roots


def _targets(root: ast.AST, names: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    """``(absolute dotted owner, member)`` for calls to imported names made by ``root``."""
    for node in ast.walk(root):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in names:
            owner, _, member = names[f.id].rpartition(".")
            yield owner, member
        elif isinstance(f, ast.Attribute):
            value = f.value
            if isinstance(value, ast.Call):  # Controller.instance().start(), Service().run()
                inner = value.func
                if isinstance(inner, ast.Attribute) and inner.attr in _INSTANCE:
                    value = inner.value
                elif isinstance(inner, ast.Name):
                    value = inner
            if isinstance(value, ast.Name) and value.id in names:
                yield names[value.id], f.attr


def _self_callers(cls: ast.ClassDef) -> dict[str, set[str]]:
    """Method name -> names of the methods of ``cls`` that call it on ``self``."""
    out: dict[str, set[str]] = {}
    for item in cls.body:
        if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(item):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("self", "cls")
            ):
                out.setdefault(node.func.attr, set()).add(item.name)
    return out


def _spans(
    tree: ast.Module, owner: str | None, members: set[str], outside: Callable[[str], bool]
) -> list[tuple[int, int]]:
    """Line spans of the members (and of the methods only they call on ``self``, unless
    ``outside`` says other code calls them too)."""
    body: list[ast.stmt] = tree.body
    callers: dict[str, set[str]] = {}
    if owner is not None:
        cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        if cls is None:
            return []
        body = cls.body
        callers = _self_callers(cls)
    defs = {n.name: n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    once = {m for m in members if m in defs}
    grew = bool(once)
    while grew:
        grew = False
        for name, by in callers.items():
            if name in defs and name not in once and by and by <= once and not outside(name):
                once.add(name)
                grew = True
    return [(defs[m].lineno, defs[m].end_lineno or defs[m].lineno) for m in once]


def start_up_targets(path: str, module: str) -> tuple[tuple[str, str], ...]:
    """``(absolute owner, member)`` called by the start-up roots of ``path`` (a per-file
    fact: it depends on the file's bytes and module name only, so it is cached with them)."""
    data = read_file(path)
    if isinstance(data, FileError) or not _HINT.search(data):
        return ()
    tree = _parse(path)
    if tree is None:
        return ()
    nodes = list(ast.walk(tree))
    names = _imports(nodes, module, path.endswith("__init__.py"))
    for node in tree.body:  # the file's own classes and functions
        if module and isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.setdefault(node.name, f"{module}.{node.name}")
    return tuple(sorted({t for root in _roots(nodes) for t in _targets(root, names)}))


def lower_start_up(
    raw_by_path: Mapping[str, MutableSequence[Raw]],
    modules: Mapping[str, str],
    tests: Collection[str] = (),
    facts: Callable[[str, str], tuple[tuple[str, str], ...]] = start_up_targets,
) -> None:
    """Lower blocking-call findings inside code that only start-up paths of other modules
    (or of the same one) reach. ``modules`` maps each scanned path to its dotted name;
    calls made by the ``tests`` files do not count as other callers; ``facts`` gives a
    file's start-up targets (the engine passes a cached :func:`start_up_targets`)."""
    if not any(f[2] in _BLOCKING and f[5] != "low" for raw in raw_by_path.values() for f in raw):
        return
    by_name = {name: path for path, name in modules.items() if name}
    wanted: dict[str, dict[str | None, set[str]]] = {}
    callers: dict[tuple[str, str], set[str]] = {}
    for path, module in modules.items():
        if path in tests:
            continue  # test set-up is not how the service starts
        for owner, member in facts(path, module):
            if owner in by_name:  # a module-level function of another module
                wanted.setdefault(by_name[owner], {}).setdefault(None, set()).add(member)
                callers.setdefault((by_name[owner], member), set()).add(path)
                continue
            mod, _, cls = owner.rpartition(".")
            if mod in by_name:
                wanted.setdefault(by_name[mod], {}).setdefault(cls, set()).add(member)
    texts: list[bytes] = []

    def outside(name: str) -> bool:
        """True when some file calls ``.name(`` on anything but ``self``/``cls``."""
        if not texts:
            for path in modules:
                data = read_file(path) if path not in tests else None
                if isinstance(data, bytes):
                    texts.append(data)
        pattern = re.compile(rb"(?<!self)(?<!cls)\." + re.escape(name.encode()) + rb"\(")
        return any(pattern.search(t) for t in texts)

    def used_elsewhere(path: str, member: str) -> bool:
        """True when a file other than the function's own and its start-up callers calls it."""
        if not by_path:
            for other in modules:
                data = read_file(other) if other not in tests else None
                if isinstance(data, bytes):
                    by_path[other] = data
        known = callers.get((path, member), set()) | {path}
        pattern = re.compile(rb"\b" + re.escape(member.encode()) + rb"\(")
        return any(pattern.search(t) for p, t in by_path.items() if p not in known)

    by_path: dict[str, bytes] = {}
    for path, owners in wanted.items():
        raw = raw_by_path.get(path)
        if not raw or not any(f[2] in _BLOCKING and f[5] != "low" for f in raw):
            continue
        if None in owners:
            owners[None] = {m for m in owners[None] if not used_elsewhere(path, m)}
        tree = _parse(path)
        if tree is None:
            continue
        spans = [
            s for owner, members in owners.items() for s in _spans(tree, owner, members, outside)
        ]
        for i, f in enumerate(raw):
            if f[2] in _BLOCKING and f[5] != "low" and any(a <= f[0] <= b for a, b in spans):
                raw[i] = (*f[:5], "low", *f[6:])
