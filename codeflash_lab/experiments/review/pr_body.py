"""PR body text: the measured numbers first, then what changed and why, then the checklist."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codeflash_lab.categories import SLUGS, category
from codeflash_lab.experiments.review.evidence import match_keep
from codeflash_lab.experiments.review.model import CHECKLIST, PERSON_QUESTIONS, ChecklistItem
from codeflash_lab.experiments.review.prs import PrGroup
from codeflash_lab.workspace.results import Experiment

__all__ = ["KeepNumbers", "keep_numbers", "render_body"]


@dataclass(frozen=True, slots=True)
class KeepNumbers:
    """Before/after figures of one KEEP, from its saved run when one matches.

    Attributes:
        label: short name of the change.
        p50: (before, after) p50 latency in ms.
        p99: (before, after) p99 latency in ms, when measured.
        throughput: (before, after) ops/s, when measured.
        concurrency: operations in flight.
        runs: (runs before, runs after), when known.
        verdict: the compare's verdict and its statistics in words.
        source: where the numbers come from (a run file name, or results.tsv).
    """

    label: str
    p50: tuple[float | None, float | None]
    p99: tuple[float | None, float | None]
    throughput: tuple[float | None, float | None]
    concurrency: int | None
    runs: tuple[int | None, int | None]
    verdict: str
    source: str


def _get(d: Any, *keys: str) -> float | None:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    try:
        return None if d is None else float(d)
    except (TypeError, ValueError):
        return None


def _count(runs: Any) -> int | None:
    if isinstance(runs, list):
        return len(runs)
    if isinstance(runs, int | float):
        return int(runs)
    return None


def _verdict_text(run: dict[str, Any]) -> str:
    parts = [str(run.get("verdict", "?"))]
    crit = run.get("criteria") or {}
    for name in ("p50", "p99", "throughput"):
        c = crit.get(name) if isinstance(crit, dict) else None
        if not isinstance(c, dict):
            continue
        bits = []
        if c.get("ratio") is not None:
            bits.append(f"ratio {float(c['ratio']):.3f}")
        ci = c.get("ci")
        if isinstance(ci, list | tuple) and len(ci) == 2:
            bits.append(f"95% CI [{float(ci[0]):.3f}, {float(ci[1]):.3f}]")
        elif c.get("min_ratio") is not None and c.get("max_ratio") is not None:
            lo, hi = float(c["min_ratio"]), float(c["max_ratio"])
            bits.append(f"per-round range [{lo:.3f}, {hi:.3f}]")
        if c.get("mwu_p") is not None:
            bits.append(f"Mann-Whitney p={float(c['mwu_p']):.3g}")
        if bits:
            parts.append(f"{name}: " + ", ".join(bits))
    noise = (run.get("noise") or {}).get("cv_pct") if isinstance(run.get("noise"), dict) else None
    if isinstance(noise, dict):
        cvs = [f"{k} {float(v):.1f}%" for k, v in noise.items() if isinstance(v, int | float)]
        if cvs:
            parts.append("run-to-run CV " + ", ".join(cvs))
    elif isinstance(noise, int | float):
        parts.append(f"run-to-run CV {float(noise):.1f}%")
    return "; ".join(parts)


def keep_numbers(
    row: Experiment,
    runs: list[dict[str, Any]],
    *,
    locked_id: str | None = None,
    locked_target: str | None = None,
) -> KeepNumbers:
    """The figures for one KEEP row: from its matching saved run, else from results.tsv.

    Args:
        row: the KEEP row.
        runs: saved runs (``load_runs`` output).
        locked_id: id of the locked methodology, if any.
        locked_target: the target it was locked for.
    """
    ev = match_keep(row, runs, locked_id=locked_id, locked_target=locked_target)
    label = row.description or row.target_test
    conc = None if row.concurrency is None else int(row.concurrency)
    if ev.run is not None and ev.kind == "compare":
        r = ev.run
        a, b = r.get("a") or {}, r.get("b") or {}
        return KeepNumbers(
            label,
            (_get(a, "latency_ms", "p50"), _get(b, "latency_ms", "p50")),
            (_get(a, "latency_ms", "p99"), _get(b, "latency_ms", "p99")),
            (_get(a, "throughput_ops_s"), _get(b, "throughput_ops_s")),
            int(r["concurrency"]) if r.get("concurrency") is not None else conc,
            (_count(a.get("runs")), _count(b.get("runs"))),
            _verdict_text(r),
            str(r.get("id") or r.get("_path", "")),
        )
    if ev.run is not None and ev.baseline_run is not None:
        a, b = ev.baseline_run, ev.run
        return KeepNumbers(
            label,
            (_get(a, "latency_ms", "p50"), _get(b, "latency_ms", "p50")),
            (_get(a, "latency_ms", "p99"), _get(b, "latency_ms", "p99")),
            (_get(a, "throughput_ops_s"), _get(b, "throughput_ops_s")),
            conc,
            (_count(a.get("runs")), _count(b.get("runs"))),
            "two bench runs (no A/B verdict statistics saved)",
            f"{a.get('id', '?')} / {b.get('id', '?')}",
        )
    return KeepNumbers(
        label,
        (row.baseline_latency_ms, row.optimized_latency_ms),
        (None, None),
        (row.baseline_throughput, row.optimized_throughput),
        conc,
        (None, None),
        "no saved run matches this row: " + "; ".join(ev.problems),
        "results.tsv",
    )


def _fmt(v: float | None) -> str:
    if v is None:
        return "n/a"
    if abs(v) >= 10_000:
        return f"{v:,.0f}"
    digits = 3 if abs(v) < 100 else 1
    return f"{v:,.{digits}f}".rstrip("0").rstrip(".")


def _change(pair: tuple[float | None, float | None]) -> str:
    a, b = pair
    if a is None or b is None or a == 0:
        return ""
    return f"{(b - a) / a * 100:+.0f}%"


def _numbers_md(n: KeepNumbers, prefix: str) -> list[str]:
    lines = [
        f"**{prefix}{n.label}**",
        "",
        "| | before | after | change |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, pair in (
        ("p50 latency (ms)", n.p50),
        ("p99 latency (ms)", n.p99),
        ("throughput (ops/s)", n.throughput),
    ):
        if pair == (None, None):
            continue
        lines.append(f"| {label} | {_fmt(pair[0])} | {_fmt(pair[1])} | {_change(pair)} |")
    runs = "/".join("?" if r is None else str(r) for r in n.runs)
    lines += [
        "",
        f"Concurrency {n.concurrency if n.concurrency is not None else '?'}; runs "
        f"(before/after) {runs}; verdict: {n.verdict}. Source: `{n.source}`.",
        "",
    ]
    return lines


def render_body(
    group: PrGroup,
    numbers: list[KeepNumbers],
    checklist: Sequence[ChecklistItem] | Mapping[str, str],
    *,
    chart_name: str,
    bench_name: str,
    base_sha: str,
    review_note: str,
    bench_folder: str = "benchmarks",
) -> str:
    """The PR description in Markdown.

    Args:
        group: the PR.
        numbers: one entry per KEEP row in the PR.
        checklist: the review's checklist items
            (:meth:`~codeflash_lab.experiments.review.model.ReviewResult.checklist_items`),
            or a bare state per item name; only a ``pass`` is ticked, and an item
            missing from it is "not run".
        chart_name: file name of the chart image beside the body.
        bench_name: file name of the benchmark file beside the body.
        bench_folder: the project's benchmark folder, relative to the repository root.
        base_sha: the commit the branch starts from.
        review_note: where the checklist state comes from.
    """
    lines = [f"# {group.title}", "", "## Measured", ""]
    for i, n in enumerate(numbers, start=1):
        lines += _numbers_md(n, f"#{i} " if len(numbers) > 1 else "")
    lines += [f"![p50/p99 latency and throughput, before and after]({chart_name})", ""]
    lines += ["## What changed and why", ""]
    for c in group.commits:
        for _line, row in c.rows:
            why = ""
            if row.pattern in SLUGS:
                cat = category(row.pattern)
                why = f" Pattern `{row.pattern}` ({cat.title}): {cat.typical_gain}."
            lines.append(f"- `{c.sha[:10]}` {c.subject}.{why}")
    if group.functions:
        lines.append("- Functions changed: " + ", ".join(f"`{f}`" for f in group.functions))
    lines += ["", "## Review checklist", "", review_note, ""]
    lines += [item.markdown() for item in _items(checklist)]
    lines += [
        "",
        "## Benchmark",
        "",
        f"Add `{bench_name}` (beside this file) as `{bench_folder}/{bench_name}`: it runs the "
        "measured target at the recorded concurrency, as a script printing p50/p99 and "
        "throughput, or with pytest-benchmark.",
        "",
        f"Branch `{group.branch}`: {len(group.commits)} commit(s) cherry-picked onto "
        f"`{base_sha[:10]}`. Not pushed.",
        "",
    ]
    return "\n".join(lines)


def _items(checklist: Sequence[ChecklistItem] | Mapping[str, str]) -> list[ChecklistItem]:
    """Checklist items in checklist order; nothing a review did not report is ticked."""
    if isinstance(checklist, Mapping):
        given = {
            name: ChecklistItem(name, CHECKLIST.get(name, name), str(state))
            for name, state in checklist.items()
        }
    else:
        given = {item.name: item for item in checklist}
    out = []
    for name, question in CHECKLIST.items():
        item = given.get(name) or ChecklistItem(name, question, "not run", "no review reported it")
        if name in PERSON_QUESTIONS and item.state == "pass":
            item = ChecklistItem(name, question, "confirm", PERSON_QUESTIONS[name])
        out.append(item)
    return out
