"""What an awaited call waits on: the network, a local store, an ordered effect, or unknown.

Running awaits together pays off when they wait on network round trips. A settings
store read from memory, a database in a thread or CPU work gains nothing, and effects
that someone observes in order must keep it. The call's own name and receiver decide
first; an ``async def`` of the same module is looked into one level deep.
"""

from __future__ import annotations

import ast
import re

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.flow import callee_name
from codeflash_lab.scan.scope import Scope
from codeflash_lab.scan.verbs import EFFECTS

__all__ = ["call_kind", "does_network", "in_process_client", "receiver_words"]

_NET_WORDS = re.compile(
    r"(^|_)(json|https?|url|uri|api|fetch|download|upload|requests?|graphql|rpc|remote|webhook"
    r"|scrape|crawl)(_|$)"
)
#: Conversions and database-cursor reads: no new round trip is implied by the name.
_NOT_NET = re.compile(
    r"^(from_|to_|parse|dump|serial|deserial|decode|encode)|(^|_)fetch_?(all|one|many|row|val)(_|$)"
)
#: Settings, tokens and caches kept by the process.
_LOCAL_NAME = re.compile(r"(^|_)(config|configs|setting|settings|tokens?|cache|cached|prefs?)(_|$)")
#: Effects written after a prefix (``rpc_unload``, ``bulk_delete``).
_EFFECT_WORDS = frozenset(
    {"unload", "reload", "delete", "remove", "update", "send", "create", "insert", "save"}
    | {"write", "kick", "ban", "unban", "mute", "edit", "reply", "publish", "emit", "notify"}
    | {"subscribe", "unsubscribe"}
)
_HTTP_VERBS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
)
_CLIENT_NAME = re.compile(r"(^|_)(session|client|http|api|requests|web)$|client$|api$")
_CLIENT_READS = ("get", "list", "fetch", "search", "query", "lookup", "retrieve", "download")
_HTTP_TYPES = frozenset({"httpx.AsyncClient", "aiohttp.ClientSession"})
#: Receivers that are settings or state kept by the process itself.
LOCAL_STORE = frozenset(
    {"config", "conf", "settings", "cache", "state", "memory", "prefs", "options", "registry"}
    | {"_config", "_settings", "_cache", "_state", "store", "bank"}
)


def receiver_words(call: ast.Call) -> list[str]:
    """Names along the receiver of a method call, through calls: ``self.config.guild(g).all``
    gives ``["guild", "config", "self"]``."""
    words: list[str] = []
    cur: ast.AST = call.func.value if isinstance(call.func, ast.Attribute) else call.func
    while True:
        if isinstance(cur, ast.Call):
            cur = cur.func
        elif isinstance(cur, ast.Attribute):
            words.append(cur.attr)
            cur = cur.value
        elif isinstance(cur, ast.Subscript):
            cur = cur.value
        else:
            if isinstance(cur, ast.Name):
                words.append(cur.id)
            return words


def _direct_kind(ctx: FileContext, call: ast.Call) -> str:
    name = callee_name(call).lower()
    if name.startswith(EFFECTS) or _EFFECT_WORDS & set(name.split("_")[1:]):
        return "effect"
    if _LOCAL_NAME.search(name):
        return "local"
    words = (
        [w.lower() for w in receiver_words(call)] if isinstance(call.func, ast.Attribute) else []
    )
    if any(w in LOCAL_STORE for w in words):
        return "local"
    if isinstance(call.func, ast.Attribute):
        rtype = ctx.type_of(call.func.value, ctx.scope_of[call])
        if rtype in _HTTP_TYPES:
            return "network"
        last = words[0] if words else ""
        if (
            _CLIENT_NAME.search(last)
            and (name in _HTTP_VERBS or name.startswith(_CLIENT_READS))
            and not _NOT_NET.search(name)
        ):
            return "network"
    if _NET_WORDS.search(name) and not _NOT_NET.search(name):
        return "network"
    return "unknown"


def does_network(ctx: FileContext, scope: Scope) -> bool:
    """True when an ``async def`` awaits a network call in its own body."""
    memo: dict[int, bool] = ctx.memo("does-network", lambda c: {})
    if id(scope) not in memo:
        memo[id(scope)] = any(
            isinstance(n, ast.Await)
            and isinstance(n.value, ast.Call)
            and _direct_kind(ctx, n.value) == "network"
            for n in scope.nodes
            if ctx.scope_of.get(n) is scope
        ) or any(
            isinstance(n, ast.AsyncWith)
            and any(
                isinstance(i.context_expr, ast.Call)
                and _direct_kind(ctx, i.context_expr) == "network"
                for i in n.items
            )
            for n in scope.nodes
            if ctx.scope_of.get(n) is scope
        )
    return memo[id(scope)]


def _local_async(ctx: FileContext, call: ast.Call) -> Scope | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else None
    if name is None and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        caller = ctx.function_scope(ctx.scope_of[call])
        if caller is not None and func.value.id == caller.self_name:
            name = func.attr
    if name is None or name in ctx.imports.names or name in ctx.imports.relative:
        return None
    found = [s for s in ctx.functions.get(name, ()) if s.kind == "async"]
    return found[0] if len(found) == 1 else None


def call_kind(ctx: FileContext, call: ast.Call) -> str:
    """``network``, ``effect``, ``local``, ``imported`` (decided across modules) or ``unknown``."""
    kind = _direct_kind(ctx, call)
    if kind != "unknown":
        return kind
    helper = _local_async(ctx, call)
    if helper is not None:
        return "network" if does_network(ctx, helper) else "unknown"
    func = call.func
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and (
        root.id in ctx.imports.relative or root.id in ctx.imports.names
    ):
        return "imported"
    return "unknown"


#: Transports that call an application in the same process: no socket, nothing to pool.
_IN_PROCESS = frozenset({"ASGITransport", "WSGITransport", "MockTransport"})


def in_process_client(ctx: FileContext, call: ast.Call) -> bool:
    """True when the client talks to an app in this process (``transport=ASGITransport(app)``,
    ``app=app``), so creating it per call pays no connection set-up."""
    for kw in call.keywords:
        if kw.arg == "app":
            return True
        if kw.arg != "transport":
            continue
        value = kw.value
        if isinstance(value, ast.Name):
            scope = ctx.scope_of[call]
            bound = [
                n.value
                for n in scope.nodes
                if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == value.id for t in n.targets)
            ]
            value = bound[-1] if len(bound) == 1 else value
        if isinstance(value, ast.Call):
            name = ctx.qualname(value.func) or callee_name(value)
            if name.rpartition(".")[2] in _IN_PROCESS:
                return True
    return False
