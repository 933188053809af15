"""The machine around a measurement: CPU shares from /proc/stat and the environment record."""

from __future__ import annotations

import asyncio
import functools
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from codeflash_lab._git import head_sha, is_dirty, is_git_repo

__all__ = [
    "CpuSample",
    "capture_environment",
    "cpu_shares",
    "git_state",
    "loop_version",
    "measurement_root",
    "nest_asyncio_applied",
    "our_cpu_seconds",
    "run_interpreter",
    "take_cpu_sample",
]


@dataclass(frozen=True, slots=True)
class CpuSample:
    """One reading of the clocks needed for CPU shares.

    Attributes:
        wall_s: ``time.perf_counter()``.
        process_cpu_s: this process's user + system CPU seconds.
        machine_busy: busy jiffies of all CPUs (``None`` without /proc/stat).
        machine_total: all jiffies of all CPUs (``None`` without /proc/stat).
        ours: ``{pid: cpu jiffies}`` of our own processes (the tool, its measuring
            children, servers it started), ``None`` without /proc.
    """

    wall_s: float
    process_cpu_s: float
    machine_busy: int | None
    machine_total: int | None
    ours: dict[int, int] | None = None


def _read_proc_stat() -> tuple[int, int] | tuple[None, None]:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None, None
    if not fields or fields[0] != "cpu":
        return None, None
    values = [int(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already inside user/nice
    return total - idle, total


def measurement_root() -> int:
    """The process whose tree is "ours": this process (the tool measuring in-process), or
    ``CODEFLASH_LAB_ROOT_PID`` when set. A fresh measuring child counts its parent, the
    tool, as the root (``codeflash_lab/_child/_cflab_stats.py``).
    """
    env = os.environ.get("CODEFLASH_LAB_ROOT_PID", "")
    return int(env) if env.isdigit() else os.getpid()


def _proc_table() -> dict[int, tuple[int, int]] | None:
    """``{pid: (ppid, utime + stime jiffies)}`` of every readable process."""
    table: dict[int, tuple[int, int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        rest = text.rsplit(")", 1)[-1].split()
        if len(rest) < 13:
            continue
        table[int(entry)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
    return table


def _children(pid: int) -> list[int] | None:
    """Children of ``pid`` from ``/proc/<pid>/task/*/children`` (``None``: not available)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out: list[int] = []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                out.extend(int(c) for c in fh.read().split())
        except FileNotFoundError:
            return None
        except OSError:
            continue
    return out


def _cpu_jiffies(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            rest = fh.read().rsplit(")", 1)[-1].split()
    except OSError:
        return None
    return int(rest[11]) + int(rest[12]) if len(rest) >= 13 else None


def our_cpu_seconds(root: int | None = None) -> dict[int, int] | None:
    """CPU jiffies of ``root`` (default :func:`measurement_root`) and all its descendants.

    These are the tool, its measuring children and the servers it started: the server
    under test and our own processes are never "other load". The tree is walked through
    ``/proc/<pid>/task/*/children``; without it, every process's ``stat`` is read.
    """
    root = measurement_root() if root is None else root
    ours: dict[int, int] = {}
    stack = [root, os.getpid()]
    while stack:
        pid = stack.pop()
        if pid in ours:
            continue
        cpu = _cpu_jiffies(pid)
        if cpu is None:
            continue
        kids = _children(pid)
        if kids is None:
            return _our_cpu_by_table(root)
        ours[pid] = cpu
        stack.extend(kids)
    return ours or None


def _our_cpu_by_table(root: int) -> dict[int, int] | None:
    table = _proc_table()
    if table is None:
        return None
    children: dict[int, list[int]] = {}
    for pid, (ppid, _cpu) in table.items():
        children.setdefault(ppid, []).append(pid)
    ours: dict[int, int] = {}
    stack = [root, os.getpid()]
    while stack:
        pid = stack.pop()
        if pid in ours or pid not in table:
            continue
        ours[pid] = table[pid][1]
        stack.extend(children.get(pid, ()))
    return ours


def take_cpu_sample() -> CpuSample:
    """Read wall time, this process's CPU time, the machine's jiffies and our processes'."""
    ours = our_cpu_seconds()
    busy, total = _read_proc_stat()
    times = os.times()
    return CpuSample(time.perf_counter(), times.user + times.system, busy, total, ours)


def cpu_shares(before: CpuSample, after: CpuSample) -> tuple[float, float | None]:
    """CPU shares between two samples.

    Returns:
        ``(client_cpu, background_busy)``: this process's CPU seconds per wall second
        (1.0 = one full core), and the share of the whole machine's CPU used by *other*
        processes (0..1; ``None`` without /proc/stat): the tool, its measuring children
        and the servers it started (the server under test) are left out.
    """
    wall = max(after.wall_s - before.wall_s, 1e-9)
    own = max(after.process_cpu_s - before.process_cpu_s, 0.0)
    client = own / wall
    if before.machine_total is None or after.machine_total is None:
        return client, None
    assert before.machine_busy is not None
    assert after.machine_busy is not None
    total = after.machine_total - before.machine_total
    if total <= 0:
        return client, None
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    busy_s = (after.machine_busy - before.machine_busy) / hz
    total_s = total / hz
    ours_s = own
    if before.ours is not None and after.ours is not None:
        jiffies = sum(max(cpu - before.ours.get(pid, 0), 0) for pid, cpu in after.ours.items())
        ours_s = max(jiffies / hz, own)
    background = (busy_s - ours_s) / total_s
    return client, min(max(background, 0.0), 1.0)


def nest_asyncio_applied() -> bool:
    """True when nest-asyncio (or nest-asyncio2) patched asyncio in this process.

    The patch swaps asyncio's C ``Task`` for the pure-Python one process-wide, which
    makes task-heavy code 1.4-1.9x slower, so such numbers are flagged.
    """
    if getattr(asyncio, "_nest_patched", False):
        return True
    return getattr(asyncio.Task, "__module__", "_asyncio") != "_asyncio"


def loop_version(loop: str) -> str | None:
    """Version of the loop implementation (uvloop's, or Python's for asyncio)."""
    if loop == "uvloop":
        try:
            return metadata.version("uvloop")
        except metadata.PackageNotFoundError:
            return None
    return platform.python_version()


def _cpu_model() -> str | None:
    try:
        for line in (
            Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
        ):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def git_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """``{"sha", "dirty"}`` of the repository holding ``path`` (``None`` values outside one)."""
    folder = Path(path)
    if not is_git_repo(folder):
        return {"sha": None, "dirty": None}
    return {"sha": head_sha(folder), "dirty": is_dirty(folder)}


_QUERY = "import platform; print(platform.python_implementation(), platform.python_version())"


@functools.lru_cache(maxsize=16)
def _query_interpreter(path: str) -> tuple[str | None, str | None]:
    """``(implementation, version)`` of the interpreter at ``path`` (``None`` when it does
    not run)."""
    try:
        proc = subprocess.run(
            [path, "-c", _QUERY],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None, None
    words = proc.stdout.split()
    if proc.returncode != 0 or len(words) != 2:
        return None, None
    return words[0], words[1]


def run_interpreter(target: Any, isolation: str | None) -> dict[str, Any] | None:
    """The interpreter a target's runs executed in, when that is not this process's.

    A spec target measured in fresh processes (``isolation="process"``) runs in the
    measuring child, started with the project's interpreter (``target.python``, else
    discovery from ``target.cwd``); anything else runs in this process.

    Args:
        target: a :class:`~codeflash_lab.bench.model.Measurable` (or a sequence of them,
            e.g. a compare's two arms).
        isolation: the runs' isolation.

    Returns:
        ``{"executable", "python", "implementation", "source"}`` (``python`` is the
        version), or ``None`` when the target ran in this process. For arms that ran in
        different interpreters, ``executables`` lists them all.
    """
    if isolation != "process":
        return None
    arms = list(target) if isinstance(target, list | tuple) else [target]
    arms = [m for m in arms if getattr(m, "can_run_in_process", False)]
    if not arms:
        return None
    from codeflash_lab.profiling.in_project import interpreter_for

    found = [interpreter_for(getattr(m, "cwd", None), getattr(m, "python", None)) for m in arms]
    first = found[0]
    implementation, version = _query_interpreter(first.path)
    doc: dict[str, Any] = {
        "executable": first.path,
        "python": version or first.version or None,
        "implementation": implementation,
        "source": first.source,
    }
    paths = list(dict.fromkeys(i.path for i in found))
    if len(paths) > 1:
        doc["executables"] = paths
    return doc


def capture_environment(
    *, loop: str = "asyncio", target: Any = None, isolation: str | None = None
) -> dict[str, Any]:
    """Facts that make a measurement comparable (or not) with another.

    Args:
        loop: the loop implementation used.
        target: what was measured (a ``Measurable`` or a compare's arms); with
            ``isolation="process"`` a spec target ran in the project's interpreter.
        isolation: the runs' isolation.

    Returns:
        python version and implementation, executable, loop and its version, CPU model,
        nproc, platform, harness version, ``PYTHONHASHSEED``, whether nest-asyncio is
        applied, and the 1-minute load average. ``python``/``implementation``/
        ``executable`` name the interpreter the target ran in: the project's (see
        :func:`run_interpreter`, with ``interpreter_source`` saying how it was found) when
        the measuring child ran it, else this one. ``tool_python``/``tool_executable``
        always name the Python codeflash-lab itself runs in.
    """
    try:
        harness = metadata.version("codeflash-lab")
    except metadata.PackageNotFoundError:
        harness = None
    try:
        load1: float | None = os.getloadavg()[0]
    except OSError:
        load1 = None
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "interpreter_source": "codeflash-lab",
        "tool_python": platform.python_version(),
        "tool_executable": sys.executable,
        "loop": loop,
        "loop_version": loop_version(loop),
        "cpu_model": _cpu_model(),
        "nproc": os.cpu_count(),
        "platform": platform.platform(),
        "harness_version": harness,
        "hash_seed": os.environ.get("PYTHONHASHSEED", "random"),
        "nest_asyncio_applied": nest_asyncio_applied(),
        "loadavg_1m": load1,
    }
    ran = run_interpreter(target, isolation)
    if ran is not None:
        env["python"] = ran["python"]
        env["implementation"] = ran["implementation"]
        env["executable"] = ran["executable"]
        env["interpreter_source"] = ran["source"]
        if "executables" in ran:
            env["executables"] = ran["executables"]
    return env
