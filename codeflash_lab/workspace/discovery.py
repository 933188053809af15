"""Discovery: what the project is (Python version, runner, tests, async framework, deps).

Reads files (pyproject.toml, lock files, ``.python-version``, requirements, the
project's own imports) and asks the project's interpreter for its version (see
``interpreter``); never runs the project's code. The file reading lives in
``project_config`` (Python version, test command, declared dependencies) and
``frameworks`` (imports, framework, async packages); this module combines them into
one :class:`Discovery` and re-exports ``FRAMEWORKS`` and ``ASYNC_PACKAGES``.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.workspace.frameworks import ASYNC_PACKAGES, FRAMEWORKS, _framework, _imports
from codeflash_lab.workspace.interpreter import Interpreter, find_interpreter
from codeflash_lab.workspace.project_config import (
    _declared_deps,
    _load_toml,
    _python,
    _test_command,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ASYNC_PACKAGES", "FRAMEWORKS", "Discovery", "discover"]


@dataclass(frozen=True, slots=True)
class Discovery:
    """What discovery found about one project.

    Attributes:
        project: the project folder.
        python: ``major.minor`` the fixes must support (e.g. ``"3.12"``).
        python_source: where that came from (``requires-python``, ``.python-version``,
            ``interpreter``).
        runner: the command prefix that runs Python in the project (``uv run python``,
            ``.venv/bin/python``, ...); a manager command only when it is on ``PATH``.
        test_command: how the tests run, or ``""`` when none were found.
        framework: one of :data:`FRAMEWORKS`, or ``"none"``.
        async_deps: async-relevant dependencies, sorted.
        pre_commit: the project has ``.pre-commit-config.yaml``.
        files_scanned: Python files read to find imports.
        interpreter: the project's interpreter (path, version, why it was picked).
    """

    project: Path
    python: str
    python_source: str
    runner: str
    test_command: str
    framework: str
    async_deps: tuple[str, ...]
    pre_commit: bool
    files_scanned: int
    interpreter: Interpreter | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        d = asdict(self)
        d["project"] = str(self.project)
        d["async_deps"] = list(self.async_deps)
        d["interpreter"] = self.interpreter.to_dict() if self.interpreter else None
        return d

    def progress_line(self) -> str:
        """``[discovery] Python 3.12, FastAPI project, 4 async-relevant deps``."""
        if self.framework == "none":
            kind = "no async framework found"
        elif self.framework == "plain asyncio":
            kind = "plain asyncio project"
        else:
            kind = f"{self.framework} project"
        n = len(self.async_deps)
        deps = f"{n} async-relevant dep{'s' if n != 1 else ''}"
        return f"[discovery] Python {self.python}, {kind}, {deps}"

    def __str__(self) -> str:
        return self.progress_line()

    def to_frame(self) -> pd.DataFrame:
        """One row per fact (``fact``, ``value``)."""
        import pandas as pd

        items = [
            (k, ", ".join(v) if isinstance(v, list) else v)
            for k, v in self.to_dict().items()
            if k != "interpreter"
        ]
        if self.interpreter is not None:
            items.append(("interpreter", self.interpreter.path))
        return pd.DataFrame(items, columns=["fact", "value"]).set_index("fact")

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in self.to_dict().items()
        )
        return f"<p>{html.escape(self.progress_line())}</p><table>{rows}</table>"


def discover(
    project: str | os.PathLike[str],
    *,
    python: str | os.PathLike[str] | None = None,
    path_env: str | None = None,
) -> Discovery:
    """Look at a project folder and say what it is.

    Args:
        project: the project folder.
        python: the project's interpreter, when the person names it (``--python PATH``).
        path_env: the ``PATH`` searched for environment managers (default: this process's).

    Returns:
        The :class:`Discovery`.

    Raises:
        WorkspaceError: the folder does not exist, or its pyproject.toml is not valid TOML.
        ValueError: ``python`` is not an executable file.
    """
    root = Path(project).resolve()
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root}: not a folder; give the project folder")
    if not root.is_dir():
        raise WorkspaceError(f"{root}: no such project folder")
    pyproject = _load_toml(root / "pyproject.toml")
    version, source = _python(root, pyproject)
    interpreter = find_interpreter(root, pyproject, python=python, path_env=path_env)
    runner = interpreter.runner
    if source == "interpreter" and interpreter.version:
        version = ".".join(interpreter.version.split(".")[:2])
    declared = _declared_deps(root, pyproject)
    imports, has_async, n = _imports(root)
    if declared:
        async_deps = declared & ASYNC_PACKAGES
    else:
        async_deps = {m.replace("_", "-") for m in imports} & ASYNC_PACKAGES
    return Discovery(
        project=root,
        python=version,
        python_source=source,
        runner=runner,
        test_command=_test_command(root, pyproject, runner, declared),
        framework=_framework(imports, has_async),
        async_deps=tuple(sorted(async_deps)),
        pre_commit=(root / ".pre-commit-config.yaml").exists(),
        files_scanned=n,
        interpreter=interpreter,
    )
