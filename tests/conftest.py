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


@pytest.fixture
def populated_project(tmp_path, write_results_tsv):
    """A project with ``.codeflash/``: results.tsv (9 rows), setup.md, HANDOFF.md, a locked
    methodology and one saved run of each kind a report shows (scan, review, compare,
    sweep, lag, bench). Returns the project folder."""
    import json

    from codeflash_lab.workspace.layout import Workspace
    from codeflash_lab.workspace.runs import save_run

    project = tmp_path / "service"
    ws = Workspace(project)
    write_results_tsv(ws.results_tsv, count=9)
    ws.setup_md.write_text(
        "# Setup\n\n- python: 3.11\n- runner: pytest\n- test_command: pytest -q\n"
        "- framework: aiohttp\n- async_deps: aiohttp, asyncpg\n- pre_commit: no\n",
        encoding="utf-8",
    )
    ws.handoff_md.write_text(
        "# Handoff\n\n## Next steps\n\n- gather the fetches\n", encoding="utf-8"
    )
    locked = {
        "target": "svc.api:fetch",
        "concurrency": 16,
        "ops": 2000,
        "duration_s": None,
        "warmup": 0.5,
        "mode": "closed",
        "rate": None,
        "loop": "asyncio",
        "debug": False,
        "profiler_clock": "wall",
    }
    ws.methodology_json.write_text(
        json.dumps(
            {
                "locked": locked,
                "id": "0123456789ab",
                "since": "2026-01-01T00:00:00+00:00",
                "history": [],
            }
        ),
        encoding="utf-8",
    )
    finding = {
        "path": "svc/api.py",
        "line": 12,
        "col": 4,
        "code": "CFL201",
        "name": "blocking-sleep",
        "category": "blocking-call",
        "impact": "HIGH",
        "message": "time.sleep blocks the loop",
        "fix": "await asyncio.sleep(...)",
    }
    gather = {
        **finding,
        "line": 30,
        "code": "CFL101",
        "category": "sequential-awaits",
        "message": "independent awaits run one after another",
        "fix": "asyncio.gather",
    }
    save_run(ws, "scan", {"files_scanned": 4, "findings": [finding, gather]})
    save_run(
        ws,
        "review",
        {
            "base": "main",
            "head": "codeflash/optimize",
            "findings": [
                {
                    "check": "resources",
                    "severity": "warning",
                    "path": "svc/api.py",
                    "line": 40,
                    "message": "session created per call",
                    "why": "leaks connections under load",
                }
            ],
        },
    )
    environment = {"python": "3.11.7", "loop": "asyncio", "nproc": 2}
    save_run(
        ws,
        "bench",
        {
            "target": "svc.api:fetch",
            "environment": environment,
            "latency_ms": {"p50": 10.0, "p99": 30.0},
            "throughput_ops_s": 400.0,
        },
    )
    save_run(
        ws,
        "compare",
        {
            "target": "svc.api:fetch",
            "verdict": "KEEP",
            "environment": environment,
            "a": {
                "label": "main",
                "latency_ms": {"p50": 10.0, "p90": 15.0, "p99": 31.0, "p999": 60.0},
                "throughput_ops_s": 400.0,
                "runs": [],
            },
            "b": {
                "label": "head",
                "latency_ms": {"p50": 5.0, "p90": 7.0, "p99": 14.0, "p999": 20.0},
                "throughput_ops_s": 760.0,
                "runs": [],
            },
        },
    )
    save_run(
        ws,
        "sweep",
        {
            "target": "svc.api:fetch",
            "knee": 8,
            "points": [
                {
                    "concurrency": c,
                    "throughput_ops_s": 100.0 * min(c, 8),
                    "latency_ms": {"p50": 5.0 * max(1, c / 8), "p99": 9.0 * max(1, c / 8)},
                }
                for c in (1, 2, 4, 8, 16)
            ],
        },
    )
    save_run(
        ws,
        "lag",
        {
            "threshold_ms": 20.0,
            "p50_ms": 0.2,
            "p99_ms": 25.0,
            "max_ms": 25.0,
            "samples": [[i * 0.01, 25.0 if i == 50 else 0.2] for i in range(100)],
            "stalls": [{"t_s": 0.5, "lag_ms": 25.0}],
        },
    )
    return project
