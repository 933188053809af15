"""Fix templates per category, written for the project's target Python version.

``asyncio.TaskGroup`` needs 3.11, ``asyncio.to_thread`` 3.9; older targets get
``asyncio.gather`` and ``loop.run_in_executor`` instead.
"""

from __future__ import annotations

__all__ = ["fix_for", "parse_version"]


def parse_version(text: str) -> tuple[int, int]:
    """``"3.12"``, ``"py312"`` or ``">=3.10"`` as ``(3, 12)``.

    Raises:
        ValueError: the text holds no ``major.minor`` version.
    """
    t = text.strip().lower().removeprefix("py")
    for prefix in ("~=", ">=", "==", ">", "^"):
        t = t.removeprefix(prefix)
    t = t.split(",")[0].strip()
    if "." not in t and t.isdigit() and len(t) >= 2:
        t = f"{t[0]}.{t[1:]}"
    parts = t.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ValueError(f"target_version: expected a version like 3.11, got {text!r}") from None


def _offload(v: tuple[int, int]) -> str:
    if v >= (3, 9):
        return "await asyncio.to_thread(func, *args)"
    return "await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args))"


def _concurrent(v: tuple[int, int]) -> str:
    if v >= (3, 11):
        return (
            "async with asyncio.TaskGroup() as tg: t1 = tg.create_task(a()); "
            "t2 = tg.create_task(b())  # then t1.result(), t2.result()"
        )
    return "r1, r2 = await asyncio.gather(a(), b())"


def fix_for(slug: str, target_version: tuple[int, int]) -> str:
    """The fix template for category ``slug`` on ``target_version``."""
    v = target_version
    if slug == "sequential-awaits":
        return f"Run the independent awaits concurrently: {_concurrent(v)}"
    if slug == "await-in-loop":
        return (
            "Start the per-item calls together, bounded: sem = asyncio.Semaphore(N); "
            "async def one(x): async with sem: return await f(x); "
            "results = await asyncio.gather(*(one(x) for x in items))"
        )
    if slug == "blocking-call":
        return (
            "Use the async library (asyncio.sleep, httpx.AsyncClient/aiohttp, aiofiles, "
            "asyncio.create_subprocess_exec, an async DB driver) or move the call off the "
            f"loop: {_offload(v)}"
        )
    if slug == "cpu-in-event-loop":
        pool = (
            "await loop.run_in_executor(process_pool, func, *args)"
            " (a ProcessPoolExecutor for pure-Python work)"
        )
        return f"Move the work off the loop: {_offload(v)}, or {pool}"
    if slug == "cache-on-async":
        return (
            "Cache the awaited value, not the coroutine: use async_lru.alru_cache, or keep a "
            "dict of results (or of tasks) filled after the await"
        )
    if slug == "unbounded-gather":
        tg = "asyncio.TaskGroup" if v >= (3, 11) else "asyncio.gather"
        return (
            "Bound the concurrency: acquire an asyncio.Semaphore(N) inside each task, or "
            f"process the input in fixed-size batches with {tg}, or use N worker tasks "
            "reading from an asyncio.Queue(maxsize=...)"
        )
    if slug == "client-per-request":
        return (
            "Create the client once (module scope, __init__, or the app's lifespan/startup "
            "hook), reuse it for every request, and close it at shutdown"
        )
    if slug == "unbounded-queue":
        return (
            "Give the queue a maxsize (asyncio.Queue(maxsize=N)) so put() waits when the "
            "consumer falls behind, instead of letting memory grow"
        )
    if slug == "write-without-drain":
        return "Follow writer.write(data) with await writer.drain() so back-pressure applies"
    if slug == "asyncio-run-in-async":
        return (
            "Inside async code, await the coroutine (or create a task) instead of starting "
            "a new loop; keep asyncio.run for the program's entry point under "
            'if __name__ == "__main__"'
        )
    if slug == "dangling-task":
        tg = "start it in an asyncio.TaskGroup, or " if v >= (3, 11) else ""
        return (
            f"Keep a reference until the task ends: {tg}add it to a set and "
            "task.add_done_callback(tasks.discard)"
        )
    raise ValueError(f"slug: unknown category {slug!r}")
