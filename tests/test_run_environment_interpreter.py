"""A run's environment names the interpreter the target ran in: the project's own venv."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from own_project import OwnVenv, own_venv, write_own_project

from codeflash_lab.bench import BenchConfig, bench, compare, sweep
from codeflash_lab.bench.system import capture_environment
from codeflash_lab.workspace import init_workspace

_CONFIG = BenchConfig(duration_s=0.2, min_run_s=0.2, warmup_s=0.05)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> OwnVenv:
    return own_venv(tmp_path_factory)


@pytest.fixture
def project(venv: OwnVenv, tmp_path: Path) -> Path:
    root = write_own_project(tmp_path / "svc", venv)
    init_workspace(root)
    return root


def _saved(path: Path | None) -> dict:
    assert path is not None
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _is_project_python(env: dict, project: Path, venv: OwnVenv) -> None:
    # The path the project's venv is reached by (not resolved: every venv's python is a
    # symlink to one base interpreter, the tool's venv's as well).
    assert env["executable"] in {str(project / ".venv" / "bin" / "python"), str(venv.python)}
    assert env["executable"] != sys.executable
    assert env["python"] == ".".join(map(str, sys.version_info[:3]))
    assert env["implementation"] == "CPython"
    assert env["interpreter_source"] != "codeflash-lab"
    # The tool's own Python is kept apart.
    assert env["tool_executable"] == sys.executable


def test_a_saved_bench_names_the_project_venv_python(project: Path, venv: OwnVenv) -> None:
    result = bench("svc.handlers:handle", config=_CONFIG, runs=1, project=project, progress=False)
    env = _saved(result.saved_to)["environment"]
    assert env["isolation"] == "process"
    _is_project_python(env, project, venv)


def test_a_saved_compare_and_sweep_name_the_project_venv_python(
    project: Path, venv: OwnVenv
) -> None:
    result = compare(
        "svc.handlers:handle",
        "svc.handlers:slow_path",
        config=_CONFIG,
        preset="quick",
        project=project,
        progress=False,
    )
    _is_project_python(_saved(result.saved_to)["environment"], project, venv)
    curve = sweep(
        "svc.handlers:handle",
        levels=(1, 2),
        config=_CONFIG,
        probe=False,
        project=project,
        progress=False,
    )
    _is_project_python(_saved(curve.saved_to)["environment"], project, venv)


async def _in_process() -> None:
    return None


def test_an_object_target_is_recorded_as_the_tool_python() -> None:
    from codeflash_lab.bench import Measurable

    env = capture_environment(target=Measurable.of(_in_process), isolation="loop")
    assert env["executable"] == env["tool_executable"] == sys.executable
    assert env["interpreter_source"] == "codeflash-lab"
