"""Caching rules: CFL601 cache-on-async."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.registry import Hit, Rule, register

__all__: list[str] = []

_CACHES = frozenset(
    {
        "functools.cache",
        "functools.lru_cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "cachetools.func.lfu_cache",
        "cachetools.func.fifo_cache",
        "cachetools.func.rr_cache",
        "cachetools.func.mru_cache",
    }
)


@register
class CacheOnAsync(Rule):
    """A ``functools`` cache on an ``async def``.

    Problem: ``functools.cache``/``lru_cache``/``cached_property`` (and ``cachetools``
    decorators) store the coroutine object, not its result; the second caller gets a
    coroutine that was already awaited and fails with ``RuntimeError``. Fix:
    ``async_lru.alru_cache`` or a dict of results filled after the await. ruff's B019
    only warns about methods, for a memory-leak reason.
    """

    code = "CFL601"
    name = "cache-on-async"
    category = "cache-on-async"
    message = "functools cache on an async def caches the coroutine, not its result"
    tokens = (b"async def",)

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for scope in ctx.scopes:
            if not scope.is_async:
                continue
            for deco in scope.node.decorator_list:  # type: ignore[attr-defined]
                target = deco.func if isinstance(deco, ast.Call) else deco
                name = ctx.qualname(target)
                if name in _CACHES:
                    short = name.rpartition(".")[2]
                    yield Hit(
                        deco,
                        f"`@{short}` on `async def {scope.name}` caches the coroutine object; "
                        "the second await of a cache hit raises RuntimeError",
                    )
