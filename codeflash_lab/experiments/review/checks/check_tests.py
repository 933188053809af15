"""Check ``tests``: the changed async functions run on an event loop under the project's tests.

The project's test command (``test_command`` in ``.codeflash/setup.md``) runs
under ``coverage run``; a body line of an ``async def`` only executes when a
loop drives the coroutine, so a changed line the tests never executed is code
the tests do not exercise the way production does.

Either way the check reports the guard that ran (command, counts, time, read from
junit XML by :mod:`codeflash_lab.experiments.guard`): when no async body changed the
project's tests still run once at the reviewed head, so a ticked box always rests
on a run.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from codeflash_lab._git import head_sha, run_git
from codeflash_lab.experiments.guard import project_python, read_junit_xml, run_guard
from codeflash_lab.experiments.review.context import FunctionSpan, ReviewContext, functions_in
from codeflash_lab.experiments.review.model import ReviewFinding
from codeflash_lab.workspace.experiment_record import GuardRun

__all__ = ["check_tests", "coverage_command"]

CHECK = "tests"
_RUNNERS = {"uv", "poetry", "pdm", "hatch", "pipenv", "rye"}
_PYTHON = re.compile(r"^(.*/)?python(\d+(\.\d+)?)?$")


@dataclass(frozen=True, slots=True)
class _Target:
    path: str
    fn: FunctionSpan
    lines: frozenset[int]


def coverage_command(
    test_command: str, *, data_file: str, include: list[str], rcfile: str, python: str
) -> list[str] | None:
    """The test command rewritten to run under ``coverage run``; ``None`` when not possible.

    Handles ``pytest ...``, ``python -m MODULE ...`` and either after a runner
    prefix (``uv run``, ``poetry run``, ...).

    Args:
        test_command: the project's test command.
        data_file: where coverage writes its data.
        include: absolute paths of the files to measure.
        rcfile: a coverage config file (an empty one keeps the project's config out).
        python: interpreter for ``pytest`` and bare ``python``/``python3`` commands
            without a runner prefix; an explicit interpreter path is kept.
    """
    try:
        tokens = shlex.split(test_command)
    except ValueError:
        return None
    prefix: list[str] = []
    if len(tokens) >= 2 and tokens[0] in _RUNNERS and tokens[1] == "run":
        prefix, tokens = tokens[:2], tokens[2:]
    if not tokens:
        return None
    if tokens[0] in {"pytest", "py.test"}:
        module, args = "pytest", tokens[1:]
        interpreter = [*prefix, "python"] if prefix else [python]
    elif _PYTHON.match(tokens[0]) and len(tokens) >= 3 and tokens[1] == "-m":
        module, args = tokens[2], tokens[3:]
        if prefix:
            interpreter = [*prefix, tokens[0]]
        elif tokens[0] in {"python", "python3"}:
            interpreter = [python]  # whichever "python" the project means: see _python_for
        else:
            interpreter = [tokens[0]]  # an explicit interpreter (.venv/bin/python, python3.12)
    else:
        return None
    return [
        *interpreter,
        "-m",
        "coverage",
        "run",
        f"--rcfile={rcfile}",
        f"--data-file={data_file}",
        f"--include={','.join(include)}",
        "-m",
        module,
        *args,
    ]


def _body_lines(fn: FunctionSpan) -> set[int]:
    lines: set[int] = set()
    body = list(fn.node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.stmt):
                lines.add(node.lineno)
    return lines


def _targets(ctx: ReviewContext) -> list[_Target]:
    out = []
    for changed, tree in ctx.changed_python():
        added = changed.added_lines
        for fn in functions_in(tree):
            if fn.is_async:
                lines = frozenset(_body_lines(fn) & added)
                if lines:
                    out.append(_Target(changed.path, fn, lines))
    return out


def _ranges(lines: list[int]) -> str:
    parts: list[str] = []
    start = prev = lines[0]
    for n in [*lines[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def _python_for(project: Path) -> str:
    """The project's interpreter (setup.md's ``interpreter``, else its environment)."""
    return project_python(project)


def _guard_at_head(ctx: ReviewContext, command: str, setup_rel: str) -> list[ReviewFinding]:
    """No async body changed: run the project's tests once at the reviewed head."""
    if head_sha(ctx.repo) != ctx.diff.head_sha:
        ctx.note(CHECK, "skipped", f"the reviewed head {ctx.diff.head[:20]} is not checked out")
        return []
    edited = [
        f
        for f in run_git(["diff", "--name-only", ctx.diff.head_sha], ctx.repo).split()
        if not f.startswith(".codeflash/")
    ]
    if edited:
        why = f"the working tree differs from the reviewed head in {', '.join(edited[:3])}"
        ctx.note(CHECK, "skipped", why)
        return []
    run = run_guard(ctx.workspace.project, command=command, timeout_s=ctx.test_timeout_s)
    if not run.ran:
        ctx.note(CHECK, "skipped", run.summary())
        return []
    ctx.note(CHECK, "ran", "no async def body changed; the project's tests ran", guard=run)
    if run.ok:
        return []
    return [
        ReviewFinding(
            CHECK,
            "error",
            setup_rel,
            0,
            f"the project's tests fail at the reviewed head: {run.summary()}",
            "a change whose tests fail proves nothing and may break callers",
        )
    ]


