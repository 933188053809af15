"""The guard: run the project's test command and read its result from a machine format.

The command is the one ``.codeflash/setup.md`` names (``guard_command``, else
``test_command``), run in the project's interpreter. A pytest command gets
``--junit-xml`` added and the counts come from that file (or from pytest's
``--report-log`` file when the command already writes one); nothing is read from the
coloured terminal text. Any other command is judged by its exit code alone, and the
:class:`~codeflash_lab.workspace.experiment_record.GuardRun` says so.

Before running, the files a change touched can be parsed: a syntax error is reported
with its file and line instead of a collection traceback.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from codeflash_lab.workspace.experiment_record import GuardRun
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.setup_md import read_setup_md

__all__ = [
    "check_syntax",
    "guard_argv",
    "guard_command",
    "project_python",
    "read_junit_xml",
    "read_report_log",
    "run_guard",
]

#: At most this many failing tests are named in a guard run.
MAX_FAILURES = 50
_RUNNERS = {"uv", "poetry", "pdm", "hatch", "pipenv", "rye"}
_PYTHON = re.compile(r"^(.*/)?python(\d+(\.\d+)?)?(\.exe)?$")


def _ws(project: Workspace | str | os.PathLike[str]) -> Workspace:
    return project if isinstance(project, Workspace) else Workspace(Path(project))


def _setup(ws: Workspace) -> dict[str, str]:
    facts = read_setup_md(ws)
    return {k: v for k, v in facts.items() if v.strip().lower() not in {"", "none"}}


def project_python(project: Workspace | str | os.PathLike[str]) -> str:
    """The interpreter that runs the project's code (see
    :func:`codeflash_lab.workspace.interpreter.project_python`: setup.md's
    ``interpreter``, else the project's environment)."""
    from codeflash_lab.workspace.interpreter import project_python as find

    return find(_ws(project).project).path


def guard_command(project: Workspace | str | os.PathLike[str]) -> str | None:
    """``guard_command`` from setup.md, else ``test_command``; ``None`` when neither is set."""
    facts = _setup(_ws(project))
    return facts.get("guard_command") or facts.get("test_command") or None


def guard_argv(command: str, *, python: str, report: str) -> tuple[list[str], str]:
    """The argv that runs ``command`` with a machine-readable report, and the report kind.

    ``pytest ...``, ``python -m pytest ...`` and either behind a runner prefix (``uv
    run``, ``poetry run`` ...) get ``--junit-xml=REPORT`` (kind ``junit-xml``), unless the
    command already writes a report log (kind ``report-log``, read from its own path).
    A bare ``python``/``pytest`` runs in ``python``; an explicit interpreter path is kept.
    Anything else runs as given (kind ``exit-code``).

    Raises:
        ValueError: the command cannot be split into words.
    """
    try:
        tokens = shlex.split(command)
    except ValueError as exc:
        raise ValueError(f"command: cannot split {command!r} ({exc})") from None
    if not tokens:
        raise ValueError("command: empty test command")
    prefix: list[str] = []
    rest = tokens
    if len(tokens) >= 2 and tokens[0] in _RUNNERS and tokens[1] == "run":
        prefix, rest = tokens[:2], tokens[2:]
    is_pytest = False
    if rest and rest[0] in {"pytest", "py.test"}:
        is_pytest = True
        head = [*prefix, "pytest"] if prefix else [python, "-m", "pytest"]
        args = rest[1:]
    elif len(rest) >= 3 and _PYTHON.match(rest[0]) and rest[1] == "-m" and rest[2] == "pytest":
        is_pytest = True
        exe = python if not prefix and rest[0] in {"python", "python3"} else rest[0]
        head = [*prefix, exe, "-m", "pytest"]
        args = rest[3:]
    elif not prefix and rest and rest[0] in {"python", "python3"}:
        return [python, *rest[1:]], "exit-code"
    else:
        return tokens, "exit-code"
    if is_pytest and any(a.startswith("--report-log") for a in args):
        return [*head, *args], "report-log"
    return [*head, *args, f"--junit-xml={report}", "-o", "junit_family=xunit2"], "junit-xml"


