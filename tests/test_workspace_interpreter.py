"""The project's interpreter: fake project layouts and a controlled PATH, no real managers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codeflash_lab.workspace.initialize import init_workspace
from codeflash_lab.workspace.interpreter import find_interpreter, project_python
from codeflash_lab.workspace.setup_md import read_setup_md
from tests.fake_tools import fake_exe, fake_path, fake_python


def test_in_project_venv_wins_and_its_version_is_asked(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "p" / ".venv" / "bin" / "python", "3.10.14")
    found = find_interpreter(tmp_path / "p", path_env=fake_path(tmp_path / "bin", []))
    assert (found.path, found.version, found.source) == (str(exe), "3.10.14", ".venv")
    assert found.runner == ".venv/bin/python"
    assert "the interpreter itself" in found.runner_reason


def test_uv_project_with_venv_and_uv_on_path(tmp_path: Path) -> None:
    project = tmp_path / "p"
    fake_python(project / ".venv" / "bin" / "python", "3.12.1")
    (project / "uv.lock").write_text("")
    found = find_interpreter(project, path_env=fake_path(tmp_path / "bin", ["uv"]))
    assert found.runner == "uv run python"
    assert found.runner_reason == "uv.lock found and `uv` is on PATH"
    assert found.version == "3.12.1"


def test_uv_project_without_uv_runs_the_venv_directly(tmp_path: Path) -> None:
    project = tmp_path / "p"
    fake_python(project / ".venv" / "bin" / "python", "3.12.1")
    (project / "uv.lock").write_text("")
    found = find_interpreter(project, path_env=fake_path(tmp_path / "bin", []))
    assert found.runner == ".venv/bin/python"
    assert found.notes == ("uv.lock found but `uv` is not on PATH: not used",)


def test_poetry_environment_outside_the_project(tmp_path: Path) -> None:
    env_python = fake_python(tmp_path / "cache" / "svc-py3.11" / "bin" / "python", "3.11.9")
    project = tmp_path / "p"
    project.mkdir()
    (project / "poetry.lock").write_text("")
    path = fake_path(tmp_path / "bin", ["poetry"], {"poetry": str(env_python)})
    found = find_interpreter(project, path_env=path)
    assert (found.path, found.source, found.version) == (str(env_python), "poetry", "3.11.9")
    assert found.runner == "poetry run python"


def test_hatch_and_conda_environments(tmp_path: Path) -> None:
    hatch_env = tmp_path / "hatch-env"
    fake_python(hatch_env / "bin" / "python", "3.13.0")
    project = tmp_path / "h"
    project.mkdir()
    (project / "hatch.toml").write_text("")
    path = fake_path(tmp_path / "bin1", ["hatch"], {"hatch": str(hatch_env)})
    assert find_interpreter(project, path_env=path).version == "3.13.0"

    conda_python = fake_python(tmp_path / "conda" / "envs" / "svc" / "bin" / "python", "3.9.19")
    cproject = tmp_path / "c"
    cproject.mkdir()
    (cproject / "environment.yml").write_text("name: svc\ndependencies: [python=3.9]\n")
    path = fake_path(tmp_path / "bin2", ["conda"], {"conda": str(conda_python)})
    found = find_interpreter(cproject, path_env=path)
    assert (found.path, found.source, found.runner) == (
        str(conda_python),
        "conda",
        "conda run python",
    )


def test_a_manager_with_no_environment_yet_says_how_to_make_one(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "poetry.lock").write_text("")
    found = find_interpreter(project, path_env=fake_path(tmp_path / "bin", ["poetry"]))
    assert found.is_tool_interpreter
    assert found.path == sys.executable
    assert found.runner == "poetry run python"
    assert "run `poetry install` to create it" in found.notes[0]


def test_explicit_python_wins_and_must_be_executable(tmp_path: Path) -> None:
    fake_python(tmp_path / "p" / ".venv" / "bin" / "python")
    given = fake_python(tmp_path / "elsewhere" / "python3", "3.9.18")
    found = find_interpreter(tmp_path / "p", python=given, path_env="")
    assert (found.path, found.source, found.version) == (str(given), "--python", "3.9.18")
    with pytest.raises(ValueError, match="not an executable file"):
        find_interpreter(tmp_path / "p", python=tmp_path / "missing", path_env="")


def test_an_interpreter_that_does_not_run_is_noted(tmp_path: Path) -> None:
    fake_exe(tmp_path / "p" / "venv" / "bin" / "python", code=1)
    found = find_interpreter(tmp_path / "p", path_env="")
    assert found.version == ""
    assert "did not run" in found.notes[-1]


def test_init_records_the_interpreter_and_names_only_runners_on_path(tmp_path: Path) -> None:
    project = tmp_path / "p"
    exe = fake_python(project / ".venv" / "bin" / "python", "3.12.2")
    (project / "uv.lock").write_text("")
    (project / "tests").mkdir()
    (project / "tests" / "conftest.py").write_text("")
    result = init_workspace(project, path_env=fake_path(tmp_path / "bin", []))
    facts = read_setup_md(project)
    assert facts["interpreter"] == str(exe)
    assert facts["interpreter_version"] == "3.12.2"
    assert facts["runner"] == ".venv/bin/python"
    assert facts["test_command"] == ".venv/bin/python -m pytest"
    text = result.to_text()
    assert f"[discovery] interpreter: {exe} (Python 3.12.2" in text
    assert "[discovery] runner: .venv/bin/python" in text
    assert "uv.lock found but `uv` is not on PATH: not used" in text
    assert "uv run" not in (project / ".codeflash" / "setup.md").read_text()
    assert project_python(project).path == str(exe)


def test_rerunning_init_keeps_a_hand_fixed_test_command(tmp_path: Path) -> None:
    project = tmp_path / "p"
    fake_python(project / ".venv" / "bin" / "python", "3.12.2")
    (project / "tests").mkdir()
    (project / "tests" / "conftest.py").write_text("")
    path = fake_path(tmp_path / "bin", [])
    init_workspace(project, path_env=path)
    setup = project / ".codeflash" / "setup.md"
    setup.write_text(
        setup.read_text().replace(
            "test_command: .venv/bin/python -m pytest",
            "test_command: .venv/bin/python -m pytest -x tests",
        )
    )
    fake_python(project / ".venv" / "bin" / "python", "3.12.3")  # the venv was upgraded
    again = init_workspace(project, path_env=path)
    facts = read_setup_md(project)
    assert facts["test_command"] == ".venv/bin/python -m pytest -x tests"
    assert facts["interpreter_version"] == "3.12.3"
    assert again.kept_fields == {"test_command": ".venv/bin/python -m pytest"}
    assert "kept test_command in setup.md (edited by hand)" in again.to_text()


def test_a_temporary_worktree_uses_the_main_trees_interpreter(tmp_path: Path) -> None:
    project = tmp_path / "p"
    exe = fake_python(project / ".venv" / "bin" / "python", "3.12.2")
    (project / ".gitignore").write_text(".venv/\n.codeflash/\n")
    init_workspace(project, path_env="")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".gitignore")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    git("worktree", "add", "--detach", "-q", str(tmp_path / "wt"), "HEAD")
    assert not (tmp_path / "wt" / ".venv").exists()
    assert project_python(tmp_path / "wt").path == str(exe)


def test_a_relative_interpreter_written_by_hand_is_relative_to_the_project(tmp_path: Path) -> None:
    project = tmp_path / "p"
    exe = fake_python(project / "envs" / "dev" / "bin" / "python", "3.12.2")
    init_workspace(project, path_env="")  # no venv found: the tool's own interpreter
    setup = project / ".codeflash" / "setup.md"
    setup.write_text(
        setup.read_text().replace(
            f"- interpreter: {sys.executable}", "- interpreter: envs/dev/bin/python"
        )
    )
    (project / "sub").mkdir()
    assert project_python(project / "sub").path == str(exe)


def test_init_python_option_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from codeflash_lab.cli import main

    project = tmp_path / "p"
    project.mkdir()
    given = fake_python(tmp_path / "py" / "python3.9", "3.9.18")
    assert main(["init", str(project), "--python", str(given)]) == 0
    out = capsys.readouterr().out
    assert f"[discovery] interpreter: {given} (Python 3.9.18; given with --python)" in out
    assert read_setup_md(project)["interpreter"] == str(given)
    assert main(["init", str(project), "--python", str(tmp_path / "nope")]) == 2
    assert "not an executable file" in capsys.readouterr().err
