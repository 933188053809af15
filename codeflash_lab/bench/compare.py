"""A/B comparison: screen with one A,B round, confirm with interleaved rounds, verdict.

``compare(a, b)`` compares two targets; ``compare_revisions(target, base, head)``
measures one target at two git revisions, each in its own temporary worktree.
"""

from __future__ import annotations

import html
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.bench.decision import CRITERIA, Criterion, Decision, decide, screen
from codeflash_lab.bench.model import BenchConfig, Run, aggregate_latency
from codeflash_lab.bench.revisions import revision_worktrees
from codeflash_lab.bench.runner import Measurable
from codeflash_lab.bench.session import (
    check_lock,
    default_isolation,
    run_plan,
    save_result,
)
from codeflash_lab.bench.stats import median
from codeflash_lab.bench.system import capture_environment, git_state
from codeflash_lab.errors import MeasurementError, TargetError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CompareResult", "compare", "compare_revisions"]

TargetLike = str | Callable[..., Awaitable[Any]] | Measurable


def _arm(label: str, runs: tuple[Run, ...]) -> dict[str, Any]:
    return {
        "label": label,
        "latency_ms": aggregate_latency(runs),
        "throughput_ops_s": median([r.throughput_ops_s for r in runs]) if runs else 0.0,
        "errors": sum(r.errors for r in runs),
        "runs": [r.to_dict() for r in runs],
    }


@dataclass(frozen=True)
class CompareResult:
    """An A/B comparison and its verdict.

    Attributes:
        target: what was compared (``"A vs B"`` or the target measured at two revisions).
        labels: names of the arms.
        config: settings of every run.
        a_runs: A's runs, in order taken.
        b_runs: B's runs, in order taken.
        decision: verdict, reason and per-criterion evidence.
        order: arm of each run in the order taken (``A B B A A B ...``).
        screened_only: the screen round already decided (no confirmation rounds).
        interrupted: Ctrl-C cut the rounds short.
        environment: machine and software facts.
        git: ``{"sha", "dirty"}`` of the project (or ``{"base", "head"}`` SHAs).
        methodology_id: id of the settings.
        saved_to: the ``.codeflash/runs/`` file, when saved.
    """

    target: str
    labels: tuple[str, str]
    config: BenchConfig
    a_runs: tuple[Run, ...]
    b_runs: tuple[Run, ...]
    decision: Decision
    order: tuple[str, ...] = ()
    screened_only: bool = False
    interrupted: bool = False
    environment: dict[str, Any] = field(default_factory=dict)
    git: dict[str, Any] = field(default_factory=dict)
    methodology_id: str | None = None
    saved_to: str | None = None

    @property
    def verdict(self) -> str:
        """``KEEP``, ``DISCARD``, ``INCONCLUSIVE`` or ``TRADEOFF``."""
        return self.decision.verdict

    @property
    def reason(self) -> str:
        """Why, in words, with the per-criterion changes."""
        return self.decision.reason

    @property
    def confirmed(self) -> bool | None:
        """The answer to the ledger's "is this gain real?" question.

        ``True`` for a KEEP and for a consistent gain under the threshold
        (``small_change == "confirmed"``), ``False`` for any other DISCARD, ``None``
        when the comparison was INCONCLUSIVE or a TRADEOFF.
        """
        if self.verdict == "KEEP" or self.decision.small_change == "confirmed":
            return True
        return False if self.verdict == "DISCARD" else None

    @property
    def regression(self) -> bool:
        """Some criterion got worse by the threshold (``--fail-on regression``)."""
        return self.decision.regression

    @property
    def criteria(self) -> dict[str, Criterion]:
        """Per-criterion evidence (``p50``, ``p99``, ``throughput``)."""
        return self.decision.criteria

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``compare --format json``; saved as ``runs/`` kind ``compare``)."""
        crit = self.decision.criteria
        return {
            "target": self.target,
            "mode": self.config.mode,
            "concurrency": self.config.concurrency,
            "methodology_id": self.methodology_id,
            "verdict": self.verdict,
            "reason": self.reason,
            "regression": self.regression,
            "small_change": self.decision.small_change,
            "a": _arm(self.labels[0], self.a_runs),
            "b": _arm(self.labels[1], self.b_runs),
            "criteria": {k: c.to_dict() for k, c in crit.items()},
            "noise": {
                "cv_pct": {k: (c.cv * 100 if c.cv is not None else None) for k, c in crit.items()},
                "runs_per_arm": [len(self.a_runs), len(self.b_runs)],
            },
            "warnings": [
                {**w.to_dict(), "arm": r.arm}
                for r in (*self.a_runs, *self.b_runs)
                for w in r.warnings
            ],
            "order": list(self.order),
            "screened_only": self.screened_only,
            "interrupted": self.interrupted,
            "config": self.config.to_dict(),
            "environment": self.environment,
            "git": self.git,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: ratio, change, per-round range, MWU p and its minimum, CI."""
        import pandas as pd

        rows = []
        for name, c in self.decision.criteria.items():
            row = {"criterion": name, **c.to_dict()}
            row["ci"] = None if c.ci is None else f"{c.ci[0]:.3f}-{c.ci[1]:.3f}"
            rows.append(row)
        return pd.DataFrame(rows)

    def format_text(self) -> str:
        """The verdict line, then one line per criterion."""
        a, b = self.labels
        lines = [
            f"{self.verdict}: {self.reason}",
            f"  {a} vs {b}: {len(self.a_runs)} + {len(self.b_runs)} runs, "
            f"concurrency {self.config.concurrency}, {self.config.mode} loop, "
            f"loop {self.config.loop}",
        ]
        for name in CRITERIA:
            c = self.decision.criteria.get(name)
            if c is None:
                continue
            ci = f"  CI {c.ci[0]:.3f}-{c.ci[1]:.3f}" if c.ci else ""
            cv = f"  CV {c.cv:.1%}" if c.cv is not None else ""
            note = "  (low confidence)" if c.low_confidence else ""
            lines.append(
                f"  {name:<10} {c.change_pct:+6.1f}%  ratio {c.ratio:.3f} "
                f"[{c.min_ratio:.3f}-{c.max_ratio:.3f}]  MWU p {c.mwu_p:.3f} "
                f"(min {c.mwu_p_min:.3f}){ci}{cv}{note}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format_text()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{c.change_pct:+.1f}%</td>"
            f"<td>{c.min_ratio:.3f}-{c.max_ratio:.3f}</td><td>{c.mwu_p:.3f} "
            f"(min {c.mwu_p_min:.3f})</td><td>{'yes' if c.better else ''}</td></tr>"
            for name, c in self.decision.criteria.items()
        )
        return (
            f"<div><b>{html.escape(self.verdict)}</b>: {html.escape(self.reason)}"
            "<table><tr><th>criterion</th><th>change</th><th>per-round ratios</th>"
            f"<th>MWU p</th><th>better</th></tr>{rows}</table></div>"
        )


