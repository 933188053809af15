"""Files shipped beside a PR body: a small before/after chart and a permanent benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from codeflash_lab.experiments.review.pr_body import KeepNumbers

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["benchmark_source", "draw_chart", "save_chart"]

_BEFORE, _AFTER = "#9aa5b1", "#2f7ed8"


def draw_chart(numbers: list[KeepNumbers]) -> Figure:
    """Before/after bars: p50 and p99 latency (left), throughput (right), one bar pair per keep.

    Args:
        numbers: the figures of the PR's keeps.

    Returns:
        A matplotlib Figure (not shown, no global pyplot state).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.0), dpi=100, layout="constrained")
    lat, tp = fig.subplots(1, 2)
    many = len(numbers) > 1
    labels: list[str] = []
    before: list[float] = []
    after: list[float] = []
    for i, n in enumerate(numbers, start=1):
        for name, pair in (("p50", n.p50), ("p99", n.p99)):
            if pair[0] is not None and pair[1] is not None:
                labels.append(f"{name} #{i}" if many else name)
                before.append(pair[0])
                after.append(pair[1])
    _bars(lat, labels, before, after, "latency (ms, lower is better)")
    labels, before, after = [], [], []
    for i, n in enumerate(numbers, start=1):
        if n.throughput[0] is not None and n.throughput[1] is not None:
            labels.append(f"#{i}" if many else "throughput")
            before.append(n.throughput[0])
            after.append(n.throughput[1])
    _bars(tp, labels, before, after, "throughput (ops/s, higher is better)")
    handles, names = lat.get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="outside upper center", ncols=2, fontsize=8, frameon=False)
    return fig


def _bars(ax: Axes, labels: list[str], before: list[float], after: list[float], title: str) -> None:
    x = list(range(len(labels)))
    width = 0.38
    ax.bar([i - width / 2 for i in x], before, width, label="before", color=_BEFORE)
    ax.bar([i + width / 2 for i in x], after, width, label="after", color=_AFTER)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    if not labels:
        ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)


def save_chart(numbers: list[KeepNumbers], path: str | Path) -> Path:
    """Draw :func:`draw_chart` and write it as a PNG at ``path``."""
    p = Path(path)
    draw_chart(numbers).savefig(p, format="png")
    return p


_TEMPLATE = '''"""Benchmark: {title}.

Kept change {shas}; recorded p50 {p50_before} ms -> {p50_after} ms at concurrency
{concurrency}. Runs the measured target (the zero-argument coroutine function that
builds the realistic input and calls the changed code, or a URL of the service)
with {concurrency} calls in flight:

    python {name}
    pytest {name} --benchmark-only

The first prints p50/p99 latency and throughput; the second needs pytest-benchmark.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import statistics
import sys
import time
from pathlib import Path

TARGET = {target!r}
CONCURRENCY = {concurrency}
OPS = {ops}
MARKERS = (".codeflash", "pyproject.toml", "setup.py", "setup.cfg", ".git")
PROJECT = next(
    (p for p in Path(__file__).resolve().parents if any((p / m).exists() for m in MARKERS)),
    Path.cwd(),
)


def load_call():
    """An async function of no arguments that performs one operation on the target."""
    if TARGET.startswith(("http://", "https://")):
        import aiohttp

        state = {{}}

        async def call():
            if "session" not in state:
                state["session"] = aiohttp.ClientSession()
            async with state["session"].get(TARGET) as response:
                await response.read()

        async def close():
            if "session" in state:
                await state.pop("session").close()

        call.close = close
        return call
    spec, _, name = TARGET.rpartition(":")
    if spec.endswith(".py"):
        path = PROJECT / spec
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        sys.path.insert(0, str(PROJECT))
        module = importlib.import_module(spec)
    return getattr(module, name)


async def run_batch(call, ops):
    """Run ``ops`` calls with CONCURRENCY long-lived workers; latencies in ms and seconds taken."""
    latencies = [0.0] * ops
    next_op = 0

    async def worker():
        nonlocal next_op
        while next_op < ops:
            i = next_op
            next_op += 1
            start = time.perf_counter_ns()
            await call()
            latencies[i] = (time.perf_counter_ns() - start) / 1e6

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    finally:
        close = getattr(call, "close", None)
        if close is not None:
            await close()
    return latencies, time.perf_counter() - started


def measure(ops=OPS):
    """One warmed-up run: (p50 ms, p99 ms, ops/s)."""
    call = load_call()
    asyncio.run(run_batch(call, max(ops // 10, CONCURRENCY)))
    latencies, seconds = asyncio.run(run_batch(call, ops))
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[98], ops / seconds


try:
    import pytest_benchmark  # noqa: F401
except ImportError:
    pytest_benchmark = None

if pytest_benchmark is not None:

    def test_{func}(benchmark):
        call = load_call()
        benchmark.pedantic(
            lambda: asyncio.run(run_batch(call, OPS)), rounds=5, warmup_rounds=1
        )


if __name__ == "__main__":
    p50, p99, throughput = measure()
    print(
        f"p50 {{p50:.3f}} ms  p99 {{p99:.3f}} ms  throughput {{throughput:.0f}} ops/s  "
        f"(concurrency {{CONCURRENCY}}, {{OPS}} ops)"
    )
'''


def benchmark_source(
    *,
    name: str,
    title: str,
    target: str,
    concurrency: int,
    shas: list[str],
    numbers: KeepNumbers | None = None,
    ops: int | None = None,
) -> str:
    """Source of a standalone benchmark for the project's benchmark folder.

    The file runs ``target`` (``module:function``, ``path/file.py:function`` or
    a URL) with ``concurrency`` operations in flight, as a script printing p50,
    p99 and throughput, and as a pytest-benchmark test when that plugin is installed.

    Args:
        name: file name it will have (used in its usage text).
        title: the PR title.
        target: what was measured.
        concurrency: the locked benchmark concurrency.
        shas: the kept commits.
        numbers: recorded figures quoted in the docstring.
        ops: operations per measured run (default: 40 per unit of concurrency, at least 400).

    Raises:
        ValueError: ``concurrency`` is below 1 or ``target`` is empty.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency: must be at least 1, got {concurrency}")
    if not target.strip():
        raise ValueError("target: empty")
    p50 = numbers.p50 if numbers else (None, None)
    func = "".join(ch if ch.isalnum() else "_" for ch in Path(name).stem.lower())
    return _TEMPLATE.format(
        title=title.replace('"""', "'''"),
        shas=", ".join(s[:10] for s in shas),
        p50_before="n/a" if p50[0] is None else f"{p50[0]:g}",
        p50_after="n/a" if p50[1] is None else f"{p50[1]:g}",
        concurrency=concurrency,
        name=name,
        target=target,
        ops=ops if ops is not None else max(400, 40 * concurrency),
        func=func,
    )
