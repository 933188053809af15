"""``init``: create or refresh a project's ``.codeflash/`` without losing anything in it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.errors import ResultsFormatError, WorkspaceError
from codeflash_lab.workspace.conventions import Conventions, load_conventions
from codeflash_lab.workspace.discovery import Discovery, discover
from codeflash_lab.workspace.handoff import ensure_handoff, update_section
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.learnings import ensure_learnings, read_learnings
from codeflash_lab.workspace.results import ensure_results_file, read_results
from codeflash_lab.workspace.setup_md import SETUP_KEYS, write_setup_md

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["InitResult", "environment_section", "framework_section", "init_workspace"]


@dataclass(frozen=True, slots=True)
class InitResult:
    """What ``init`` did.

    Attributes:
        workspace: the project's workspace.
        discovery: the facts found.
        conventions: the conventions in force.
        created: files created now (relative to the project).
        updated: files that existed and were refreshed in part (setup.md's discovered
            keys; HANDOFF.md's Environment and Framework sections).
        kept: files that existed and were left exactly as they were.
        experiments: rows already in results.tsv.
        lessons: lines recorded in learnings.md by earlier sessions.
        warnings: problems found in existing files (nothing was changed in them).
        kept_fields: setup.md keys a person edited and init left alone, each with the
            value discovery found instead.
    """

    workspace: Workspace
    discovery: Discovery
    conventions: Conventions
    created: tuple[str, ...]
    updated: tuple[str, ...]
    kept: tuple[str, ...]
    experiments: int
    lessons: int
    warnings: tuple[str, ...]
    kept_fields: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "project": str(self.workspace.project),
            "discovery": self.discovery.to_dict(),
            "conventions": {k: v for k, v in self.conventions.to_dict().items() if k != "text"},
            "created": list(self.created),
            "updated": list(self.updated),
            "kept": list(self.kept),
            "experiments": self.experiments,
            "lessons": self.lessons,
            "warnings": list(self.warnings),
            "kept_fields": dict(self.kept_fields),
        }

    def to_text(self) -> str:
        """The progress line plus what was created, updated and kept."""
        lines = [self.discovery.progress_line()]
        if self.discovery.interpreter is not None:
            lines += self.discovery.interpreter.lines()
        lines += [
            f"kept {k} in setup.md (edited by hand); discovery found {v!r}"
            for k, v in self.kept_fields.items()
        ]
        if self.created:
            lines.append("created: " + ", ".join(self.created))
        if self.updated:
            lines.append("updated: " + ", ".join(self.updated))
        if self.kept:
            lines.append("kept: " + ", ".join(self.kept))
        if self.experiments:
            lines.append(f"results.tsv already holds {self.experiments} experiment(s)")
        if self.lessons:
            lines.append(
                f"learnings.md holds {self.lessons} lesson(s) from earlier sessions: read them first"
            )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def to_frame(self) -> pd.DataFrame:
        """The discovered facts, one row each (see :meth:`Discovery.to_frame`)."""
        return self.discovery.to_frame()

    def _repr_html_(self) -> str:
        import html

        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.to_text().splitlines())
        return f"<ul>{items}</ul>"


def environment_section(
    discovery: Discovery, conventions: Conventions, values: dict[str, str] | None = None
) -> str:
    """The body of HANDOFF.md's Environment section.

    Args:
        discovery: the facts found.
        conventions: the conventions in force.
        values: setup.md's keys as written (hand-edited ones win over discovery's).
    """
    guard = conventions.guard_command or "none"
    source = "none" if conventions.source is None else f"{conventions.scope} ({conventions.source})"
    facts = dict(values or {})
    runner = facts.get("runner", discovery.runner)
    tests = facts.get("test_command", discovery.test_command or "none")
    interpreter = facts.get("interpreter", "")
    version = facts.get("interpreter_version", "")
    lines = [f"- Python: {discovery.python} (from {discovery.python_source})"]
    if interpreter and interpreter != "none":
        lines.append(f"- Interpreter: `{interpreter}` (Python {version or 'unknown'})")
    return "\n".join(
        [
            *lines,
            f"- Runner: `{runner}`",
            f"- Tests: `{tests}`" if tests and tests != "none" else "- Tests: none found",
            f"- Guard command: `{guard}`" if conventions.guard_command else "- Guard command: none",
            f"- Conventions: {source}",
            f"- pre-commit: {'yes' if discovery.pre_commit else 'no'}",
        ]
    )


def framework_section(discovery: Discovery) -> str:
    """The body of HANDOFF.md's Framework section."""
    deps = ", ".join(discovery.async_deps) or "none"
    return f"- Framework: {discovery.framework}\n- Async-relevant dependencies: {deps}"


def init_workspace(
    project: str | os.PathLike[str],
    *,
    python: str | os.PathLike[str] | None = None,
    path_env: str | None = None,
) -> InitResult:
    """Discover the project and create (or refresh) its ``.codeflash/`` files.

    Writes setup.md (keeping keys a person edited since init last wrote them); creates results.tsv (header only), HANDOFF.md (template) and
    learnings.md when missing. An existing log, handoff or learnings file is never
    rewritten: only HANDOFF.md's Environment and Framework sections are refreshed.

    Args:
        project: the project folder.
        python: the project's interpreter, when the person names it (``--python PATH``).
        path_env: the ``PATH`` searched for environment managers (default: this process's).

    Raises:
        WorkspaceError: the folder does not exist, or ``.codeflash`` exists but is a file.
        ValueError: ``python`` is not an executable file.
    """
    discovery = discover(project, python=python, path_env=path_env)
    ws = Workspace(discovery.project)
    if ws.root.exists() and not ws.root.is_dir():
        raise WorkspaceError(f"{ws.root}: exists but is not a folder")
    created: list[str] = []
    updated: list[str] = []
    kept: list[str] = []
    warnings: list[str] = []

    def note(path: Path, was_created: bool, existing: list[str]) -> None:
        (created if was_created else existing).append(str(path.relative_to(ws.project)))

    if not ws.root.exists():
        ws.root.mkdir()
        created.append(".codeflash/")
    ws.runs_dir.mkdir(exist_ok=True)
    conventions = load_conventions(ws)
    had_setup = ws.setup_md.exists()
    written = write_setup_md(ws, discovery, conventions)
    note(ws.setup_md, not had_setup, updated)

    had_results = ws.results_tsv.exists() and ws.results_tsv.stat().st_size > 0
    ensure_results_file(ws.results_tsv)
    note(ws.results_tsv, not had_results, kept)
    experiments = 0
    try:
        experiments = len(read_results(ws.results_tsv))
    except ResultsFormatError as exc:
        warnings.append(f"{exc} (left as it is)")

    handoff, handoff_created = ensure_handoff(ws)
    note(handoff, handoff_created, updated)
    in_force = {k: written.values[k] for k in SETUP_KEYS}
    update_section(ws, "Environment", environment_section(discovery, conventions, in_force))
    update_section(ws, "Framework", framework_section(discovery))

    learnings, learnings_created = ensure_learnings(ws)
    note(learnings, learnings_created, kept)
    lessons = sum(
        1 for line in read_learnings(ws).splitlines() if line.lstrip().startswith(("- ", "* "))
    )
    return InitResult(
        workspace=ws,
        discovery=discovery,
        conventions=conventions,
        created=tuple(created),
        updated=tuple(updated),
        kept=tuple(kept),
        experiments=experiments,
        lessons=lessons,
        warnings=tuple(warnings),
        kept_fields=dict(written.kept),
    )