def _rounds(total_per_arm: int, start: int) -> list[tuple[str, str]]:
    """Confirmation round orders after the A,B screen: B A, A B, B A, ..."""
    return [("B", "A") if (start + i) % 2 == 0 else ("A", "B") for i in range(total_per_arm)]


def compare(
    a: TargetLike,
    b: TargetLike,
    *,
    config: BenchConfig | None = None,
    runs: int = 4,
    max_runs: int = 8,
    threshold: float = 0.10,
    labels: tuple[str, str] = ("A", "B"),
    isolation: str | None = None,
    project: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    allow_remote: bool = False,
    save: bool = True,
    progress: bool | None = None,
    target_name: str | None = None,
    git: dict[str, Any] | None = None,
) -> CompareResult:
    """Compare A and B: one A,B screen round, then interleaved rounds and a verdict.

    Args:
        a: baseline target (spec, async callable or :class:`Measurable`).
        b: candidate target.
        config: settings of every run (same loop, concurrency, client for both arms).
        runs: runs per arm after confirmation (4 by default; at least 2).
        max_runs: the most runs per arm when the noise gate asks for more.
        threshold: smallest gain that counts (0.10 = 10%).
        labels: names of the two arms.
        isolation: ``"process"`` (default for specs) or ``"loop"``.
        project: with a ``.codeflash/`` the lock is checked and the result saved.
        cwd: folder specs are resolved from.
        allow_remote: accept non-loopback URLs.
        save: save to ``.codeflash/runs/`` (kind ``compare``) when a workspace exists.
        progress: progress bar (``None``: when longer than a second).
        target_name: name stored as ``target`` (default ``"A vs B"`` from the specs).
        git: git facts to store (default: the project's SHA and dirty flag).

    Returns:
        The comparison; after Ctrl-C, what the finished rounds support.

    Raises:
        TargetError: a target cannot be resolved or reached.
        MeasurementError: not a single run of each arm finished.
    """
    if runs < 2:
        raise ValueError(f"runs: must be at least 2, got {runs}")
    if max_runs < runs:
        raise ValueError(f"max_runs: must be at least runs ({runs}), got {max_runs}")
    config = config or BenchConfig()
    where = cwd if cwd is not None else project
    arms = {
        "A": Measurable.of(a, cwd=where, allow_remote=allow_remote),
        "B": Measurable.of(b, cwd=where, allow_remote=allow_remote),
    }
    iso = default_isolation(list(arms.values()), isolation)
    name = target_name or f"{arms['A'].label} vs {arms['B'].label}"
    method_id = check_lock(project, arms["A"].label, config) if arms["A"].spec else None
    taken: list[Run] = []
    desc = f"compare {labels[0]}/{labels[1]}"

    def take(order: list[str]) -> bool:
        plan = [(arm, arms[arm]) for arm in order]
        got, stopped = run_plan(plan, config, isolation=iso, desc=desc, progress=progress)
        offset = len(taken)
        taken.extend(r.with_changes(index=offset + i) for i, r in enumerate(got))
        return stopped

    def split() -> tuple[tuple[Run, ...], tuple[Run, ...]]:
        return (
            tuple(r for r in taken if r.arm == "A"),
            tuple(r for r in taken if r.arm == "B"),
        )

    interrupted = False
    screened_only = False
    decision: Decision | None = None
    try:
        interrupted = take(["A", "B"])
        a_runs, b_runs = split()
        if not interrupted and a_runs and b_runs:
            decision = screen(a_runs, b_runs, threshold=threshold)
            screened_only = decision is not None
        if decision is None and not interrupted:
            order = [arm for pair in _rounds(runs - 1, 0) for arm in pair]
            interrupted = take(order)
            a_runs, b_runs = split()
            decision = decide(a_runs, b_runs, threshold=threshold, max_runs=max_runs)
            while decision.needs_runs and not interrupted and len(a_runs) < decision.needs_runs:
                extra = decision.needs_runs - len(a_runs)
                order = [arm for pair in _rounds(extra, len(a_runs) + 1) for arm in pair]
                interrupted = take(order)
                a_runs, b_runs = split()
                decision = decide(a_runs, b_runs, threshold=threshold, max_runs=len(a_runs))
    except KeyboardInterrupt:
        interrupted = True
    a_runs, b_runs = split()
    if not a_runs or not b_runs:
        if interrupted:
            raise KeyboardInterrupt
        raise MeasurementError(f"{name}: no complete A,B round")
    if interrupted or decision is None:
        decision = decide(a_runs, b_runs, threshold=threshold, max_runs=len(a_runs))
    if interrupted:
        decision = replace(decision, reason=decision.reason + " — interrupted, partial rounds")
    result = CompareResult(
        target=name,
        labels=labels,
        config=config,
        a_runs=a_runs,
        b_runs=b_runs,
        decision=decision,
        order=tuple(r.arm or "" for r in taken),
        screened_only=screened_only,
        interrupted=interrupted,
        environment={**capture_environment(loop=config.loop), "isolation": iso},
        git=git if git is not None else git_state(Path(where) if where else Path.cwd()),
        methodology_id=method_id,
    )
    if save:
        saved = save_result(project, "compare", result.to_dict())
        if saved is not None:
            result = replace(result, saved_to=saved)
    return result


