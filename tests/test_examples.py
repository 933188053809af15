"""The scripts in examples/ run end to end on a project that is not the demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flow_project import OWN_TARGET, drop_the_wait, git, own_git_project
from own_project import OwnVenv, own_venv

from codeflash_lab.workspace.results import read_results

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HANDLERS_PY = "src/svc/handlers.py"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> OwnVenv:
    return own_venv(tmp_path_factory)


def test_every_example_is_run_here() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == ["api_loop.py"]


@pytest.mark.slow
def test_api_loop_keeps_the_fix_and_discards_the_no_op(venv: OwnVenv, tmp_path: Path) -> None:
    project = own_git_project(tmp_path / "svc", venv)
    before = venv.listing()
    original = (project / HANDLERS_PY).read_text()
    fast = tmp_path / "fast.py"
    fast.write_text(drop_the_wait(original))
    noop = tmp_path / "noop.py"
    noop.write_text(drop_the_wait(original).replace("waits 20 ms more", "waits 20 ms longer"))
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "api_loop.py"), str(project), "--target", OWN_TARGET,
         "--quick", "--concurrency", "2",
         "--try", "sequential-awaits", "drop the 20 ms wait", HANDLERS_PY, str(fast),
         "--try", "sequential-awaits", "reword the docstring", HANDLERS_PY, str(noop)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "[guard] tests: 1 passed, 0 failed" in out
    assert "git apply .codeflash/runs/discard-2.patch" in out
    assert "[pr] " in out
    assert "[report] " in out
    rows = read_results(project / ".codeflash" / "results.tsv").rows
    assert [r.status for r in rows] == ["KEEP", "DISCARD"]
    assert (project / HANDLERS_PY).read_text() == drop_the_wait(original)
    assert git(project, "log", "-1", "--format=%s").strip() == "async: drop the 20 ms wait"
    assert venv.listing() == before