_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)')
_SYNTAX = re.compile(r"^E?\s*((?:Syntax|Indentation|Tab)Error: .*)$", re.MULTILINE)


def _syntax_error_in(text: str) -> str | None:
    """``syntax error: path:line: message`` from a collection traceback, if it shows one."""
    error = _SYNTAX.search(text)
    if error is None:
        return None
    places = _FILE_LINE.findall(text[: error.start()])
    where = f"{places[-1][0]}:{places[-1][1]}: " if places else ""
    return f"syntax error: {where}{error.group(1).strip()}"


def read_junit_xml(path: str | os.PathLike[str]) -> tuple[int, int, int, list[str]]:
    """``(passed, failed, skipped, failures)`` from a junit XML file.

    Failures and errors both count as failed; each entry of the list is
    ``test id: message`` (``module::test``), for up to :data:`MAX_FAILURES` of them.

    Raises:
        ValueError: the file is not junit XML.
    """
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ValueError(f"{path}: not a junit XML report ({exc})") from None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if root.tag not in {"testsuite", "testsuites"}:
        raise ValueError(f"{path}: not a junit XML report (root <{root.tag}>)")
    tests = failed = skipped = 0
    first: list[str] = []
    for suite in suites:
        tests += int(suite.get("tests") or 0)
        failed += int(suite.get("failures") or 0) + int(suite.get("errors") or 0)
        skipped += int(suite.get("skipped") or 0)
        for case in suite.iter("testcase"):
            for bad in (*case.findall("failure"), *case.findall("error")):
                if len(first) < MAX_FAILURES:
                    name = "::".join(x for x in (case.get("classname"), case.get("name")) if x)
                    message = _syntax_error_in(bad.text or "") or (bad.get("message") or "")
                    first.append(f"{name}: {message.strip()[:200]}")
    return max(tests - failed - skipped, 0), failed, skipped, first


def read_report_log(path: str | os.PathLike[str]) -> tuple[int, int, int, list[str]]:
    """``(passed, failed, skipped, failures)`` from a pytest ``--report-log`` file.

    Raises:
        ValueError: the file cannot be read as a report log.
    """
    passed = failed = skipped = 0
    first: list[str] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValueError(f"{path}: no report log ({exc})") from None
    for line in lines:
        try:
            doc = json.loads(line)
        except ValueError:
            raise ValueError(f"{path}: not a report log (a line is not JSON)") from None
        kind = doc.get("$report_type")
        outcome = doc.get("outcome")
        if kind == "CollectReport" and outcome == "failed":
            failed += 1
            first.append(f"{doc.get('nodeid') or '<collection>'}: collection failed")
        elif kind == "TestReport":
            when = doc.get("when")
            if outcome == "failed":
                failed += 1
                if len(first) < MAX_FAILURES:
                    first.append(f"{doc.get('nodeid')}: failed in {when}")
            elif outcome == "skipped" and when == "setup":
                skipped += 1
            elif outcome == "passed" and when == "call":
                passed += 1
    return passed, failed, skipped, first[:MAX_FAILURES]


def check_syntax(paths: Iterable[str | os.PathLike[str]]) -> str | None:
    """``path:line: message`` of the first Python file that does not parse, else ``None``."""
    for p in paths:
        path = Path(p)
        if path.suffix != ".py" or not path.is_file():
            continue
        try:
            ast.parse(path.read_bytes(), filename=str(path))
        except SyntaxError as exc:
            where = f"{exc.filename or path}:{exc.lineno or 0}"
            return f"{where}: {exc.msg}"
    return None


def _report_log_path(argv: list[str]) -> str | None:
    for i, a in enumerate(argv):
        if a.startswith("--report-log="):
            return a.split("=", 1)[1]
        if a == "--report-log" and i + 1 < len(argv):
            return argv[i + 1]
    return None


