"""PR preparation end to end: plan, branches, and per PR a body, a chart and a benchmark file."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab._git import run_git
from codeflash_lab.errors import WorkspaceError
from codeflash_lab.experiments.review.evidence import match_keep
from codeflash_lab.experiments.review.model import ReviewResult
from codeflash_lab.experiments.review.pr_assets import benchmark_source, save_chart
from codeflash_lab.experiments.review.pr_body import keep_numbers, render_body
from codeflash_lab.experiments.review.prs import PrGroup, PrPlan, create_branches, plan_prs
from codeflash_lab.experiments.review.runner import last_review
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.methodology import load_methodology
from codeflash_lab.workspace.runs import load_runs

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BENCH_FOLDERS", "PrPreparation", "PreparedPr", "benchmark_folder", "prepare_prs"]


@dataclass(frozen=True, slots=True)
class PreparedPr:
    """One prepared PR: its branch and the files written for it.

    Attributes:
        group: the PR's commits.
        branch: the local branch name.
        head_sha: the branch tip.
        body: the Markdown body (``PR.md``).
        chart: the PNG chart beside it.
        benchmark: the benchmark file to add to the project's benchmark folder.
    """

    group: PrGroup
    branch: str
    head_sha: str
    body: Path
    chart: Path
    benchmark: Path

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "branch": self.branch,
            "title": self.group.title,
            "head": self.head_sha,
            "commits": [c.sha for c in self.group.commits],
            "files": list(self.group.files),
            "body": str(self.body),
            "chart": str(self.chart),
            "benchmark": str(self.benchmark),
        }


@dataclass(frozen=True)
class PrPreparation:
    """Every PR prepared from the keeps, and the plan they came from."""

    plan: PrPlan
    prs: tuple[PreparedPr, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: base, branch tip, PRs, skipped rows."""
        return {
            "base_sha": self.plan.base_sha,
            "branch_sha": self.plan.branch_sha,
            "prs": [p.to_dict() for p in self.prs],
            "skipped": list(self.plan.skipped),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per PR."""
        import pandas as pd

        cols = ["branch", "title", "head", "body", "benchmark"]
        return pd.DataFrame([{k: p.to_dict()[k] for k in cols} for p in self.prs], columns=cols)

    def to_text(self) -> str:
        """One block per PR: branch, title, commits and files written."""
        lines = [
            f"{len(self.prs)} PR branch(es) prepared from {self.plan.base_sha[:10]} (not pushed)"
        ]
        for p in self.prs:
            lines.append(f"{p.branch} -> {p.head_sha[:10]}: {p.group.title}")
            for c in p.group.commits:
                lines.append(f"    {c.sha[:10]} {c.subject}")
            lines.append(f"    body {p.body}")
            lines.append(f"    chart {p.chart}")
            lines.append(f"    benchmark {p.benchmark}")
        lines += [f"skipped: {s}" for s in self.plan.skipped]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{html.escape(p.branch)}</code></td><td>{html.escape(p.group.title)}"
            f"</td><td>{len(p.group.commits)}</td><td><code>{html.escape(str(p.body))}</code>"
            "</td></tr>"
            for p in self.prs
        )
        return (
            "<table><thead><tr><th>branch</th><th>title</th><th>commits</th><th>body</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )


def _review_note(result: ReviewResult | None, branch_sha: str) -> str:
    if result is None:
        return (
            "_The pre-submit review has not been run (`codeflash-lab review`): every item is open._"
        )
    note = f"From the pre-submit review of `{result.base_sha[:10]}..{result.head_sha[:10]}`"
    if result.head_sha and result.head_sha != branch_sha:
        note += f" (the branch is now at `{branch_sha[:10]}`: run the review again)"
    return note + "."


#: Folders that usually hold a project's benchmarks, in the order they are looked for.
BENCH_FOLDERS: tuple[str, ...] = (
    "benchmarks",
    "benchmark",
    "bench",
    "tests/benchmarks",
    "tests/benchmark",
)


def benchmark_folder(repo: Path, rev: str) -> str:
    """The project's benchmark folder at ``rev`` (``benchmarks`` when it has none yet)."""
    for folder in BENCH_FOLDERS:
        if run_git(["ls-tree", "-d", "--name-only", rev, "--", folder], repo).strip():
            return folder
    return "benchmarks"


def prepare_prs(
    project: str | os.PathLike[str] = ".",
    *,
    base: str | None = None,
    out: str | os.PathLike[str] | None = None,
    review_result: ReviewResult | None = None,
) -> PrPreparation:
    """Group the keeps into PRs, create the ``async/<slug>`` branches and write each PR's files.

    For each PR, ``<out>/<slug>/`` receives ``PR.md`` (numbers first, what changed
    and why, the review checklist), ``chart.png`` and ``bench_<slug>.py``.
    Nothing is pushed and no PR is opened.

    Args:
        project: the project folder (holds ``.codeflash/``).
        base: where the branches start; ``None`` = where ``codeflash/optimize`` left main.
        out: output folder (default ``.codeflash/prs``).
        review_result: the review whose checklist to show (default: the last saved one).

    Returns:
        The prepared PRs.

    Raises:
        ReviewError: see :func:`plan_prs` and :func:`create_branches`; on error no
            branch is created.
        ValueError: ``out`` is an existing file.
    """
    ws = Workspace(Path(project))
    out_dir = Path(out) if out is not None else ws.root / "prs"
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"out: {out_dir} exists and is not a folder")
    plan = create_branches(plan_prs(project, base=base))
    runs = load_runs(ws)
    try:
        locked = load_methodology(ws)
    except WorkspaceError:
        locked = None
    locked_id = locked.id if locked else None
    locked_target = locked.target if locked else None
    result = review_result if review_result is not None else last_review(project)
    note = _review_note(result, plan.branch_sha)
    folder_name = benchmark_folder(plan.repo, plan.branch_sha)
    prepared: list[PreparedPr] = []
    for group in plan.groups:
        rows = [row for c in group.commits for _line, row in c.rows]
        numbers = [
            keep_numbers(row, runs, locked_id=locked_id, locked_target=locked_target)
            for row in rows
        ]
        folder = out_dir / group.slug
        folder.mkdir(parents=True, exist_ok=True)
        chart = save_chart(numbers, folder / "chart.png")
        bench_name = "bench_" + group.slug.replace("-", "_") + ".py"
        evidence = match_keep(rows[0], runs, locked_id=locked_id, locked_target=locked_target)
        target = str((evidence.run or {}).get("target") or rows[0].target_test)
        concurrency = numbers[0].concurrency or 1
        bench = folder / bench_name
        bench.write_text(
            benchmark_source(
                name=bench_name,
                title=group.title,
                target=target,
                concurrency=concurrency,
                shas=[c.sha for c in group.commits],
                numbers=numbers[0],
            ),
            encoding="utf-8",
        )
        checklist = result.checklist_items(set(group.files)) if result is not None else {}
        body = folder / "PR.md"
        body.write_text(
            render_body(
                group,
                numbers,
                checklist,
                chart_name=chart.name,
                bench_name=bench_name,
                base_sha=plan.base_sha,
                review_note=note,
                bench_folder=folder_name,
            ),
            encoding="utf-8",
        )
        prepared.append(
            PreparedPr(group, group.branch, plan.branches[group.branch], body, chart, bench)
        )
    return PrPreparation(plan, tuple(prepared))
