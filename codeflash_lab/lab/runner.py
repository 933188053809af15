"""A small headless notebook runner on nbclient: parameters, per-cell timeouts, readable failures.

It works around nbclient issue #312 (a cell holding an ipywidgets Output can stall until its
timeout although the kernel already replied) by polling the shell channel in short slices.
"""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeflash_lab.errors import NotebookError

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "PARAMETERS_TAG",
    "POLL_SLICE_S",
    "CellRun",
    "NotebookRun",
    "inject_parameters",
    "run_notebook",
    "strip_ansi",
]

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
DEFAULT_TIMEOUT_S = 120.0
POLL_SLICE_S = 1.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def strip_ansi(text: str) -> str:
    """Remove ANSI colour and cursor codes from ``text`` (IPython tracebacks carry them)."""
    return _ANSI.sub("", text)


def _parameters_source(parameters: Mapping[str, Any]) -> str:
    lines = ["# Parameters injected by codeflash_lab.lab.run_notebook"]
    for name, value in parameters.items():
        if not name.isidentifier():
            raise ValueError(f"parameters: {name!r} is not a valid Python name")
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        lines.append(f"{name} = {value!r}")
    return "\n".join(lines) + "\n"


def inject_parameters(nb: Any, parameters: Mapping[str, Any]) -> Any:
    """Insert (or replace) an ``injected-parameters`` cell after the ``parameters`` cell.

    The convention is papermill's: the notebook's defaults live in the cell tagged
    ``parameters``; the injected cell right after it overrides them. Without a tagged cell the
    injected cell goes first. The notebook is changed in place and returned.

    Args:
        nb: an ``nbformat`` notebook node.
        parameters: names and values; values are written with ``repr`` (paths as strings).

    Returns:
        The same notebook node.

    Raises:
        ValueError: a parameter name is not a Python identifier.
    """
    import nbformat

    if not parameters:
        return nb
    cell = nbformat.v4.new_code_cell(_parameters_source(parameters))  # type: ignore[no-untyped-call]
    cell.metadata["tags"] = [INJECTED_TAG]
    cells = nb.cells
    for i, existing in enumerate(cells):
        if INJECTED_TAG in existing.metadata.get("tags", []):
            cell.id = existing.get("id", cell.id)
            cells[i] = cell
            return nb
    where = 0
    for i, existing in enumerate(cells):
        if PARAMETERS_TAG in existing.metadata.get("tags", []):
            where = i + 1
            break
    cells.insert(where, cell)
    return nb


@dataclass(frozen=True)
class CellRun:
    """How long one code cell took.

    Attributes:
        index: 0-based index of the cell in the executed notebook.
        seconds: wall-clock time from sending the cell to the kernel's reply.
        first_line: the cell's first source line (to recognise it).
    """

    index: int
    seconds: float
    first_line: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"index": self.index, "seconds": self.seconds, "first_line": self.first_line}


