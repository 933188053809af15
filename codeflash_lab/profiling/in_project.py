"""Run a job on a target in the project's own interpreter, through the measuring child.

The child (``codeflash_lab/_child/measure.py``) is run by file path, so the project's
environment needs nothing of codeflash-lab (no Jupyter, no pandas): only the standard
library, plus yappi for a profile (see ``yappi_cache``). Object targets from a notebook
never come here; they keep running in the calling process.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from codeflash_lab.errors import MeasurementError, ProfilingError, TargetError
from codeflash_lab.targets import parse_target
from codeflash_lab.workspace.interpreter import Interpreter, project_python

__all__ = ["CHILD_DIR", "CHILD_SCRIPT", "interpreter_for", "run_job", "target_job"]

#: The measuring child's folder and entry point (standard library only, Python 3.9+).
CHILD_DIR = Path(__file__).resolve().parent.parent / "_child"
CHILD_SCRIPT = CHILD_DIR / "measure.py"


def interpreter_for(
    cwd: str | os.PathLike[str] | None, python: str | os.PathLike[str] | None = None
) -> Interpreter:
    """The interpreter a target resolved from ``cwd`` runs in (``python`` wins when given)."""
    if python is not None:
        return Interpreter(str(python), "", "given", "given by the caller", str(python), "given")
    return project_python(cwd)


def target_job(
    spec: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    allow_remote: bool = False,
    confine: str | None = None,
) -> dict[str, Any]:
    """The target part of a child job (the spec parsed here; nothing imported).

    Raises:
        TargetError: the spec does not parse (or is a URL that is not allowed).
    """
    target = parse_target(spec, allow_remote=allow_remote)
    return {
        "spec": spec,
        "target": {
            "kind": target.kind,
            "module": target.module,
            "path": target.path,
            "attr": target.attr,
        },
        "cwd": str(cwd) if cwd is not None else None,
        "confine": confine,
        "args": list(args),
        "kwargs": dict(kwargs or {}),
    }


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra or {})
    return env


def run_job(
    job: Mapping[str, Any],
    *,
    python: str | os.PathLike[str],
    cwd: str | os.PathLike[str] | None = None,
    timeout_s: float | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run one job in the child under ``python`` and return its result document.

    Args:
        job: the job (``mode`` plus its fields; ``out`` is filled in here).
        python: the interpreter to run the child with.
        cwd: the child's working folder.
        timeout_s: wall-clock limit of the whole child (``None``: none).
        env: extra environment variables.

    Returns:
        The child's result: ``{"run"|"lag"|"profile"|"call": ..., "python", "python_version"}``.

    Raises:
        TargetError: the target cannot be resolved or reached.
        ProfilingError: yappi is not importable for a profile job.
        MeasurementError: the child could not start, crashed or timed out.
    """
    label = job.get("spec", "?")
    fd, out_path = tempfile.mkstemp(prefix="codeflash-child-", suffix=".json")
    os.close(fd)
    try:
        proc = subprocess.run(
            [str(python), str(CHILD_SCRIPT)],
            input=json.dumps({**job, "out": out_path}),
            capture_output=True,
            text=True,
            cwd=str(cwd) if cwd else None,
            env=_env(env),
            timeout=timeout_s,
            check=False,
        )
        text = Path(out_path).read_text(encoding="utf-8")
        result = json.loads(text) if text else {}
    except subprocess.TimeoutExpired:
        raise MeasurementError(
            f"target {label!r}: measuring process did not finish within {timeout_s or 0:.0f} s"
        ) from None
    except OSError as exc:
        raise MeasurementError(
            f"target {label!r}: cannot start the interpreter {str(python)!r} ({exc.strerror or exc})"
        ) from None
    finally:
        Path(out_path).unlink(missing_ok=True)
    if "error" in result:
        kind = result.get("error_type")
        if kind == "TargetError":
            raise TargetError(result["error"])
        if kind == "YappiMissing":
            raise ProfilingError(result["error"])
        raise MeasurementError(f"target {label!r}: {result['error']}")
    if result:
        return dict(result)
    tail = (proc.stderr or "").strip().splitlines()
    why = tail[-1] if tail else f"exit code {proc.returncode}"
    raise MeasurementError(f"target {label!r}: measuring process failed in {python} ({why})")
