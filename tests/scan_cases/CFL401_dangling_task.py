"""CFL401 dangling-task: tasks whose reference is dropped (RUF006 and what it misses)."""

import asyncio
from asyncio import create_task, ensure_future

background_tasks: set[asyncio.Task] = set()


async def on_signup(user) -> None:
    asyncio.create_task(send_welcome_email(user))  # expect: CFL401


async def fire_and_forget(event) -> None:
    ensure_future(publish(event))  # expect: CFL401


async def imported_name(job) -> None:
    create_task(run_job(job))  # expect: CFL401


async def via_running_loop(msg) -> None:
    loop = asyncio.get_running_loop()
    loop.create_task(log_message(msg))  # expect: CFL401


async def underscore(x) -> None:
    _ = asyncio.create_task(work(x))  # expect: CFL401


async def unused_local(x) -> None:
    task = asyncio.create_task(work(x))  # expect: CFL401
    await asyncio.sleep(0)


async def only_a_callback(x) -> None:
    asyncio.create_task(work(x)).add_done_callback(report)  # expect: CFL401


class Service:
    def __init__(self) -> None:
        self.loop = asyncio.get_event_loop()

    def schedule(self, coro) -> None:
        self.loop.create_task(coro)  # expect: CFL401


def sync_callback(payload) -> None:
    asyncio.ensure_future(handle(payload))  # expect: CFL401


# ---- hard negatives -------------------------------------------------------------------


async def kept_in_set(user) -> None:
    task = asyncio.create_task(send_welcome_email(user))
    background_tasks.add(task)
    task.add_done_callback(background_tasks.discard)


async def awaited_later(x):
    task = asyncio.create_task(work(x))
    await other()
    return await task


async def returned(x) -> asyncio.Task:
    return asyncio.create_task(work(x))


async def task_group(items) -> None:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(work(items[0]))
        tg.create_task(work(items[1]))


async def anyio_group(nursery) -> None:
    nursery.start_soon(work, 1)


async def stored_on_self(self_like, x) -> None:
    self_like.task = asyncio.create_task(work(x))


async def appended(tasks: list, x) -> None:
    tasks.append(asyncio.create_task(work(x)))


async def gathered(x, y):
    return await asyncio.gather(asyncio.create_task(work(x)), asyncio.create_task(work(y)))


async def used_in_closure(x) -> None:
    task = asyncio.create_task(work(x))

    def cancel() -> None:
        task.cancel()

    register(cancel)


async def scheduler_method(scheduler, job) -> None:
    # Not an event loop: some scheduler API that keeps its own reference.
    scheduler.create_job(job)


async def callback_only(x) -> None:
    task = asyncio.create_task(work(x))  # expect: CFL401
    task.add_done_callback(log_errors)


async def callback_and_set(x) -> None:
    task = asyncio.create_task(work(x))
    background_tasks.add(task)
    task.add_done_callback(background_tasks.discard)


async def dropped_shapes(jobs) -> None:
    [asyncio.create_task(job()) for job in ()]  # expect: CFL401
    [asyncio.create_task(jobs[0]())]  # expect: CFL401
    (asyncio.create_task(job()) for job in jobs)  # expect: CFL401, CFL303
    flag = 1 if asyncio.create_task(jobs[0]()) else 2  # expect: CFL401
    return flag


def run_until_stopped(loop, coro, on_done):
    fut = loop.create_task(coro)
    fut.add_done_callback(on_done)
    loop.run_forever()
