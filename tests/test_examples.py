"""The scripts in examples/ run end to end on a project that is not the demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flow_project import FAST_SERVICE, TARGET, git, make_project

from codeflash_lab.workspace.results import read_results

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SERVICE_PY = "src/tinysvc/service.py"


def test_every_example_is_run_here() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == ["api_loop.py"]


@pytest.mark.slow
def test_api_loop_keeps_the_fix_and_discards_the_no_op(tmp_path: Path) -> None:
    project = make_project(tmp_path / "tinysvc")
    fast = tmp_path / "fast.py"
    fast.write_text(FAST_SERVICE)
    noop = tmp_path / "noop.py"
    noop.write_text(FAST_SERVICE.replace("one request.", "one request, reworded."))
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "api_loop.py"), str(project), "--target", TARGET,
         "--quick", "--concurrency", "2",
         "--try", "blocking-call", "drop the blocking sleep", SERVICE_PY, str(fast),
         "--try", "blocking-call", "reword the docstring", SERVICE_PY, str(noop)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "[guard] tests: 2 passed, 0 failed" in out
    assert "git apply .codeflash/runs/discard-2.patch" in out
    assert "[pr] " in out
    assert "[report] " in out
    rows = read_results(project / ".codeflash" / "results.tsv").rows
    assert [r.status for r in rows] == ["KEEP", "DISCARD"]
    assert (project / SERVICE_PY).read_text() == FAST_SERVICE
    assert git(project, "log", "-1", "--format=%s").strip() == "async: drop the blocking sleep"
