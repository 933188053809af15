"""The measuring child on every Python 3.9-3.13 this machine has (skipped with a reason if not).

Besides the syntax check (``test_child_measure``), each interpreter really runs a closed-
loop run with per-op timeouts (no ``Task.uncancel`` before 3.11), an open-loop run, the
lag probe and the concurrency probe; and a project whose venv is that Python is measured
through the CLI.
"""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from codeflash_lab.cli import main
from codeflash_lab.errors import MeasurementError
from codeflash_lab.profiling.in_project import run_job, target_job

pytestmark = pytest.mark.slow

MINORS = (9, 10, 11, 12, 13)
OPS = """\
import asyncio, sys

async def op():
    await asyncio.sleep(0.001)

async def hang():
    await asyncio.sleep(5)
"""


def _python(minor: int) -> str | None:
    """An interpreter of 3.minor that really runs (a pyenv shim may not)."""
    candidates = sorted(glob.glob(str(Path.home() / f".pyenv/versions/3.{minor}.*/bin/python")))
    candidates += [w for w in [shutil.which(f"python3.{minor}")] if w]
    for exe in candidates:
        proc = subprocess.run(
            [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode == 0 and proc.stdout.strip() == f"3.{minor}":
            return exe
    return None


def _needs(minor: int) -> str:
    python = _python(minor)
    if python is None:
        pytest.skip(f"no Python 3.{minor} on this machine")
    return python


def _config(**changes: object) -> dict[str, object]:
    config: dict[str, object] = {
        "concurrency": 2, "ops": None, "duration_s": None, "min_run_s": 0.15,
        "warmup_s": 0.02, "rate": None, "timeout_s": 5.0, "batch": 1,
    }  # fmt: skip
    config.update(changes)
    return config


@pytest.mark.parametrize("minor", MINORS, ids=lambda m: f"3.{m}")
def test_child_jobs_run_on_this_python(minor: int, tmp_path: Path) -> None:
    python = _needs(minor)
    (tmp_path / "ops_v.py").write_text(OPS)
    base = target_job("ops_v.py:op", cwd=tmp_path)

    def job(**fields: object) -> dict[str, object]:
        return run_job({**base, **fields}, python=python, cwd=tmp_path, timeout_s=120)

    closed = job(mode="bench", config=_config(), stall_ms=10.0)
    assert closed["python_version"].startswith(f"3.{minor}.")
    assert closed["run"]["ok_ops"] > 0
    assert closed["run"]["errors"] == 0

    opened = job(mode="bench", config=_config(rate=200.0, concurrency=4), stall_ms=10.0)
    assert opened["run"]["mode"] == "open"
    assert opened["run"]["schedule_lag_ms"] is not None

    hang = target_job("ops_v.py:hang", cwd=tmp_path)
    timed_out = run_job(
        {**hang, "mode": "bench", "config": _config(timeout_s=0.05, min_run_s=0.2), "stall_ms": 10.0},
        python=python, cwd=tmp_path, timeout_s=120,
    )  # fmt: skip
    assert timed_out["run"]["error_kinds"].get("TimeoutError", 0) >= 1
    assert timed_out["run"]["ok_ops"] == 0

    lag = job(mode="lag", lag={"duration_s": 0.1})
    assert lag["lag"]["samples"]
    probe = job(mode="probe", probe={"n": 4, "repeats": 2})
    assert len(probe["probe"]["gathered_s"]) == 2


@pytest.mark.parametrize("minor", [9, 13], ids=lambda m: f"3.{m}")
def test_a_project_whose_venv_is_this_python(
    minor: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    python = _needs(minor)
    project = tmp_path / "p"
    project.mkdir()
    subprocess.run([python, "-m", "venv", "--without-pip", str(project / ".venv")], check=True)
    (project / "ver_ops.py").write_text(
        "import asyncio, pathlib, sys\n"
        "pathlib.Path('seen.txt').write_text('%d.%d' % sys.version_info[:2])\n"
        "async def op():\n    await asyncio.sleep(0)\n"
    )
    assert main(["init", str(project)]) == 0
    capsys.readouterr()
    code = main(["bench", "ver_ops.py:op", "--runs", "1", "--duration", "0.15", "--min-run",
                 "0.15", "--warmup", "0.02", "--project", str(project), "--format", "json"])  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["ops"] > 0
    assert (project / "seen.txt").read_text() == f"3.{minor}"


def test_an_interpreter_older_than_3_9_gets_one_clear_line(tmp_path: Path) -> None:
    python = _python(8)
    if python is None:
        pytest.skip("no Python 3.8 on this machine")
    (tmp_path / "ops_old.py").write_text(OPS)
    job = {**target_job("ops_old.py:op", cwd=tmp_path), "mode": "call"}
    with pytest.raises(MeasurementError, match=r"is Python 3\.8\.\d+; the measuring child needs"):
        run_job(job, python=python, cwd=tmp_path, timeout_s=60)
