"""A/B comparison: interleaved rounds until the gain's interval reaches a zone or the budget
is spent (see :mod:`codeflash_lab.bench.sequential` for the method).

``compare(a, b)`` compares two targets; ``compare_revisions(target, base, head)``
measures one target at two git revisions, each in its own temporary worktree.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from codeflash_lab.bench.compare_result import CompareResult
from codeflash_lab.bench.locust_engine import engine_environment, engine_scope
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.presets import Preset, get_preset
from codeflash_lab.bench.revisions import revision_worktrees
from codeflash_lab.bench.rounds import RoundFailed, run_rounds
from codeflash_lab.bench.runner import Measurable
from codeflash_lab.bench.sequential import Design
from codeflash_lab.bench.session import (
    RunFailed,
    _want_progress,
    check_lock,
    default_isolation,
    run_plan,
    run_saver,
    save_result,
)
from codeflash_lab.bench.system import capture_environment, git_state
from codeflash_lab.errors import MeasurementError, TargetError

__all__ = ["CompareResult", "compare", "compare_revisions"]

TargetLike = str | Callable[..., Awaitable[Any]] | Measurable

#: Seconds a fresh process or loop adds to a run before its first round time is known.
_START_COST_S = {"process": 0.6, "loop": 0.1}


@contextmanager
def _round_bar(rounds: int, name: str, progress: bool | None, budget: float) -> Iterator[Any]:
    if not _want_progress(progress, budget):
        yield None
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=rounds, desc=f"compare {name}", unit="round", leave=False)
    try:
        yield bar
    finally:
        bar.close()


def _counting(take: Callable[..., Any], bar: Any) -> Callable[..., Any]:
    def counted(order: Sequence[str], cfg: BenchConfig) -> Any:
        out = take(order, cfg)
        if bar is not None:
            bar.update(1)
        return out

    return counted


def _round_failed(exc: Exception, order: Sequence[str], round_no: int, before: int) -> RoundFailed:
    """The failure of a run after ``before`` runs of the compare had finished."""
    kept = exc.runs if isinstance(exc, RunFailed) else []
    cause = exc.__cause__ if isinstance(exc, RunFailed) and exc.__cause__ else exc
    n = before
    return RoundFailed(
        f"run {n + 1} of the compare ({order[len(kept)]}, round {round_no}) failed: {cause}; "
        f"the {n} finished {'run is' if n == 1 else 'runs are'} kept",
        runs=kept,
    )


def compare(
    a: TargetLike,
    b: TargetLike,
    *,
    config: BenchConfig | None = None,
    preset: str | Preset | None = None,
    budget_s: float | None = None,
    design: Design | None = None,
    threshold: float | None = None,
    lengthen: bool = True,
    labels: tuple[str, str] = ("A", "B"),
    isolation: str | None = None,
    project: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    allow_remote: bool = False,
    save: bool = True,
    progress: bool | None = None,
    target_name: str | None = None,
    git: dict[str, Any] | None = None,
    runs: int | None = None,
    max_runs: int | None = None,
) -> CompareResult:
    """Compare A and B in interleaved rounds until a verdict or the budget is spent.

    After each round that is a look of the design, the gain's interval of every criterion
    is checked against the zones (:mod:`codeflash_lab.bench.decision`); while none is
    reached another round is taken, as long as the rounds up to the next look fit in what
    is left of the budget. Runs are lengthened (both arms, at a round boundary, up to 4x)
    when their op count limits them. The methodology lock is checked with the starting
    (shortest) run length; the budget is not part of it.

    Args:
        a: baseline target (spec, async callable or :class:`Measurable`).
        b: candidate target.
        config: settings of every run (same loop, concurrency, client for both arms).
        preset: ``"full"`` (default: 60 s budget) or ``"quick"`` (30 s), or a
            :class:`~codeflash_lab.bench.presets.Preset`.
        budget_s: hard cap in seconds on the whole compare (default: the preset's).
        design: look schedule and error rate (default: the preset's).
        threshold: smallest gain that is a KEEP without more (default 0.10).
        lengthen: allow longer runs when the op count per run is the limit.
        labels: names of the two arms.
        isolation: ``"process"`` (default for specs) or ``"loop"``.
        project: with a ``.codeflash/`` the lock is checked and the result saved.
        cwd: folder specs are resolved from.
        allow_remote: accept non-loopback URLs.
        save: save to ``.codeflash/runs/`` (kind ``compare``) when a workspace exists.
        progress: progress bar (``None``: when longer than a second).
        target_name: name stored as ``target`` (default ``"A vs B"`` from the specs).
        git: git facts to store (default: the project's SHA and dirty flag).
        runs: accepted from older callers and checked (at least 2); the design decides how
            many rounds are taken, never fewer than its first look.
        max_runs: accepted from older callers and ignored: the budget caps the rounds.

    Each finished run is saved as it ends (``runs/`` kind ``run``, when saving), so a
    later run that fails never throws the finished ones away.

    Returns:
        The comparison; after Ctrl-C, what the finished looks support; after a later run
        failed, what the finished rounds support, with ``failure`` saying why it stopped.

    Raises:
        ValueError: a non-positive budget or threshold.
        TargetError: a target cannot be resolved or reached (the first run).
        RunFailed: a later run failed before one round of A and B was complete (the
            finished runs and their saved files are on it).
        MeasurementError: not a single run of each arm finished.
    """
    chosen = get_preset(preset)
    design = design or chosen.design
    if threshold is not None:
        if not design.floor < threshold:
            raise ValueError(f"threshold: must be above the {design.floor:.0%} floor")
        design = replace(design, threshold=threshold)
    if runs is not None and runs < 2:
        raise ValueError(f"runs: must be at least 2, got {runs}")
    budget = chosen.budget_s if budget_s is None else float(budget_s)
    if budget <= 0:
        raise ValueError(f"budget_s: must be positive, got {budget_s}")
    config = config or BenchConfig()
    where = cwd if cwd is not None else project
    arms = {
        "A": Measurable.of(a, cwd=where, allow_remote=allow_remote),
        "B": Measurable.of(b, cwd=where, allow_remote=allow_remote),
    }
    iso = default_isolation(list(arms.values()), isolation)
    name = target_name or f"{arms['A'].label} vs {arms['B'].label}"
    method_id = check_lock(project, arms["A"].label, config) if arms["A"].spec else None
    done = {"rounds": 0, "runs": 0}
    deadline = time.monotonic() + budget
    saver = run_saver(project, name, config, methodology_id=method_id) if save else None

    def finished(run: Run, cfg: BenchConfig) -> None:
        if saver is not None:  # saved as it ends, indexed in the order of the whole compare
            saver(run.with_changes(index=done["runs"]), config=cfg)
        done["runs"] += 1

    def take_round(order: Sequence[str], cfg: BenchConfig) -> tuple[list[Run], bool]:
        # The budget caps the round in flight too: no run may outlive it.
        left = max(deadline - time.monotonic(), 0.1)
        capped = cfg.replace(run_timeout_s=min(cfg.run_timeout_s or left, left))
        done["rounds"] += 1
        plan = [(arm, arms[arm]) for arm in order]
        try:
            return run_plan(
                plan, capped, isolation=iso, desc=f"compare round {done['rounds']}",
                progress=False, on_run=lambda run: finished(run, cfg),
            )  # fmt: skip
        except (TargetError, MeasurementError) as exc:
            if isinstance(exc, MeasurementError) and time.monotonic() >= deadline - 0.5:
                return [], False  # cut by the budget: the round does not count
            if not done["runs"]:
                raise  # the first run of the compare: its own error
            raise _round_failed(exc, order, done["rounds"], done["runs"]) from exc

    with (
        engine_scope(config, progress=progress),  # --engine locust: one master for A and B
        _round_bar(design.max_rounds, name, progress, budget) as bar,
    ):
        engine = engine_environment(config)
        deadline = time.monotonic() + budget  # the engine's start-up is not part of the budget
        taken = run_rounds(
            _counting(take_round, bar),
            config=config,
            design=design,
            budget_s=budget,
            lengthen=lengthen,
            start_cost_s=_START_COST_S.get(iso, 0.5),
        )
    a_runs, b_runs = taken.a_runs, taken.b_runs
    if taken.decision is None or not a_runs:
        if taken.failure is not None:
            raise RunFailed(
                f"{name}: {taken.failure}; no round of A and B was complete, so there is no "
                "verdict",
                runs=taken.runs,
                index=len(taken.runs),
                saved=saver.paths if saver is not None else (),
            )
        if taken.interrupted:
            raise KeyboardInterrupt
        if not taken.runs:
            raise MeasurementError(
                f"{name}: a {budget:g} s budget cannot hold the {design.min_rounds} rounds the "
                "method needs before its first look; raise --budget (budget_s)"
            )
        raise MeasurementError(f"{name}: no complete A,B round")
    decision = taken.decision
    interrupted = taken.interrupted
    paired = {r.index for r in (*a_runs, *b_runs)}
    result = CompareResult(
        target=name,
        labels=labels,
        config=config,
        a_runs=a_runs,
        b_runs=b_runs,
        decision=decision,
        order=tuple(r.arm or "" for r in taken.runs),
        interrupted=interrupted,
        environment={
            **capture_environment(loop=config.loop, target=list(arms.values()), isolation=iso),
            "isolation": iso,
            **engine,
        },
        git=git if git is not None else git_state(Path(where) if where else Path.cwd()),
        methodology_id=method_id,
        specs=(arms["A"].label, arms["B"].label),
        budget_s=budget,
        elapsed_s=taken.elapsed_s,
        run_seconds=taken.lengths,
        preset=chosen.name,
        failure=taken.failure,
        left_out=tuple(r for r in taken.runs if r.index not in paired),
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
