"""Match results.tsv KEEP rows against the measurements saved in ``.codeflash/runs/``.

Pure logic over plain dicts: a claimed number matches a measured one when it
equals it to the precision the claim was written with (``310`` matches 310.4,
``12.35`` matches 12.3461), so hand-rounded rows still match their runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from codeflash_lab.workspace.results import Experiment, read_results

__all__ = ["Evidence", "keep_rows", "match_keep", "same_within_rounding"]


def same_within_rounding(claimed: float, measured: float) -> bool:
    """True when ``measured`` rounds to ``claimed`` at the claim's number of decimals."""
    if math.isnan(claimed) or math.isnan(measured):
        return False
    exponent = Decimal(repr(float(claimed))).normalize().as_tuple().exponent
    decimals = max(0, -int(exponent)) if isinstance(exponent, int) else 0
    tolerance = 0.5 * 10.0**-decimals
    return abs(claimed - measured) <= tolerance * (1 + 1e-9) + 1e-12


def keep_rows(results_tsv: str | Path) -> list[tuple[int, Experiment]]:
    """KEEP rows of results.tsv with their 1-based line numbers in the file."""
    path = Path(results_tsv)
    log = read_results(path, strict=False)
    if not log.rows:
        return []
    lines = path.read_text(encoding="utf-8").split("\n")
    numbers = [i for i, text in enumerate(lines[1:], start=2) if text.strip()]
    return [(numbers[i], row) for i, row in enumerate(log.rows) if row.is_keep]


