"""Run ``codeflash-lab`` commands in a subprocess from a notebook and read their output.

Measurements whose numbers go into results.tsv run this way: a fresh interpreter with the
CLI's process shape, never on the kernel's own event loop next to its extra threads.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeflash_lab.errors import CommandError

__all__ = ["CliRun", "codeflash"]


@dataclass(frozen=True)
class CliRun:
    """One finished ``codeflash-lab`` command.

    Attributes:
        args: the arguments after ``codeflash-lab``.
        returncode: the exit code (0 ok, 1 findings or regression, 2 error).
        stdout: standard output (the JSON document with ``--format json``).
        stderr: standard error (progress and human text in JSON mode).
        seconds: wall-clock time of the command.
    """

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def json(self) -> Any:
        """The JSON document on stdout.

        Raises:
            CommandError: stdout is not JSON (the command was not run with ``--format json``).
        """
        try:
            return json.loads(self.stdout)
        except ValueError as exc:
            raise CommandError(
                f"codeflash-lab {' '.join(self.args)}: stdout is not JSON ({exc})",
                args_run=self.args,
                returncode=self.returncode,
                stderr=self.stderr,
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {
            "args": list(self.args),
            "returncode": self.returncode,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "seconds": self.seconds,
        }

    def __str__(self) -> str:
        text = [f"$ codeflash-lab {' '.join(self.args)}  (exit {self.returncode})"]
        text += [part.rstrip() for part in (self.stderr, self.stdout) if part.strip()]
        return "\n".join(text)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


def codeflash(
    *args: str | os.PathLike[str] | int | float,
    project: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    check: bool = True,
    timeout_s: float = 600.0,
    env: Mapping[str, str] | None = None,
) -> CliRun:
    """Run ``python -m codeflash_lab ARGS`` in a subprocess and capture its output.

    Args:
        *args: the command and its options, e.g. ``"bench", url, "--format", "json"``.
        project: added as ``--project DIR`` when given (before a ``--`` that starts a
            command to run, as in ``debug -- python -m pytest``).
        cwd: the folder the command runs in (default: the kernel's).
        check: raise when the exit code is 2 or more (exit 1 means findings, not failure).
        timeout_s: seconds before the command is stopped.
        env: extra environment variables.

    Returns:
        The finished command.

    Raises:
        ValueError: no command given, or ``timeout_s`` not positive.
        CommandError: ``check`` is true and the command failed or timed out; the message
            carries the command's last error line.
    """
    if not args:
        raise ValueError("args: give at least the command name, e.g. 'status'")
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
    words: list[str] = [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args]
    if project is not None:
        cut = words.index("--") if "--" in words else len(words)
        words[cut:cut] = ["--project", str(Path(project))]
    cmd: Sequence[str] = [sys.executable, "-m", "codeflash_lab", *words]
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=cwd,
            env={**os.environ, **dict(env or {})},
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CommandError(
            f"codeflash-lab {' '.join(words)}: still running after {timeout_s:g} s; stopped",
            args_run=tuple(words),
            returncode=-1,
        ) from exc
    run = CliRun(
        tuple(words), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started
    )
    if check and proc.returncode >= 2:
        last = next((ln for ln in reversed(proc.stderr.splitlines()) if ln.strip()), "")
        raise CommandError(
            f"codeflash-lab {' '.join(words)} exited {proc.returncode}: {last}",
            args_run=tuple(words),
            returncode=proc.returncode,
            stderr=proc.stderr,
        )
    return run
