"""Text and HTML of a compare result: verdict line, each arm's numbers, intervals, warnings.

Each criterion is stated once, as B's gain with its interval: no line carries two
movements of one metric.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import TYPE_CHECKING

from codeflash_lab.bench.decision import CRITERIA, Criterion
from codeflash_lab.bench.engine_text import engine_note
from codeflash_lab.bench.model import Run, aggregate_latency
from codeflash_lab.bench.stats import median

if TYPE_CHECKING:
    from codeflash_lab.bench.compare_result import CompareResult

__all__ = ["format_compare_html", "format_compare_text", "warning_lines"]

_WHAT = {"p50": "p50 latency", "p99": "p99 latency", "throughput": "throughput"}


def _arm_line(name: str, spec: str, runs: tuple[Run, ...], width: int) -> str:
    lat = aggregate_latency(runs) if runs else {}
    ops = median([r.throughput_ops_s for r in runs]) if runs else 0.0
    errors = sum(r.errors for r in runs)
    who = name if spec in ("", name) else f"{name} = {spec}"
    tail = f"  {errors} failed ops" if errors else ""
    return (
        f"  {who:<{width}}  p50 {lat.get('p50', 0.0):.2f} ms  p99 {lat.get('p99', 0.0):.2f} ms"
        f"  {ops:.1f} ops/s{tail}"
    )


def _criterion_line(c: Criterion) -> str:
    what = _WHAT[c.name]
    if c.interval is not None:
        iv = c.interval
        size = (
            f"B's gain {iv.estimate:+.1%}, {iv.confidence:.1%} CI {iv.low:+.1%} to {iv.high:+.1%}"
        )
    else:
        size = f"B's gain {c.gain:+.1%} (no interval before the first look)"
    ratios = f"per-round B/A ratio min-max {c.min_ratio:.3f}-{c.max_ratio:.3f}"
    cv = f", run CV {c.cv:.1%}" if c.cv is not None else ""
    note = "  (too few ops per run: shown, not used)" if c.low_confidence else ""
    return f"  {what:<12} {size}; {ratios}{cv}{note}"


def warning_lines(result: CompareResult) -> list[str]:
    """One line per warning code found in the runs: how many runs, and the first message."""
    runs = (*result.a_runs, *result.b_runs)
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for r in runs:
        for w in r.warnings:
            counts[w.code] += 1
            first.setdefault(w.code, f"{r.arm or ''} run {r.index}: {w.message}")
    return [
        f"  warning [{code}] in {n} of {len(runs)} runs (first: {first[code]})"
        for code, n in counts.items()
    ]


def format_compare_text(result: CompareResult) -> str:
    """The whole compare in a few readable lines."""
    d = result.decision
    a, b = result.labels
    width = max(len(f"{a} = {result.specs[0]}"), len(f"{b} = {result.specs[1]}"))
    lines = [
        result.ruling.line(),
        _arm_line(a, result.specs[0], result.a_runs, width),
        _arm_line(b, result.specs[1], result.b_runs, width),
    ]
    lines += [_criterion_line(d.criteria[n]) for n in CRITERIA if n in d.criteria]
    spent = f"{result.elapsed_s:.0f} s" if result.elapsed_s is not None else "?"
    budget = f" of a {result.budget_s:.0f} s budget" if result.budget_s else ""
    cfg = result.config
    longer = ""
    if result.run_seconds and max(result.run_seconds) > min(result.run_seconds):
        unit = " ops" if cfg.ops else " s"
        longer = (
            f"; runs lengthened from {min(result.run_seconds):g}{unit} "
            f"to {max(result.run_seconds):g}{unit}"
        )
    looks = ",".join(str(n) for n in d.design.looks)
    lines.append(
        f"  {d.rounds} interleaved rounds ({len(result.a_runs)} + {len(result.b_runs)} runs) in "
        f"{spent}{budget}; looks after rounds {looks}; concurrency {cfg.concurrency}, "
        f"{cfg.mode} loop, loop {cfg.loop}{longer}"
    )
    engine = engine_note(result.environment)  # Locust: "engine: locust, N workers"
    if engine:
        lines.append(f"  {engine}")
    lines += warning_lines(result)
    if result.left_out:
        n = len(result.left_out)
        lines.append(
            f"  {n} finished run{' is' if n == 1 else 's are'} of an incomplete round: saved, "
            "not part of the verdict"
        )
    if result.failure:
        lines.append(f"  stopped: {result.failure}")
    return "\n".join(lines)


def format_compare_html(result: CompareResult) -> str:
    """A small HTML table for notebooks."""
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td>"
        f"<td>{'' if c.interval is None else f'{c.interval.estimate:+.1%}'}</td>"
        f"<td>{'' if c.interval is None else f'{c.interval.low:+.1%} to {c.interval.high:+.1%}'}"
        f"</td><td>{c.min_ratio:.3f}-{c.max_ratio:.3f}</td><td>{html.escape(c.zone)}</td></tr>"
        for name, c in result.decision.criteria.items()
    )
    notes = warning_lines(result)
    engine = engine_note(result.environment)
    notes += [engine] if engine else []
    notes += [f"stopped: {result.failure}"] if result.failure else []
    warnings = "".join(f"<li>{html.escape(w.strip())}</li>" for w in notes)
    return (
        f"<div>{result.ruling._repr_html_()}"
        "<table><tr><th>criterion</th><th>B's gain</th><th>CI of the gain</th>"
        f"<th>per-round B/A ratio min-max</th><th>zone</th></tr>{rows}</table>"
        f"{f'<ul>{warnings}</ul>' if warnings else ''}</div>"
    )