@dataclass(frozen=True)
class Evidence:
    """How one KEEP row relates to the saved runs.

    Attributes:
        run: the matching saved run (for a bench pair: the optimized one), or ``None``.
        baseline_run: for a bench pair, the baseline run; for a compare, the same as ``run``.
        kind: ``"compare"``, ``"bench"`` or ``""`` when nothing matched.
        problems: why the claim is not backed (empty when it is).
        notes: lesser remarks (a verdict other than KEEP, a target named differently).
    """

    run: dict[str, Any] | None
    baseline_run: dict[str, Any] | None
    kind: str
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when a saved measurement backs the row."""
        return self.run is not None and not self.problems


def _p50(side: Any) -> float | None:
    try:
        return float(side["latency_ms"]["p50"])
    except (KeyError, TypeError, ValueError):
        return None


def _tp(side: Any) -> float | None:
    try:
        return float(side["throughput_ops_s"])
    except (KeyError, TypeError, ValueError):
        return None


def _diff(label: str, claimed: float | None, measured: float | None) -> str | None:
    if claimed is None:
        return None
    if measured is None:
        return f"{label}: claimed {claimed:g}, the run has no value"
    if same_within_rounding(claimed, measured):
        return None
    return f"{label}: claimed {claimed:g}, measured {measured:.6g}"


def _concurrency(row: Experiment, run: dict[str, Any]) -> str | None:
    used = run.get("concurrency")
    if row.concurrency is None or used is None or int(row.concurrency) == int(used):
        return None
    return f"concurrency: claimed {row.concurrency:g}, run used {used}"


def _compare_mismatches(row: Experiment, run: dict[str, Any]) -> list[str]:
    a, b = run.get("a") or {}, run.get("b") or {}
    checks = [
        _diff("baseline p50 ms", row.baseline_latency_ms, _p50(a)),
        _diff("optimized p50 ms", row.optimized_latency_ms, _p50(b)),
        _diff("baseline throughput", row.baseline_throughput, _tp(a)),
        _diff("optimized throughput", row.optimized_throughput, _tp(b)),
    ]
    checks.append(_concurrency(row, run))
    return [c for c in checks if c]


def _bench_mismatches(row: Experiment, run: dict[str, Any], side: str) -> list[str]:
    lat = row.baseline_latency_ms if side == "baseline" else row.optimized_latency_ms
    tp = row.baseline_throughput if side == "baseline" else row.optimized_throughput
    checks = [_diff(f"{side} p50 ms", lat, _p50(run)), _diff(f"{side} throughput", tp, _tp(run))]
    checks.append(_concurrency(row, run))
    return [c for c in checks if c]


def _method_problems(
    runs: list[dict[str, Any]], locked_id: str | None, locked_target: str | None = None
) -> list[str]:
    ids = {str(r.get("methodology_id") or "") for r in runs}
    if locked_target is not None and not any(
        str(r.get("target", "")) == locked_target for r in runs
    ):
        locked_id = None  # another target is its own series; the lock is per target
    out = []
    if len(ids) > 1:
        out.append(
            "the baseline and optimized runs used different methodologies " + str(sorted(ids))
        )
    if locked_id and any(i and i != locked_id for i in ids):
        out.append(f"measured with methodology {sorted(ids)}, the locked one is {locked_id}")
    if "" in ids:
        out.append("the run records no methodology id")
    return out


def match_keep(
    row: Experiment,
    runs: list[dict[str, Any]],
    *,
    locked_id: str | None = None,
    locked_target: str | None = None,
) -> Evidence:
    """Find the saved measurement behind a KEEP row.

    A ``compare`` run matches when its A/B p50 (and throughput, concurrency)
    equal the row's numbers within rounding; otherwise two ``bench`` runs with
    the same methodology may back the baseline and optimized numbers. The
    matched run(s) must carry the locked methodology id when one is locked.

    Args:
        row: the KEEP row.
        runs: saved runs (``load_runs`` output), any kinds.
        locked_id: id of the locked methodology, if any.
        locked_target: the target that methodology was locked for; runs of other
            targets are not held to its id (``None``: every run is).

    Returns:
        The evidence, with problems in words when nothing backs the row.
    """
    compares = [r for r in runs if r.get("kind") == "compare"]
    benches = [r for r in runs if r.get("kind") == "bench"]
    same_target = [r for r in compares if str(r.get("target", "")) == row.target_test]
    pool = same_target or compares
    scored = sorted(
        ((len(_compare_mismatches(row, r)), -i, r) for i, r in enumerate(pool)),
        key=lambda t: (t[0], t[1]),
    )
    if scored and scored[0][0] == 0:
        run = scored[0][2]
        notes = []
        if not same_target:
            notes.append(f"the matching run names target {run.get('target')!r}")
        verdict = str(run.get("verdict", ""))
        if verdict and verdict.upper() != "KEEP":
            notes.append(f"the saved compare's verdict was {verdict}, not KEEP")
        return Evidence(
            run,
            run,
            "compare",
            tuple(_method_problems([run], locked_id, locked_target)),
            tuple(notes),
        )
    bench_pool = [r for r in benches if str(r.get("target", "")) == row.target_test] or benches
    base = [r for r in bench_pool if not _bench_mismatches(row, r, "baseline")]
    opt = [r for r in bench_pool if not _bench_mismatches(row, r, "optimized")]
    for o in reversed(opt):
        for b in reversed(base):
            if b is not o and b.get("methodology_id") == o.get("methodology_id"):
                return Evidence(
                    o, b, "bench", tuple(_method_problems([b, o], locked_id, locked_target))
                )
    pairs = [(b, o) for o in opt for b in base if b is not o]
    if pairs:
        b, o = pairs[-1]
        return Evidence(o, b, "bench", tuple(_method_problems([b, o], locked_id, locked_target)))
    if scored:
        best = scored[0][2]
        return Evidence(
            None,
            None,
            "",
            (
                f"no saved compare matches; the closest ({Path(str(best.get('_path', ''))).name}) "
                "differs: " + "; ".join(_compare_mismatches(row, best)),
            ),
        )
    if base or opt:
        side = "optimized" if base else "baseline"
        return Evidence(None, None, "", (f"no saved bench run matches the {side} numbers",))
    return Evidence(
        None,
        None,
        "",
        (f"no saved compare or bench run in .codeflash/runs/ for target {row.target_test!r}",),
    )
