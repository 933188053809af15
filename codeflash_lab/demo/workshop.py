"""Workshop checker: did an attendee really fix one planted antipattern in their demo copy?

A fix passes when (1) the scanner no longer reports the antipattern in the
file it lived in, (2) the demo's tests pass (tests that belong to another,
still open exercise are only noted), and (3) an A/B benchmark of the attendee's
code against the same code with only this file restored is a KEEP by the
ledger's rules (for robustness fixes: no regression).
"""

from __future__ import annotations

import dataclasses
import html
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from codeflash_lab.demo.catalog import EXERCISES, Exercise, exercise
from codeflash_lab.demo.experiment import endpoint_label
from codeflash_lab.demo.servers import DemoServers
from codeflash_lab.demo.settings import DEMO_QUICK, DemoSettings
from codeflash_lab.errors import DemoError
from codeflash_lab.experiments.guard import run_guard
from codeflash_lab.scan import scan_paths

__all__ = [
    "WORKSHOP_EXERCISES",
    "CheckResult",
    "RunningCopy",
    "check_exercise",
    "hint",
    "open_findings",
    "running_copy",
]

#: The demo's test command, run by the guard in the workbench's interpreter.
_TESTS = "python -m pytest -o addopts= -q -p no:cacheprovider"

#: The workshop's exercises: every planted antipattern (the decoy is a demo-only lesson).
WORKSHOP_EXERCISES: tuple[Exercise, ...] = tuple(e for e in EXERCISES if not e.decoy)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The checker's answer for one exercise.

    Attributes:
        exercise: the exercise name.
        passed: every check that ran passed.
        finding_gone: the scanner no longer reports the antipattern in its file.
        tests_ok: the demo's tests pass (apart from other open exercises' tests).
        benchmark_ok: the benchmark agrees (``None`` when not measured).
        verdict: the rules' verdict on the benchmark (``""`` when not measured).
        details: one line per check, in order.
        hint: what to try next (``None`` when passed).
    """

    exercise: str
    passed: bool
    finding_gone: bool
    tests_ok: bool | None
    benchmark_ok: bool | None
    verdict: str
    details: tuple[str, ...]
    hint: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def to_text(self) -> str:
        """A verdict line, the details, and the hint when the check failed."""
        head = f"{self.exercise}: {'PASSED' if self.passed else 'NOT YET'}"
        lines = [head, *(f"  - {d}" for d in self.details)]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b35900"
        items = "".join(f"<li>{html.escape(d)}</li>" for d in self.details)
        tip = f"<p><b>Hint:</b> {html.escape(self.hint)}</p>" if self.hint else ""
        word = "Passed" if self.passed else "Not yet"
        return (
            f'<div><p style="color:{color}"><b>{html.escape(self.exercise)}: {word}</b></p>'
            f"<ul>{items}</ul>{tip}</div>"
        )


@dataclass(frozen=True, slots=True)
class RunningCopy:
    """Base URLs of a running copy of the demo service and of its fake upstream."""

    service: str
    upstream: str
    servers: DemoServers


@contextmanager
def running_copy(
    project_dir: str | os.PathLike[str],
    *,
    port: int = 0,
    upstream_port: int = 0,
    latency_ms: float = DEMO_QUICK.latency_ms,
) -> Iterator[RunningCopy]:
    """Run an attendee's copy and its fake upstream on 127.0.0.1 for the ``with`` block.

    Args:
        project_dir: the copy (holds ``shopfront/``).
        port: the service's port (0: any free one); give each seat its own.
        upstream_port: the upstream's port (0: any free one).
        latency_ms: the upstream's response time.

    Yields:
        The URLs (``.service``, ``.upstream``); both servers stop when the block ends.

    Raises:
        DemoError: a port is taken or a server does not start.
    """
    project = Path(project_dir).resolve()
    with DemoServers(project / ".codeflash-logs") as servers:
        upstream = servers.start_upstream(project, latency_ms=latency_ms, port=upstream_port).url
        service = servers.start_service("service", project, upstream_url=upstream, port=port)
        yield RunningCopy(service.url, upstream, servers)


def hint(name: str) -> str:
    """The hint of exercise ``name``.

    Raises:
        ValueError: unknown exercise.
    """
    return exercise(name).hint


def open_findings(item: Exercise, project_dir: str | os.PathLike[str]) -> list[str]:
    """Scanner findings of the exercise's category still in its file.

    The shipped file holds exactly one such finding, so any left (moved to another
    function or not) means the antipattern is still there.

    Returns:
        ``path:line: message`` for each finding still there.

    Raises:
        DemoError: the file does not exist (not a copy of the demo service).
    """
    path = Path(project_dir) / item.file
    if not path.is_file():
        raise DemoError(f"{path}: not found; is {project_dir} a copy of the demo service?")
    result = scan_paths([path], cache=False)
    return [
        f"{item.file}:{f.line}: {f.message}" for f in result.findings if f.category == item.pattern
    ]


def _copy_with_original(project: Path, item: Exercise, dest: Path) -> Path:
    """A copy of the project's package with only this exercise's file put back as shipped."""
    shutil.copytree(
        project / "shopfront",
        dest / "shopfront",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copyfile(item.original_path, dest / item.file)
    return dest


def _measure(item: Exercise, project: Path, settings: DemoSettings) -> tuple[bool, str, str]:
    """A/B benchmark: the shipped file (A) against the attendee's (B), on fresh servers."""
    from codeflash_lab.bench import BenchConfig, Measurable, compare

    with tempfile.TemporaryDirectory(prefix="codeflash-check-") as tmp:
        base_dir = _copy_with_original(project, item, Path(tmp) / "before")
        with DemoServers(Path(tmp) / "logs") as servers:
            upstream = servers.start_upstream(project, latency_ms=settings.latency_ms).url
            a = servers.start_service("before", base_dir, upstream_url=upstream).url
            b = servers.start_service("after", project, upstream_url=upstream).url
            label = endpoint_label(item.endpoint)
            config = BenchConfig(
                concurrency=settings.concurrency,
                duration_s=settings.run_s,
                min_run_s=settings.run_s,
                warmup_s=settings.warmup_s,
            )
            result = compare(
                dataclasses.replace(Measurable.of(a + item.endpoint), label="before"),
                dataclasses.replace(Measurable.of(b + item.endpoint), label="after"),
                config=config,
                preset=settings.preset,
                labels=("before", "after"),
                isolation=settings.isolation,
                save=False,
                progress=False,
                target_name=label,
            )
    doc = result.to_dict()
    a50, b50 = doc["a"]["latency_ms"].get("p50"), doc["b"]["latency_ms"].get("p50")
    a_t, b_t = doc["a"].get("throughput_ops_s"), doc["b"].get("throughput_ops_s")
    numbers = f"{label}: p50 {a50:.1f}ms -> {b50:.1f}ms, {a_t:.0f} -> {b_t:.0f} req/s"
    if item.expect == "robustness":
        ok = not result.regression
        return ok, result.verdict, f"{numbers} ({'no regression' if ok else result.reason})"
    return result.verdict == "KEEP", result.verdict, f"{numbers}: {result.ruling.line()}"


