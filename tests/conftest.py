"""Shared fixtures: temporary git repositories and a scratch project."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return stdout (raises on failure)."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """A real git repository with an identity and one commit on ``main``."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test Author")
    git(repo, "config", "user.email", "author@example.invalid")
    git(repo, "config", "commit.gpgsign", "false")
    (repo / "README.md").write_text("scratch project\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "initial commit")
    return repo


_ROW_DEFAULTS = {
    "commit": "abc1234",
    "target_test": "tests/test_service.py::test_fetch",
    "concurrency": "16",
    "tests_passed": "12",
    "tests_failed": "0",
    "status": "KEEP",
    "pattern": "sequential-awaits",
    "description": "gather the independent fetches",
}


@pytest.fixture
def write_results_tsv():
    """Write a results.tsv by hand: ``write(path, rows=[{column: cell}], count=N)``.

    ``rows`` are dicts of raw cell text (missing columns get plain defaults; the
    ``*_change`` cells are computed when both numbers are numeric). ``count``
    appends N generated experiments: a series that improves on every KEEP,
    cycling through the category slugs, with every third one discarded.
    Returns the path.
    """
    from codeflash_lab.categories import SLUGS
    from codeflash_lab.workspace.results import COLUMNS, format_change, percent_change

    def _cell_change(before: str, after: str) -> str:
        try:
            return format_change(percent_change(float(before), float(after)))
        except ValueError:
            return ""

    def write(path: Path, rows=(), *, count: int = 0) -> Path:
        all_rows = [dict(r) for r in rows]
        latency, throughput = 100.0, 500.0
        for i in range(count):
            keep = i % 3 != 2
            after_lat = latency * (0.85 if keep else 1.04)
            after_tput = throughput * (1.15 if keep else 0.97)
            all_rows.append(
                {
                    "baseline_latency_ms": f"{latency:.3f}",
                    "optimized_latency_ms": f"{after_lat:.3f}",
                    "baseline_throughput": f"{throughput:.1f}",
                    "optimized_throughput": f"{after_tput:.1f}",
                    "status": "KEEP" if keep else "DISCARD",
                    "pattern": SLUGS[i % len(SLUGS)],
                    "description": f"experiment {i + 1} on the {SLUGS[i % len(SLUGS)]} path",
                }
            )
            if keep:
                latency, throughput = after_lat, after_tput
        lines = ["\t".join(COLUMNS)]
        for row in all_rows:
            cells = {**_ROW_DEFAULTS, **row}
            cells.setdefault(
                "latency_change",
                _cell_change(
                    cells.get("baseline_latency_ms", ""), cells.get("optimized_latency_ms", "")
                ),
            )
            cells.setdefault(
                "throughput_change",
                _cell_change(
                    cells.get("baseline_throughput", ""), cells.get("optimized_throughput", "")
                ),
            )
            lines.append("\t".join(str(cells.get(c, "")) for c in COLUMNS))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write