def check_tests(ctx: ReviewContext) -> list[ReviewFinding]:
    """Run the tests under coverage and report changed async lines they never execute.

    Args:
        ctx: the review context.

    Returns:
        A warning per changed async function whose changed body lines the tests do
        not execute, or one finding saying why the tests could not be run.
    """
    targets = _targets(ctx)
    setup_rel = os.path.relpath(ctx.workspace.setup_md, ctx.repo)
    if not targets:
        command = ctx.setup().get("test_command", "").strip()
        if not (ctx.run_tests and command):
            why = (
                "running the tests is off for this review"
                if command
                else f"{setup_rel} names no test command"
            )
            ctx.note(
                CHECK, "n/a", f"no line was added or changed inside an async def body, and {why}"
            )
            return []
        return _guard_at_head(ctx, command, setup_rel)

    def not_run(reason: str, severity: str = "warning") -> list[ReviewFinding]:
        ctx.note(CHECK, "skipped", f"tests not run: {reason}")
        names = ", ".join(sorted({t.fn.qualname for t in targets})[:5])
        return [
            ReviewFinding(
                CHECK,
                severity,
                setup_rel,
                0,
                f"tests not run: {reason}",
                f"nothing shows that the tests run the changed async code ({names}) on an "
                "event loop",
            )
        ]

    if not ctx.run_tests:
        return not_run("disabled for this review", "info")
    command = ctx.setup().get("test_command", "").strip()
    if not command:
        return not_run(f"no '- test_command: ...' line in {setup_rel}")
    if head_sha(ctx.repo) != ctx.diff.head_sha:
        return not_run(f"the reviewed head {ctx.diff.head[:20]} is not the checked-out commit")
    paths = sorted({t.path for t in targets})
    edited = run_git(["diff", "--name-only", ctx.diff.head_sha, "--", *paths], ctx.repo).split()
    if edited:
        return not_run(
            f"the working tree differs from the reviewed head in {', '.join(edited[:3])}"
        )
    project = ctx.workspace.project
    with tempfile.TemporaryDirectory(prefix="cfl-review-") as tmp:
        rcfile = Path(tmp) / "coveragerc"
        rcfile.write_text("[run]\n", encoding="utf-8")
        data_file = str(Path(tmp) / "coverage.data")
        include = sorted({str(ctx.repo / t.path) for t in targets})
        argv = coverage_command(
            command,
            data_file=data_file,
            include=include,
            rcfile=str(rcfile),
            python=_python_for(project),
        )
        if argv is None:
            return not_run(
                f"cannot run {command!r} under coverage (expected pytest or python -m ...)"
            )
        junit = Path(tmp) / "junit.xml"
        if "pytest" in argv[argv.index("run") :]:
            argv += [f"--junit-xml={junit}", "-o", "junit_family=xunit2"]
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                argv,
                cwd=project,
                capture_output=True,
                text=True,
                timeout=ctx.test_timeout_s,
                check=False,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        except FileNotFoundError as exc:
            return not_run(f"{exc.filename or argv[0]} not found")
        except subprocess.TimeoutExpired:
            return not_run(f"{command!r} did not finish within {ctx.test_timeout_s:g} s")
        if not Path(data_file).exists():
            output = (proc.stderr or proc.stdout).strip()
            if "No module named coverage" in output:
                return not_run(
                    f"coverage is not installed where {command!r} runs ({argv[0]}); install "
                    "it in the project's environment"
                )
            tail = output.splitlines()
            why = tail[-1] if tail else f"exit code {proc.returncode}"
            return not_run(f"{command!r} under coverage failed: {why}")
        from coverage import CoverageData

        data = CoverageData(basename=data_file)
        data.read()
        _note_guard(ctx, command, argv[0], junit, time.perf_counter() - started)
        findings: list[ReviewFinding] = []
        if proc.returncode not in (0, 5):
            findings.append(
                ReviewFinding(
                    CHECK,
                    "warning",
                    setup_rel,
                    0,
                    f"{command!r} exited {proc.returncode} (failing tests): coverage is partial",
                    "failing tests prove nothing about the changed code",
                )
            )
        for t in targets:
            executed = set(data.lines(str(ctx.repo / t.path)) or ())
            body = _body_lines(t.fn)
            missing = sorted(t.lines - executed)
            if not missing:
                continue
            if not body & executed:
                message = f"no test runs async def {t.fn.qualname} on an event loop"
            else:
                message = (
                    f"changed lines {_ranges(missing)} of async def {t.fn.qualname} are not "
                    "executed by the tests"
                )
            findings.append(
                ReviewFinding(
                    CHECK,
                    "warning",
                    t.path,
                    missing[0],
                    message,
                    "a coroutine's body only runs when an event loop drives it; tests that call "
                    "it synchronously or mock it never reach the gather/semaphore/pool logic "
                    "the change added",
                )
            )
        return findings


def _note_guard(ctx: ReviewContext, command: str, python: str, junit: Path, took: float) -> None:
    """Report the test run made under coverage as the guard run, when it wrote junit XML."""
    try:
        passed, failed, skipped, first = read_junit_xml(junit)
    except ValueError:
        ctx.note(CHECK, "ran", f"{command!r} ran under coverage; no per-test report")
        return
    source = "junit-xml, under coverage" + (f"; first failure {first[0]}" if first else "")
    names = tuple(f.split(": ", 1)[0] for f in first)
    run = GuardRun(command, True, passed, failed, skipped, took, source, python, names)
    ctx.note(CHECK, "ran", "the project's tests ran under coverage", guard=run)
