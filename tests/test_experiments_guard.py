"""The guard runs the project's test command in the project's interpreter and reads a report."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import pytest

from codeflash_lab.experiments.guard import (
    check_syntax,
    guard_argv,
    guard_command,
    project_python,
    read_report_log,
    run_guard,
)
from codeflash_lab.workspace.layout import Workspace

_PURELIB = sysconfig.get_paths()["purelib"]


def _project(root: Path, test_command: str) -> Path:
    """A project with its own ``.venv`` (no pip; this environment's packages via a .pth)."""
    import venv

    root.mkdir(parents=True)
    venv.EnvBuilder(with_pip=False).create(root / ".venv")
    site = next((root / ".venv" / "lib").glob("python*/site-packages"))
    (site / "lab_packages.pth").write_text(_PURELIB + "\n")
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_calc.py").write_text(
        "import sys\nfrom calc import add\n\n"
        "def test_add():\n    assert add(2, 2) == 4\n\n"
        "def test_interpreter():\n    assert '.venv' in sys.prefix\n\n"
        "def test_skipped():\n    import pytest\n    pytest.skip('not here')\n"
    )
    (root / "pytest.ini").write_text("[pytest]\npythonpath = .\naddopts = --color=yes\n")
    ws = Workspace(root)
    ws.root.mkdir()
    ws.setup_md.write_text(f"# Setup\n\n- runner: python\n- test_command: {test_command}\n")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(tmp_path_factory.mktemp("guard") / "proj", "python -m pytest -q")


def test_the_guard_runs_setup_md_command_in_the_project_venv(project: Path) -> None:
    assert guard_command(project) == "python -m pytest -q"
    assert project_python(project) == str(project / ".venv" / "bin" / "python")
    run = run_guard(project)
    assert run.ran
    assert (run.passed, run.failed, run.skipped) == (2, 0, 1)
    assert run.source == "junit-xml"
    assert run.python == str(project / ".venv" / "bin" / "python")
    assert run.ok
    assert "2 passed, 0 failed, 1 skipped" in run.summary()


def test_a_broken_fix_fails_the_guard_and_names_the_test(project: Path, tmp_path: Path) -> None:
    broken = _project(tmp_path / "broken", "python -m pytest -q")
    (broken / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    run = run_guard(broken)
    assert run.ran
    assert not run.ok
    assert (run.passed, run.failed) == (1, 1)
    assert "tests/test_calc.py" in run.source or "test_calc" in run.source
    assert "test_add" in run.source


def test_a_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p", "python -m pytest -q")
    (proj / "calc.py").write_text("def add(a, b):\n    return (a +\n")
    before = run_guard(proj, files=[proj / "calc.py"])
    assert not before.ran
    assert before.source.startswith("syntax error: calc.py:2: ")
    during = run_guard(proj)  # no list of files: read from the collection error
    assert not during.ok
    assert "syntax error:" in during.source
    assert "calc.py:2" in during.source
    assert check_syntax([proj / "tests" / "test_calc.py"]) is None


def test_no_command_and_missing_program_do_not_pass(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p", "none")
    run = run_guard(proj)
    assert not run.ran
    assert not run.ok
    assert "no test_command" in run.source
    missing = run_guard(proj, command="no-such-program-xyz --flag")
    assert not missing.ran
    assert "not found" in missing.source


def test_a_command_without_a_report_is_judged_by_exit_code_and_says_so(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p", "python -m unittest discover -s tests")
    ok = run_guard(proj, command=f"{sys.executable} -c 'raise SystemExit(0)'")
    assert ok.ran
    assert ok.ok
    assert ok.source.startswith("exit-code 0")
    assert "passed by exit code only" in ok.summary()
    bad = run_guard(proj, command=f"{sys.executable} -c 'raise SystemExit(3)'")
    assert bad.ran
    assert not bad.ok
    assert bad.source.startswith("exit-code 3")


def test_argv_rewrites_pytest_commands_only() -> None:
    argv, kind = guard_argv("pytest -x tests", python="/venv/bin/python", report="/r.xml")
    assert argv[:3] == ["/venv/bin/python", "-m", "pytest"]
    assert "--junit-xml=/r.xml" in argv
    assert kind == "junit-xml"
    argv, kind = guard_argv("uv run pytest", python="/venv/bin/python", report="/r.xml")
    assert argv[:2] == ["uv", "run"]
    assert kind == "junit-xml"
    argv, kind = guard_argv(
        ".venv/bin/python -m pytest --report-log=r.jsonl", python="/p", report="/r.xml"
    )
    assert argv[0] == ".venv/bin/python"
    assert kind == "report-log"
    argv, kind = guard_argv("make test", python="/p", report="/r.xml")
    assert (argv, kind) == (["make", "test"], "exit-code")


def test_report_log_is_read(tmp_path: Path) -> None:
    log = tmp_path / "r.jsonl"
    log.write_text(
        '{"$report_type": "TestReport", "nodeid": "t::a", "when": "call", "outcome": "passed"}\n'
        '{"$report_type": "TestReport", "nodeid": "t::b", "when": "call", "outcome": "failed"}\n'
        '{"$report_type": "TestReport", "nodeid": "t::c", "when": "setup", "outcome": "skipped"}\n'
    )
    passed, failed, skipped, first = read_report_log(log)
    assert (passed, failed, skipped) == (1, 1, 1)
    assert first == ["t::b: failed in call"]
    log.write_text("coloured text\n")
    with pytest.raises(ValueError, match="not a report log"):
        read_report_log(log)