def run_guard(
    project: Workspace | str | os.PathLike[str],
    *,
    command: str | None = None,
    python: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
    files: Iterable[str | os.PathLike[str]] = (),
    timeout_s: float = 600.0,
) -> GuardRun:
    """Run the guard once and read its result.

    Args:
        project: the project (or its workspace); setup.md gives the command.
        command: the test command (default: :func:`guard_command`).
        python: the interpreter for a bare ``python``/``pytest`` (default:
            :func:`project_python`).
        cwd: where to run it (default: the project folder).
        files: files the change touched; a syntax error in one of them is reported with
            file and line, and the command is not run.
        timeout_s: time limit.

    Returns:
        The :class:`GuardRun`; ``ran`` is ``False`` (with the reason in ``source``) when
        there is no command, a changed file does not parse, the command cannot start,
        times out, or ends without a report.
    """
    ws = _ws(project)
    command = command if command is not None else guard_command(ws)
    python = python or project_python(ws)
    if not command:
        return GuardRun(
            command="", ran=False, source="no test_command in .codeflash/setup.md", python=python
        )
    workdir = Path(cwd) if cwd is not None else ws.project
    syntax = check_syntax(files)
    if syntax is not None:
        syntax = syntax.replace(f"{workdir.resolve()}{os.sep}", "").replace(
            f"{workdir}{os.sep}", ""
        )
        return GuardRun(command=command, ran=False, source=f"syntax error: {syntax}", python=python)
    with tempfile.TemporaryDirectory(prefix="cfl-guard-") as tmp:
        report = str(Path(tmp) / "junit.xml")
        argv, kind = guard_argv(command, python=python, report=report)
        if kind == "report-log":
            report = _report_log_path(argv) or report
            if not os.path.isabs(report):
                report = str(workdir / report)
        env = {**os.environ, "NO_COLOR": "1", "PY_COLORS": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTEST_ADDOPTS", None)
        env.pop("PYTEST_CURRENT_TEST", None)
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                argv,
                cwd=workdir,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
                env=env,
            )
        except FileNotFoundError as exc:
            why = f"{exc.filename or argv[0]} not found"
            return GuardRun(command=command, ran=False, source=why, python=python)
        except subprocess.TimeoutExpired:
            why = f"did not finish within {timeout_s:g} s"
            return GuardRun(command=command, ran=False, source=why, python=python)
        elapsed = time.perf_counter() - started
        if kind == "exit-code":
            return GuardRun(
                command=command,
                ran=True,
                failed=0 if proc.returncode == 0 else 1,
                duration_s=elapsed,
                source=f"exit-code {proc.returncode} (no per-test report)",
                python=python,
            )
        reader = read_junit_xml if kind == "junit-xml" else read_report_log
        try:
            passed, failed, skipped, first = reader(report)
        except ValueError:
            tail = (proc.stderr or proc.stdout).strip().splitlines()
            why = tail[-1][:200] if tail else "no output"
            return GuardRun(
                command=command,
                ran=False,
                duration_s=elapsed,
                source=f"exit code {proc.returncode} without a report: {why}",
                python=python,
            )
    if failed == 0 and proc.returncode not in (0, 5):
        # pytest stopped before reporting a test (usage error, internal error)
        return GuardRun(
            command=command,
            ran=False,
            passed=passed,
            skipped=skipped,
            duration_s=elapsed,
            source=f"exit code {proc.returncode} with no failing test in the {kind} report",
            python=python,
        )
    source = kind if not first else f"{kind}; first failure {first[0]}"
    return GuardRun(
        command=command,
        ran=True,
        passed=passed,
        failed=failed,
        skipped=skipped,
        duration_s=elapsed,
        source=source,
        python=python,
        failures=tuple(f.split(": ", 1)[0] for f in first),
    )