def compare_revisions(
    target: str,
    *,
    base: str,
    head: str,
    repo: str | os.PathLike[str] | None = None,
    project: str | os.PathLike[str] | None = None,
    **options: Any,
) -> CompareResult:
    """Compare one callable target at two git revisions (A = ``base``, B = ``head``).

    Each revision is checked out with ``git worktree add --detach`` in a temporary
    folder and measured in fresh processes started there; the worktrees are removed
    afterwards, and nothing in the user's working tree is touched (uncommitted changes
    are not part of either arm).

    Args:
        target: ``module:function`` or ``file.py:function``, resolved inside each checkout.
        base: the baseline revision.
        head: the candidate revision.
        repo: a folder in the repository (default: ``project`` or the current folder);
            the same sub-folder of each checkout is the working folder of the runs.
        project: where the workspace lives (lock check, saving).
        **options: passed to :func:`compare` (``config``, ``runs``, ``threshold`` ...).

    Raises:
        TargetError: a URL target (a server cannot be checked out), or the target cannot
            be resolved in a checkout.
        GitError: a revision does not exist.
    """
    if "://" in target:
        raise TargetError(
            f"target {target!r}: --base/--head needs a callable target; for a server, start "
            "each revision yourself and compare the two URLs"
        )
    folder = Path(repo if repo is not None else (project if project is not None else Path.cwd()))
    with revision_worktrees(folder, (base, head)) as (base_dir, head_dir):
        shas = {
            "base": git_state(base_dir).get("sha"),
            "head": git_state(head_dir).get("sha"),
            "base_rev": base,
            "head_rev": head,
        }
        checkouts = os.path.commonpath([base_dir, head_dir])
        return compare(
            Measurable(spec=target, cwd=str(base_dir), label=target, confine=checkouts),
            Measurable(spec=target, cwd=str(head_dir), label=target, confine=checkouts),
            labels=(base, head),
            isolation="process",
            project=project if project is not None else folder,
            target_name=target,
            git=shas,
            **options,
        )