def check_exercise(
    name: str,
    project_dir: str | os.PathLike[str],
    *,
    measure: bool = True,
    settings: DemoSettings = DEMO_QUICK,
) -> CheckResult:
    """Check an attendee's fix of exercise ``name`` in their copy of the demo service.

    Args:
        name: the exercise (see :data:`WORKSHOP_EXERCISES`).
        project_dir: the attendee's copy (holds ``shopfront/`` and ``tests/``).
        measure: also run the A/B benchmark (a few seconds; it starts its own servers
            on free local ports, so attendees never collide).
        settings: measurement sizes (default: the quick preset).

    Returns:
        The :class:`CheckResult`, with a hint when a check failed.

    Raises:
        ValueError: unknown exercise.
        DemoError: the folder is not a copy of the demo service, or a server cannot start.
    """
    item = exercise(name)
    if item.decoy:
        raise ValueError(f"name: {name!r} is the demo's decoy, not a workshop exercise")
    project = Path(project_dir).resolve()
    details: list[str] = []
    still = open_findings(item, project)
    finding_gone = not still
    details.append(
        f"scanner: no {item.pattern} finding left in {item.file}"
        if finding_gone
        else f"scanner still reports: {still[0]}"
    )
    # the guard: the demo's tests, counted from junit XML; a file that does not parse is named
    tests = run_guard(project, command=_TESTS, python=sys.executable, files=[project / item.file])
    others = {t for e in EXERCISES if e.name != item.name for t in e.tests}
    own = [f for f in tests.failures if f.rsplit("::", 1)[-1] not in others]
    own = own if tests.ran else [f"tests not run: {tests.source}"]
    tests_ok = not own and tests.passed > 0 and tests.failed == len(tests.failures)
    text = f"tests: {tests.passed} passed, {tests.failed} failed" if tests.ran else own[0]
    if tests.failed and not own:
        text += " (only tests of other exercises still open)"
    details.append(text)
    benchmark_ok: bool | None = None
    verdict = ""
    if measure and item.measured:
        if finding_gone and tests_ok:
            benchmark_ok, verdict, line = _measure(item, project, settings)
            details.append(f"benchmark: {line}")
        else:
            details.append("benchmark: skipped until the scanner and the tests agree")
    passed = finding_gone and tests_ok and benchmark_ok is not False
    if measure and item.measured and benchmark_ok is None:
        passed = False
    tip = None
    if not passed:
        tip = item.hint
        if finding_gone and tests_ok and benchmark_ok is False and verdict == "INCONCLUSIVE":
            tip = (
                "the benchmark could not separate the change from this machine's noise within "
                "its budget: check again when the machine is quieter"
            )
        elif finding_gone and tests_ok and benchmark_ok is False:
            tip = (
                "the code looks fixed but the benchmark does not show the gain: is the fixed "
                "path really the one the request takes? " + item.hint
            )
        elif finding_gone and not tests_ok:
            tip = "the antipattern is gone but a test fails: " + "; ".join(own)
    return CheckResult(item.name, passed, finding_gone, tests_ok, benchmark_ok, verdict,
                       tuple(details), tip)  # fmt: skip