@dataclass(frozen=True)
class NotebookRun:
    """A notebook executed top to bottom without error.

    Attributes:
        path: the source notebook.
        output_path: where the executed notebook was written (``None`` if not written).
        seconds: total wall-clock time including kernel start and shutdown.
        cells: per-cell timings, in order.
        parameters: the injected parameters.
    """

    path: Path
    output_path: Path | None
    seconds: float
    cells: tuple[CellRun, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def slowest(self, n: int = 3) -> tuple[CellRun, ...]:
        """The ``n`` slowest cells, slowest first."""
        return tuple(sorted(self.cells, key=lambda c: c.seconds, reverse=True)[:n])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {
            "path": str(self.path),
            "output_path": str(self.output_path) if self.output_path else None,
            "seconds": self.seconds,
            "cells": [c.to_dict() for c in self.cells],
            "parameters": {k: _jsonable(v) for k, v in self.parameters.items()},
        }

    def to_frame(self) -> Any:
        """Per-cell timings as a pandas DataFrame (columns index, seconds, first_line)."""
        import pandas as pd

        return pd.DataFrame(
            [c.to_dict() for c in self.cells], columns=["index", "seconds", "first_line"]
        )

    def __str__(self) -> str:
        slow = ", ".join(f"cell {c.index} {c.seconds:.1f}s" for c in self.slowest())
        return f"{self.path.name}: ok in {self.seconds:.1f}s ({len(self.cells)} cells; slowest: {slow})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{c.index}</td><td>{c.seconds:.2f}</td><td><code>{html.escape(c.first_line)}"
            "</code></td></tr>"
            for c in self.cells
        )
        return (
            f"<p><b>{html.escape(self.path.name)}</b>: ok in {self.seconds:.1f} s</p>"
            f"<table><tr><th>cell</th><th>s</th><th>first line</th></tr>{rows}</table>"
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


def _install_sliced_polling(client: Any) -> None:
    """Make ``client`` poll the shell channel in short slices (nbclient #312 workaround).

    nbclient awaits the execute reply on the shell socket while its Output-widget emulation
    may send on that same socket; the await then misses the reply until it times out. A
    fresh poll every ``POLL_SLICE_S`` seconds sees the reply that is already waiting.
    """
    from queue import Empty

    from nbclient.util import ensure_async

    channel = client.kc.shell_channel
    original = channel.get_msg

    # Same signature as jupyter_client's channel method it replaces.
    async def get_msg(timeout: float | None = None) -> Any:  # noqa: ASYNC109
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if deadline is None:
                slice_s = POLL_SLICE_S
            else:
                slice_s = max(0.0, min(POLL_SLICE_S, deadline - time.monotonic()))
            try:
                return await ensure_async(original(timeout=slice_s))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


def _cell_timeout(default_s: float) -> Callable[[Any], int]:
    """Per-cell timeout: ``metadata.timeout_s`` on a cell overrides the default."""

    def timeout_for(cell: Any) -> int:
        value = cell.get("metadata", {}).get("timeout_s", default_s)
        return max(1, round(float(value)))

    return timeout_for


def _error_output(cell: Any) -> tuple[str, str, str]:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = strip_ansi("\n".join(out.get("traceback", [])))
            return out.get("ename", ""), strip_ansi(out.get("evalue", "")), tb
    return "", "", ""


def _failure(path: Path, nb: Any, index: int | None, exc: BaseException) -> NotebookError:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    source = ""
    ename, evalue, tb = "", "", ""
    if index is not None and 0 <= index < len(nb.cells):
        source = nb.cells[index].source
        ename, evalue, tb = _error_output(nb.cells[index])
    if isinstance(exc, CellTimeoutError):
        ename, evalue, tb = "CellTimeoutError", strip_ansi(str(exc)).splitlines()[0], ""
    elif isinstance(exc, DeadKernelError):
        ename, evalue = "DeadKernelError", str(exc)
    elif isinstance(exc, CellExecutionError) and not ename:
        ename, evalue, tb = exc.ename, strip_ansi(exc.evalue), strip_ansi(exc.traceback)
    elif not ename:
        ename, evalue = type(exc).__name__, strip_ansi(str(exc))
    where = f"cell {index}" if index is not None else "kernel start"
    message = f"{path}: {where} failed: {ename}: {evalue}"
    if source:
        message += "\n--- cell source ---\n" + source.rstrip()
    if tb:
        message += "\n--- traceback ---\n" + tb.rstrip()
    return NotebookError(
        message,
        path=str(path),
        cell_index=index,
        source=source,
        ename=ename,
        evalue=evalue,
        traceback=tb,
    )


def run_notebook(
    path: str | os.PathLike[str],
    *,
    parameters: Mapping[str, Any] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    startup_timeout_s: float = 60.0,
    output_path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    kernel_name: str = "python3",
) -> NotebookRun:
    """Execute a notebook top to bottom in a fresh Jupyter kernel.

    Every cell has a timeout (``timeout_s``, or the cell's ``metadata.timeout_s``); there is
    no way to run without one, because a stalled cell would otherwise hang for ever.

    Args:
        path: the ``.ipynb`` file; it is read, never modified.
        parameters: values injected after the cell tagged ``parameters`` (papermill style).
        cwd: the kernel's working folder (default: the notebook's folder).
        timeout_s: seconds allowed per cell; must be positive.
        startup_timeout_s: seconds allowed for the kernel to start.
        output_path: write the executed notebook here (also when a cell fails).
        env: extra environment variables for the kernel process.
        kernel_name: the Jupyter kernel to use (``python3`` is the running interpreter).

    Returns:
        The run's timings.

    Raises:
        ValueError: ``timeout_s`` is not positive, or a parameter name is invalid.
        FileNotFoundError: ``path`` does not exist.
        NotebookError: a cell raised or timed out, or the kernel died; the message names
            the notebook and cell and holds its source and a traceback without ANSI codes.
    """
    import nbformat
    from nbclient import NotebookClient

    if not timeout_s or timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
    src = Path(path)
    if not src.is_file():
        raise FileNotFoundError(f"no notebook at {src}")
    nb = nbformat.read(src, as_version=4)  # type: ignore[no-untyped-call]
    params = dict(parameters or {})
    inject_parameters(nb, params)
    workdir = Path(cwd) if cwd is not None else src.resolve().parent

    state: dict[str, Any] = {"index": None, "start": 0.0}
    timings: list[CellRun] = []

    def on_start(**_: Any) -> None:
        _install_sliced_polling(client)

    def on_cell_execute(cell: Any, cell_index: int, **_: Any) -> None:
        state["index"] = cell_index
        state["start"] = time.monotonic()

    def on_cell_executed(cell: Any, cell_index: int, **_: Any) -> None:
        first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
        timings.append(CellRun(cell_index, time.monotonic() - state["start"], first[:80]))

    client = NotebookClient(
        nb,
        timeout=max(1, round(timeout_s)),
        timeout_func=_cell_timeout(timeout_s),
        startup_timeout=max(1, round(startup_timeout_s)),
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(workdir)}},
        on_notebook_start=on_start,
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
        raise_on_iopub_timeout=False,
        # The kernel only talks to this process over loopback; keep its start-up chatter quiet.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    kernel_env = {**os.environ, **dict(env or {})}
    kernel_env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    started = time.monotonic()
    try:
        client.execute(env=kernel_env)
    except Exception as exc:
        error = _failure(src, nb, state["index"], exc)
        if output_path is not None:
            Path(output_path).parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, Path(output_path))  # type: ignore[no-untyped-call]
        raise error from None
    elapsed = time.monotonic() - started
    out = Path(output_path) if output_path is not None else None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)  # type: ignore[no-untyped-call]
    return NotebookRun(src, out, elapsed, tuple(timings), params)
