"""When longer runs are worth their time in a compare (pure).

A run's p50 wobbles for two reasons: it is read from a finite number of ops (sampling), and
the machine does other things (everything else). Doubling a run halves the sampling part
at best and leaves the rest, yet it makes every later round longer and every later look
later. So runs are lengthened only when the op count per run is the limit, which takes two
things:

- **few ops**: the last round's runs hold fewer than :data:`MIN_OPS_PER_RUN` successful ops
  (a run with more pins its p50 well enough that a look at the planned rounds usually
  settles without longer runs: on a quiet machine an A against A is then called noise at
  the second look);
- **the spread is theirs**: the precision a round would gain is more than the time it
  would cost. The sampling part of one run is read from its own distribution-free interval
  of the p50 (``p50_lo``/``p50_hi``, 95 %, from order statistics): its half-width in log
  scale over 1.96 is the run's standard error, and the sampling variance of one paired
  log-ratio is the sum of the two arms' squared errors (the mean over the rounds taken).
  The spread actually seen is the variance of the paired log-ratios of the p50. Doubling
  keeps the part the sampling does not explain and halves the rest:
  ``gain = seen / (seen - sampling / 2)``, with the sampling share capped at all of it.
  Runs are doubled when ``gain`` exceeds how much longer a round would take. On a busy
  machine the other load explains most of the spread and runs keep their length.

Runs that carry no p50 interval (older JSON) are lengthened on the op count alone.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.stats import median

__all__ = [
    "MAX_LENGTHEN",
    "MIN_OPS_PER_RUN",
    "longer",
    "precision_gain",
    "round_cost_ratio",
    "run_length",
    "worth_lengthening",
]

#: Runs whose last round held at least this many successful ops keep their length.
MIN_OPS_PER_RUN = 300
#: Runs are lengthened at most to this multiple of the starting length.
MAX_LENGTHEN = 4
#: z of the 95 % interval the runs report for their p50.
_Z95 = 1.959964


def longer(config: BenchConfig, base: BenchConfig) -> BenchConfig | None:
    """Twice as long a run (``None`` at :data:`MAX_LENGTHEN` times ``base``)."""
    if config.ops and base.ops:
        return None if config.ops >= base.ops * MAX_LENGTHEN else config.replace(ops=config.ops * 2)
    if config.run_seconds >= base.run_seconds * MAX_LENGTHEN:
        return None
    return config.replace(duration_s=config.run_seconds * 2, min_run_s=config.run_seconds * 2)


def round_cost_ratio(new: BenchConfig, current: BenchConfig, round_s: float | None = None) -> float:
    """How much longer a round of ``new`` runs takes than one of ``current``.

    ``round_s``: the measured time of a round at ``current`` (process starts included), when
    known; it makes the ratio honest about the fixed cost of each run.
    """
    if new.ops and current.ops:
        return new.ops / current.ops
    extra = 2 * (new.run_seconds - current.run_seconds)
    if round_s is not None and round_s > 0:
        return (round_s + extra) / round_s
    now = current.warmup_s + current.run_seconds
    return (new.warmup_s + new.run_seconds) / now if now > 0 else 2.0


def run_length(config: BenchConfig) -> float:
    """Measured seconds (or ops) per run."""
    return float(config.ops) if config.ops else config.run_seconds


def _sampling_variance(run: Run) -> float | None:
    """Squared standard error of a run's log p50, from its own interval (``None``: none)."""
    lat = run.latency_ms
    lo, hi, mid = lat.get("p50_lo"), lat.get("p50_hi"), lat.get("p50")
    if lo is None or hi is None or not mid or lo <= 0 or hi < lo:
        return None
    return ((math.log(hi) - math.log(lo)) / (2 * _Z95)) ** 2


def precision_gain(a: Sequence[Run], b: Sequence[Run]) -> float | None:
    """How much smaller the variance of a paired log-ratio of the p50 would be with runs
    twice as long (``None``: too few rounds, or a run without a p50 interval)."""
    pairs = [(x, y) for x, y in zip(a, b, strict=False) if x.ok_ops and y.ok_ops]
    if len(pairs) < 2:
        return None
    errors = [(_sampling_variance(x), _sampling_variance(y)) for x, y in pairs]
    if any(ex is None or ey is None for ex, ey in errors):
        return None
    sampling = statistics.fmean(ex + ey for ex, ey in errors)  # type: ignore[operator]
    d = [math.log(y.latency_ms["p50"] / x.latency_ms["p50"]) for x, y in pairs]
    seen = statistics.variance(d)
    if seen <= 0:
        return 2.0 if sampling > 0 else 1.0
    share = min(sampling / seen, 1.0)
    return 1.0 / (1.0 - share / 2.0)


def worth_lengthening(a: Sequence[Run], b: Sequence[Run], cost_ratio: float) -> bool:
    """Whether runs twice as long are worth the ``cost_ratio`` they cost: the last round
    held few ops, and the precision they buy is more than that (see the module docstring)."""
    last = [r.ok_ops for r in (*a[-1:], *b[-1:])]
    if not last or median(last) >= MIN_OPS_PER_RUN:
        return False
    gain = precision_gain(a, b)
    return gain is None or gain > cost_ratio
