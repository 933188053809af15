"""Per-request time histograms from Locust workers: merging and the run summary (pure).

Each worker counts request times in microsecond buckets (exact below 65.536 ms, 16
significant bits above); the master hands the workbench one histogram per worker.
The summary has the same keys and methods as :func:`~codeflash_lab.bench.stats.
summarize_latencies`: percentiles by linear interpolation between order statistics and
the order-statistic intervals of p50 and p99, read from the buckets instead of a list.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import overload

from codeflash_lab.bench.stats import percentile, quantile_ci

__all__ = ["HistogramView", "merge_histograms", "summarize_histogram"]


def merge_histograms(parts: Iterable[Iterable[Sequence[int]]]) -> dict[int, int]:
    """Add up ``[(microseconds, count), ...]`` lists into one ``{microseconds: count}``.

    Raises:
        ValueError: a negative time or a count below 1.
    """
    out: dict[int, int] = {}
    for pairs in parts:
        for us, count in pairs:
            if us < 0 or count < 1:
                raise ValueError(f"parts: bad bucket ({us}, {count})")
            out[int(us)] = out.get(int(us), 0) + int(count)
    return out


class HistogramView(Sequence[int]):
    """The values of a histogram as a sorted sequence, without expanding it.

    ``view[i]`` is the ``i``-th smallest value (a bucket's value), so the order-statistic
    functions of :mod:`codeflash_lab.bench.stats` work on it unchanged.
    """

    def __init__(self, counts: Mapping[int, int]) -> None:
        self.values = sorted(counts)
        self.ends = list(itertools.accumulate(counts[v] for v in self.values))

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[int]: ...

    def __getitem__(self, i: int | slice) -> int | Sequence[int]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return self.values[bisect.bisect_right(self.ends, i)]


def summarize_histogram(counts: Mapping[int, int]) -> dict[str, float]:
    """Latency summary in milliseconds from ``{microseconds: count}``.

    Returns:
        The keys of ``summarize_latencies``: ``p50 p90 p99 p999 max min mean std`` and
        ``p50_lo p50_hi p99_lo p99_hi``.

    Raises:
        ValueError: an empty histogram.
    """
    view = HistogramView({k: v for k, v in counts.items() if v > 0})
    n = len(view)
    if n == 0:
        raise ValueError("counts: needs at least one request")
    scale = 1e-3
    p50_lo, p50_hi = quantile_ci(view, 0.5) if n > 1 else (view[0],) * 2
    p99_lo, p99_hi = quantile_ci(view, 0.99) if n > 1 else (view[0],) * 2
    total = sum(v * c for v, c in counts.items())
    mean = total / n
    var = sum(c * (v - mean) ** 2 for v, c in counts.items()) / n
    return {
        "p50_lo": p50_lo * scale,
        "p50_hi": p50_hi * scale,
        "p99_lo": p99_lo * scale,
        "p99_hi": p99_hi * scale,
        "p50": percentile(view, 50) * scale,
        "p90": percentile(view, 90) * scale,
        "p99": percentile(view, 99) * scale,
        "p999": percentile(view, 99.9) * scale,
        "max": view.values[-1] * scale,
        "min": view.values[0] * scale,
        "mean": mean * scale,
        "std": math.sqrt(var) * scale,
    }
