"""The antipatterns planted in the demo service: where each lives, its fix, how to measure it.

Pure data. The guided run walks :data:`EXERCISES` in order; the workshop
checker uses the same records (one exercise per planted antipattern, plus
one change that only looks like an optimization).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "EXERCISES",
    "FIXES_DIR",
    "SERVICE_DIR",
    "Exercise",
    "exercise",
    "exercise_names",
]

#: The demo project as shipped (copied into a scratch repository before use).
SERVICE_DIR = Path(__file__).resolve().parent / "service"
#: One folder per exercise, holding the fixed version of the file it changes.
FIXES_DIR = Path(__file__).resolve().parent / "fixes"

#: The request the latency story measures: 3 context lookups and 4 priced lines.
PROCESS = "/process?customer=7&skus=a1,b2,c3,d4"
#: The request the throughput story measures: a fraud screen and a signed receipt.
CHECKOUT = "/checkout?customer=7&amount=120"
#: The lightest request: rendering a small JSON body is all it does.
HEALTH = "/health"
#: A long price list.
BATCH = "/batch?skus=" + ",".join(f"s{i}" for i in range(40))


@dataclass(frozen=True, slots=True)
class Exercise:
    """One planted antipattern (or decoy) in the demo service.

    Attributes:
        name: identifier used by the checker and the notebooks.
        pattern: category slug (see :mod:`codeflash_lab.categories`).
        title: one line saying what is wrong.
        file: the file to change, relative to the demo project.
        function: the function holding the antipattern.
        endpoint: the request whose benchmark shows the effect.
        summary: one line saying what the fix does (the keep commit's message).
        expect: ``"latency"``, ``"throughput"`` or ``"robustness"`` (the fix protects
            against overload or misuse and is not expected to be faster).
        hint: a nudge for a workshop attendee who is stuck.
        decoy: True for a change that looks like an optimization but is not one.
        scanned: True when the static scanner is expected to report the original code.
        tests: the demo tests that catch this antipattern (they fail until it is fixed).
        measured: False when a benchmark says nothing about the fix (a correctness bug
            whose original version fails instead of being slow).
    """

    name: str
    pattern: str
    title: str
    file: str
    function: str
    endpoint: str
    summary: str
    expect: str
    hint: str
    decoy: bool = False
    scanned: bool = True
    tests: tuple[str, ...] = ()
    measured: bool = True

    @property
    def fix_path(self) -> Path:
        """The fixed version of :attr:`file`."""
        return FIXES_DIR / self.name / self.file

    @property
    def original_path(self) -> Path:
        """The planted version of :attr:`file`, as shipped."""
        return SERVICE_DIR / self.file

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without the hint's line breaks changed)."""
        return asdict(self)


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        name="cache-on-async",
        pattern="cache-on-async",
        title="@lru_cache on an async function caches a coroutine, not its result",
        file="shopfront/rates.py",
        function="exchange_rate",
        endpoint="/quote?amount=100&currency=EUR",
        summary="cache exchange rates by value instead of caching coroutines",
        expect="robustness",
        hint=(
            "Call /quote twice for the same currency: the second call fails. lru_cache "
            "stores the coroutine object the first call returned, and a coroutine can be "
            "awaited only once. Store the awaited value (a dict keyed by currency, with a "
            "lock so concurrent first calls share one fetch)."
        ),
        tests=("test_quote_twice_fetches_the_rate_once_and_answers_both",),
        measured=False,
    ),
    Exercise(
        name="sequential-awaits",
        pattern="sequential-awaits",
        title="three independent upstream lookups awaited one after another",
        file="shopfront/context.py",
        function="load_context",
        endpoint=PROCESS,
        summary="fetch customer, inventory and promotions concurrently",
        expect="latency",
        hint=(
            "The customer, inventory and promotions lookups do not depend on each other, "
            "yet each waits for the previous one. Start all three together "
            "(asyncio.TaskGroup or asyncio.gather) so the wait is the longest call, not "
            "the sum."
        ),
    ),
    Exercise(
        name="await-in-loop",
        pattern="await-in-loop",
        title="one upstream price lookup per order line, awaited inside a for loop",
        file="shopfront/pricing.py",
        function="price_lines",
        endpoint=PROCESS,
        summary="price order lines concurrently, at most 16 in flight",
        expect="latency",
        hint=(
            "Each iteration awaits before the next starts: N lines cost N upstream round "
            "trips. Build the coroutines first and gather them (bounded by a semaphore); "
            "gather returns results in argument order, so the lines keep their order."
        ),
    ),
    Exercise(
        name="sequential-steps",
        pattern="sequential-awaits",
        title="the order's context and its priced lines fetched one after the other",
        file="shopfront/app.py",
        function="process",
        endpoint=PROCESS,
        summary="fetch the order context and the line prices together",
        expect="latency",
        hint=(
            "In the /process handler, pricing the lines does not need the customer context, "
            "yet it waits for it. Gather the two steps so the request costs one round of "
            "upstream calls instead of two."
        ),
    ),
    Exercise(
        name="blocking-call",
        pattern="blocking-call",
        title="urllib.request.urlopen inside an async handler blocks the event loop",
        file="shopfront/fraud.py",
        function="screen",
        endpoint=CHECKOUT,
        summary="call the fraud screen with the shared aiohttp client",
        expect="throughput",
        hint=(
            "urlopen waits for the network while holding the event loop: no other request "
            "moves, so throughput stays flat however many clients you add. Use the "
            "application's aiohttp client (app[CLIENT]) and await the response."
        ),
    ),
    Exercise(
        name="cpu-in-event-loop",
        pattern="cpu-in-event-loop",
        title="a key-derivation step runs on the event loop for every receipt",
        file="shopfront/receipts.py",
        function="sign",
        endpoint=CHECKOUT,
        summary="derive receipt signatures in a worker thread",
        expect="throughput",
        hint=(
            "pbkdf2_hmac burns milliseconds of CPU inside an async def, stalling every "
            "other request meanwhile. It releases the GIL, so asyncio.to_thread lets it run "
            "beside the loop."
        ),
    ),
    Exercise(
        name="client-per-request",
        pattern="client-per-request",
        title="a new aiohttp ClientSession (and connection pool) for every upstream call",
        file="shopfront/upstream.py",
        function="get_json",
        endpoint=PROCESS,
        summary="reuse the application's shared aiohttp client for upstream calls",
        expect="latency",
        hint=(
            "Opening a ClientSession per call throws away its connection pool each time: "
            "every call pays a new TCP connection. The application already opens one "
            "client at startup (app[CLIENT]); use it."
        ),
    ),
    Exercise(
        name="offload-render",
        pattern="cpu-in-event-loop",
        title="JSON encoding of small responses moved to a worker thread",
        file="shopfront/render.py",
        function="render",
        endpoint=HEALTH,
        summary="encode JSON responses in a worker thread",
        expect="latency",
        hint=(
            "This one is a trap: the responses are a few hundred bytes, so encoding takes "
            "microseconds and the thread hand-off costs more than it saves. It is measured "
            "on /health, where rendering is all the request does, so no upstream wait hides "
            "the hand-off. Measure before believing; the rules should discard it."
        ),
        decoy=True,
        scanned=False,
    ),
    Exercise(
        name="unbounded-gather",
        pattern="unbounded-gather",
        title="asyncio.gather over a client-supplied list of any length",
        file="shopfront/batch.py",
        function="price_all",
        endpoint=BATCH,
        summary="bound concurrent upstream calls of a batch to 20",
        expect="robustness",
        hint=(
            "A request with 10,000 SKUs starts 10,000 upstream calls at once. Put an "
            "asyncio.Semaphore around each call so only a fixed number are in flight."
        ),
    ),
    Exercise(
        name="unbounded-queue",
        pattern="unbounded-queue",
        title="audit events pile up in an asyncio.Queue with no size limit",
        file="shopfront/audit.py",
        function="AuditLog.__init__",
        endpoint=CHECKOUT,
        summary="bound the audit queue and count dropped events",
        expect="robustness",
        hint=(
            "When the log collector is slower than the traffic, an unbounded queue grows "
            "until memory runs out. Give it a maxsize and decide what happens when it is "
            "full (wait, or drop and count)."
        ),
    ),
)


def exercise_names() -> tuple[str, ...]:
    """The exercise names, in the order the guided run applies them."""
    return tuple(e.name for e in EXERCISES)


def exercise(name: str) -> Exercise:
    """The exercise called ``name``.

    Raises:
        ValueError: no exercise has that name (the message lists them).
    """
    for item in EXERCISES:
        if item.name == name:
            return item
    raise ValueError(f"name: no exercise {name!r}; choose one of {', '.join(exercise_names())}")
