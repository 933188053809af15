"""The eleven antipattern categories: slugs used by the scanner, results.tsv and charts.

Pure data. Each category names the strategy family it belongs to; the ledger's
strategy rotation walks those families in the order the method teaches.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CATEGORIES",
    "SLUGS",
    "STRATEGIES",
    "Category",
    "category",
    "strategy_for",
]

#: Strategy families, in the order rotation moves through them.
STRATEGIES: tuple[str, ...] = (
    "sequential-await gathering",
    "blocking-call removal",
    "connection management",
    "architectural restructuring",
)


@dataclass(frozen=True, slots=True)
class Category:
    """One antipattern category.

    Attributes:
        slug: kebab-case identifier used everywhere (``pattern`` column, scan output).
        title: short human name.
        impact: ``"HIGH"`` or ``"MEDIUM"``.
        worth_fixing: why it is worth fixing, in a few words.
        typical_gain: the usual size of the win.
        strategy: the strategy family (one of :data:`STRATEGIES`).
    """

    slug: str
    title: str
    impact: str
    worth_fixing: str
    typical_gain: str
    strategy: str


CATEGORIES: tuple[Category, ...] = (
    Category(
        "sequential-awaits",
        "Sequential awaits",
        "HIGH",
        "yes, usually the largest win",
        "2-10x lower latency (sum of waits becomes the longest wait)",
        STRATEGIES[0],
    ),
    Category(
        "await-in-loop",
        "Await in a loop",
        "HIGH",
        "yes",
        "latency falls roughly in proportion to the number of items",
        STRATEGIES[0],
    ),
    Category(
        "blocking-call",
        "Blocking call in async code",
        "HIGH",
        "yes, it is a correctness problem",
        "every other coroutine stops while it runs; throughput stops scaling",
        STRATEGIES[1],
    ),
    Category(
        "cpu-in-event-loop",
        "CPU-heavy work on the event loop",
        "HIGH",
        "yes",
        "frees the loop for all concurrent work",
        STRATEGIES[1],
    ),
    Category(
        "cache-on-async",
        "functools cache on an async def",
        "MEDIUM",
        "yes, it is a correctness bug",
        "a cache hit returns an already-awaited coroutine and fails",
        STRATEGIES[3],
    ),
    Category(
        "unbounded-gather",
        "Unbounded gather",
        "MEDIUM",
        "yes, for stability",
        "avoids pool exhaustion, rate limits and memory spikes",
        STRATEGIES[3],
    ),
    Category(
        "client-per-request",
        "A new client per request",
        "MEDIUM",
        "yes",
        "saves connection set-up (often 50-200 ms) per request",
        STRATEGIES[2],
    ),
    Category(
        "unbounded-queue",
        "Unbounded queue",
        "MEDIUM",
        "yes, when a network-fed producer can outrun the consumer",
        "back-pressure instead of unbounded memory growth",
        STRATEGIES[3],
    ),
    Category(
        "write-without-drain",
        "StreamWriter.write without drain",
        "MEDIUM",
        "yes, for writes in loops or broadcasts",
        "bounded buffers and flow control",
        STRATEGIES[2],
    ),
    Category(
        "asyncio-run-in-async",
        "asyncio.run inside a running loop",
        "MEDIUM",
        "yes, it is a correctness bug",
        "avoids RuntimeError under notebooks, ASGI servers and async tests",
        STRATEGIES[3],
    ),
    Category(
        "dangling-task",
        "Task without a reference",
        "MEDIUM",
        "yes, it is a correctness bug",
        "the task can be garbage-collected mid-flight; its errors vanish",
        STRATEGIES[3],
    ),
)

SLUGS: tuple[str, ...] = tuple(c.slug for c in CATEGORIES)

_BY_SLUG = {c.slug: c for c in CATEGORIES}


def category(slug: str) -> Category:
    """Return the category for ``slug``.

    Raises:
        ValueError: ``slug`` is not one of :data:`SLUGS`.
    """
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise ValueError(
            f"slug: unknown category {slug!r}; expected one of {', '.join(SLUGS)}"
        ) from None


def strategy_for(pattern: str) -> str | None:
    """The strategy family of a ``pattern`` value, or ``None`` for an unknown pattern."""
    cat = _BY_SLUG.get(pattern.strip().lower())
    return cat.strategy if cat else None
