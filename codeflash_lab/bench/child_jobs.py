"""Jobs for the measuring child that the bench sends besides single runs (sweep's probe)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codeflash_lab.targets import resolve_loopback

if TYPE_CHECKING:
    from codeflash_lab.bench.runner import Measurable

__all__ = ["probe_in_process", "spec_job"]


def spec_job(m: Measurable, mode: str, **fields: Any) -> dict[str, Any]:
    """A child job for a spec measurable: the parsed target, and for a URL the checked
    address and the request bytes (so the child looks nothing up).

    Raises:
        TargetError: the spec does not parse or its host is not allowed.
    """
    from codeflash_lab.profiling.in_project import target_job

    job = target_job(
        m.spec or "", cwd=m.cwd, args=m.args, kwargs=m.kwargs,
        allow_remote=m.allow_remote, confine=m.confine,
    )  # fmt: skip
    job.update(mode=mode, **fields)
    target = m.target
    if target is not None and target.kind == "url":
        from codeflash_lab.bench.http import build_request

        config = fields.get("config") or {}
        body = config.get("body")
        checked = m.checked or resolve_loopback(target, allow_remote=m.allow_remote)
        request = build_request(
            target,
            method=config.get("method", "GET"),
            body=body.encode() if body is not None else None,
            headers=tuple(tuple(h) for h in config.get("headers", ())),
        )
        job.update(checked=checked.to_dict(), request=request.decode("latin-1"))
    return job


def probe_in_process(
    m: Measurable, *, n: int, repeats: int, loop: str = "asyncio", timeout_s: float = 600
) -> tuple[list[float], list[float]]:
    """``n`` sequential against ``n`` gathered calls of a spec, in the project's interpreter.

    ``timeout_s`` limits the whole child (wall clock).

    Returns:
        Per repeat: the seconds of the sequential phase, and of the gathered phase.

    Raises:
        TargetError: the child could not resolve or reach the target.
        MeasurementError: the child failed.
    """
    from codeflash_lab.profiling.in_project import interpreter_for, run_job

    job = spec_job(m, "probe", loop=loop, probe={"n": n, "repeats": repeats})
    python = interpreter_for(m.cwd, m.python).path
    doc = run_job(job, python=python, cwd=m.cwd, timeout_s=timeout_s)
    return list(doc["probe"]["sequential_s"]), list(doc["probe"]["gathered_s"])
