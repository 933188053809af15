"""The project's own Python: which interpreter runs its code, and which command runs it.

Looked for in order: an explicit ``--python``, an in-project virtualenv (``.venv``,
``venv``, ``env``), then the environment of the project's manager (Poetry, Hatch, PDM,
conda) when that manager's command is on ``PATH``. A manager whose command is missing
is never named as the runner; it is listed in the notes instead. With nothing found,
the interpreter codeflash-lab itself runs in is used, and the reason says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeflash_lab.workspace.project_config import _table

__all__ = [
    "Interpreter",
    "find_interpreter",
    "interpreter_version",
    "managers",
    "project_python",
]

#: In-project virtualenv folders, in the order they are tried.
VENV_DIRS = (".venv", "venv", "env")
_VENV_EXES = ("bin/python", "Scripts/python.exe")
_QUERY_TIMEOUT_S = 30.0
_VERSION_CODE = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


@dataclass(frozen=True, slots=True)
class Interpreter:
    """The Python that runs the project's code.

    Attributes:
        path: absolute path of the interpreter.
        version: its ``major.minor.micro`` (``""`` when it could not be run).
        source: where it came from: ``--python``, ``.venv``/``venv``/``env``, ``poetry``,
            ``hatch``, ``pdm``, ``conda``, ``setup.md`` or ``codeflash-lab`` (the tool's own).
        reason: one line saying why it was picked.
        runner: the command prefix that runs Python in the project (a manager command
            only when that command is on ``PATH``).
        runner_reason: one line saying why that runner.
        notes: managers seen but not used, and why.
    """

    path: str
    version: str
    source: str
    reason: str
    runner: str
    runner_reason: str
    notes: tuple[str, ...] = field(default=())

    @property
    def is_tool_interpreter(self) -> bool:
        """True when no project environment was found (targets run in the tool's Python)."""
        return self.source == "codeflash-lab"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "path": self.path,
            "version": self.version,
            "source": self.source,
            "reason": self.reason,
            "runner": self.runner,
            "runner_reason": self.runner_reason,
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """``[discovery]`` lines: the interpreter, the runner and each note."""
        version = self.version or "version unknown"
        out = [
            f"[discovery] interpreter: {self.path} (Python {version}; {self.reason})",
            f"[discovery] runner: {self.runner} ({self.runner_reason})",
        ]
        out += [f"[discovery] note: {n}" for n in self.notes]
        return out


def managers(project: Path, pyproject: dict[str, Any]) -> list[tuple[str, str]]:
    """Environment managers the project's files point at: ``(command, evidence)`` in order.

    Args:
        project: the project folder.
        pyproject: its parsed ``pyproject.toml`` (``{}`` without one).
    """
    tool = _table(pyproject.get("tool"))
    found: list[tuple[str, str]] = []
    if (project / "uv.lock").exists():
        found.append(("uv", "uv.lock"))
    elif "uv" in tool:
        found.append(("uv", "[tool.uv] in pyproject.toml"))
    if (project / "poetry.lock").exists():
        found.append(("poetry", "poetry.lock"))
    elif "poetry" in tool:
        found.append(("poetry", "[tool.poetry] in pyproject.toml"))
    if (project / "pdm.lock").exists():
        found.append(("pdm", "pdm.lock"))
    elif "pdm" in tool:
        found.append(("pdm", "[tool.pdm] in pyproject.toml"))
    if (project / "hatch.toml").exists():
        found.append(("hatch", "hatch.toml"))
    elif "envs" in _table(tool.get("hatch")):
        found.append(("hatch", "[tool.hatch.envs] in pyproject.toml"))
    for name in ("environment.yml", "environment.yaml"):
        if (project / name).exists():
            found.append(("conda", name))
            break
    return found


def interpreter_version(path: str | os.PathLike[str]) -> str:
    """``major.minor.micro`` of the interpreter at ``path`` (``""`` when it does not run)."""
    try:
        proc = subprocess.run(
            [str(path), "-c", _VERSION_CODE],
            capture_output=True,
            text=True,
            timeout=_QUERY_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    m = re.search(r"(\d+\.\d+\.\d+)", proc.stdout or "")
    return m.group(1) if proc.returncode == 0 and m else ""


def _query(cmd: list[str], project: Path, path_env: str | None) -> str:
    """The last non-empty stdout line of a manager query (``""`` when it fails)."""
    env = dict(os.environ)
    if path_env is not None:
        env["PATH"] = path_env
    try:
        proc = subprocess.run(
            cmd,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=_QUERY_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = [ln.strip() for ln in (proc.stdout or "").splitlines() if ln.strip()]
    return lines[-1] if proc.returncode == 0 and lines else ""


def _conda_env_name(project: Path) -> str:
    for name in ("environment.yml", "environment.yaml"):
        path = project / name
        if path.exists():
            m = re.search(r"^name:\s*['\"]?([\w.-]+)", path.read_text(errors="replace"), re.M)
            return m.group(1) if m else ""
    return ""


def _manager_python(name: str, exe: str, project: Path, path_env: str | None) -> str:
    """The interpreter of ``name``'s environment for this project (``""`` when none yet)."""
    if name == "poetry":
        found = _query([exe, "env", "info", "--executable"], project, path_env)
    elif name == "pdm":
        found = _query([exe, "info", "--python"], project, path_env)
    elif name == "hatch":
        env_dir = _query([exe, "env", "find", "default"], project, path_env)
        found = ""
        for rel in _VENV_EXES:
            if env_dir and (Path(env_dir) / rel).exists():
                found = str(Path(env_dir) / rel)
                break
    elif name == "conda":
        env = _conda_env_name(project)
        code = "import sys; print(sys.executable)"
        found = (
            _query([exe, "run", "-n", env, "python", "-c", code], project, path_env) if env else ""
        )
    else:  # uv keeps its environment in .venv, which is looked for first
        found = ""
    return found if found and Path(found).exists() else ""


def _in_project_venv(project: Path) -> tuple[str, Path] | None:
    for folder in VENV_DIRS:
        for rel in _VENV_EXES:
            exe = project / folder / rel
            if exe.exists():
                return folder, exe
    return None


def find_interpreter(
    project: str | os.PathLike[str],
    pyproject: dict[str, Any] | None = None,
    *,
    python: str | os.PathLike[str] | None = None,
    path_env: str | None = None,
) -> Interpreter:
    """Find the project's interpreter and the command that runs Python in it.

    Args:
        project: the project folder.
        pyproject: its parsed ``pyproject.toml`` (read when ``None``).
        python: an interpreter given by the person (``--python PATH``); wins over the rest.
        path_env: the ``PATH`` searched for manager commands (default: this process's).

    Returns:
        The :class:`Interpreter`.

    Raises:
        ValueError: ``python`` is given but is not an executable file.
    """
    root = Path(project).resolve()
    if pyproject is None:
        pyproject = _read_pyproject(root)
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    found = managers(root, pyproject)
    notes: list[str] = []
    usable: list[tuple[str, str, str]] = []  # (name, exe, evidence)
    for name, evidence in found:
        command = shutil.which(name, path=path_env)
        if command is None:
            notes.append(f"{evidence} found but `{name}` is not on PATH: not used")
        else:
            usable.append((name, command, evidence))

    def runner_for(exe_path: Path) -> tuple[str, str]:
        if usable:
            name, _exe, evidence = usable[0]
            return f"{name} run python", f"{evidence} found and `{name}` is on PATH"
        try:
            rel = exe_path.relative_to(root)
            shown = str(rel)
        except ValueError:
            shown = str(exe_path)
        return shown, "the interpreter itself: no environment manager command on PATH"

    def make(exe: Path, source: str, reason: str) -> Interpreter:
        runner, why = runner_for(exe)
        version = interpreter_version(exe)
        if not version:
            notes.append(f"{exe} did not run (`{exe} -c ...` failed)")
        return Interpreter(str(exe), version, source, reason, runner, why, tuple(notes))

    if python is not None:
        exe = Path(python).expanduser()
        if not exe.is_absolute():
            exe = Path.cwd() / exe
        if not exe.is_file() or not os.access(exe, os.X_OK):
            raise ValueError(f"python: {str(python)!r} is not an executable file")
        return make(exe, "--python", "given with --python")
    venv = _in_project_venv(root)
    if venv is not None:
        folder, exe = venv
        return make(exe, folder, f"the project's own virtualenv {folder}/")
    for name, exe_cmd, evidence in usable:
        env_python = _manager_python(name, exe_cmd, root, path_env)
        if env_python:
            return make(Path(env_python), name, f"{evidence}: the environment `{name}` reports")
        hint = {
            "uv": "run `uv sync` to create .venv",
            "poetry": "run `poetry install` to create it",
            "pdm": "run `pdm install` to create it",
            "hatch": "run `hatch env create` to create it",
            "conda": "create it with `conda env create -f environment.yml`",
        }[name]
        notes.append(f"{evidence} found but no `{name}` environment exists yet; {hint}")
    runner, why = ("python", "no project environment and no manager command on PATH")
    if usable:
        runner, why = runner_for(Path(sys.executable))
    return Interpreter(
        sys.executable,
        ".".join(str(v) for v in sys.version_info[:3]),
        "codeflash-lab",
        "no project environment found: targets run in the interpreter codeflash-lab runs in",
        runner,
        why,
        tuple(notes),
    )


def _read_pyproject(root: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _main_worktree_folder(folder: Path) -> Path | None:
    """For a folder in a linked git worktree: the same folder in the main worktree."""
    from codeflash_lab._git import run_git

    try:
        out = run_git(
            ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir"],
            folder,
        ).split("\n")
    except Exception:
        return None
    if len(out) < 2:
        return None
    top, common = Path(out[0].strip()), Path(out[1].strip())
    main = common.parent if common.name == ".git" else None
    if main is None or main.resolve() == top.resolve():
        return None
    try:
        return main / folder.resolve().relative_to(top.resolve())
    except ValueError:
        return None


def project_python(folder: str | os.PathLike[str] | None) -> Interpreter:
    """The interpreter that runs targets found in ``folder``.

    The ``interpreter`` line of the nearest ``.codeflash/setup.md`` (in ``folder`` or a
    parent; for a temporary git worktree, in the main worktree) wins; without one,
    :func:`find_interpreter` looks at the folder itself.

    Args:
        folder: the folder targets are resolved from (``None``: the current folder).
    """
    from codeflash_lab.workspace.setup_md import parse_setup_md

    start = Path(folder if folder is not None else Path.cwd()).resolve()
    candidates = [start]
    if not (start / ".codeflash").is_dir():
        main = _main_worktree_folder(start)
        if main is not None:
            candidates.append(main)
    for base in candidates:
        for d in (base, *base.parents):
            setup = d / ".codeflash" / "setup.md"
            if not setup.is_file():
                continue
            facts = parse_setup_md(setup.read_text(encoding="utf-8", errors="replace"))
            path = facts.get("interpreter", "")
            exe = Path(path).expanduser() if path and path != "none" else None
            if exe is not None and not exe.is_absolute():
                exe = d / exe  # a hand-written relative path is relative to the project
            if exe is not None and exe.is_file():
                return Interpreter(
                    str(exe),
                    facts.get("interpreter_version", ""),
                    "setup.md",
                    f"the interpreter named in {setup}",
                    facts.get("runner", path),
                    "from setup.md",
                )
            break
    for base in candidates:
        if _in_project_venv(base) is not None:
            return find_interpreter(base)
    return find_interpreter(start)
