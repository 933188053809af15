"""CFL101 blocking-sleep: time.sleep on the event loop, with aliases and offloaded negatives."""

import asyncio
import time
import time as t
from time import sleep
from time import sleep as pause


async def poll_status(client, job_id):
    while True:
        status = await client.get(f"/jobs/{job_id}")
        if status.json()["done"]:
            return status
        time.sleep(0.5)  # expect: CFL101


async def backoff(attempt: int) -> None:
    sleep(2**attempt)  # expect: CFL101


async def aliased_module() -> None:
    t.sleep(0.1)  # expect: CFL101


async def aliased_function() -> None:
    pause(1)  # expect: CFL101


class Throttle:
    async def wait(self) -> None:
        time.sleep(self.delay)  # expect: CFL101


# ---- hard negatives -------------------------------------------------------------------


def sync_retry(fn):
    time.sleep(1)  # a sync function may sleep
    return fn()


async def offloaded_lambda() -> None:
    await asyncio.to_thread(lambda: time.sleep(1))


async def offloaded_reference() -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, time.sleep, 1)


async def nested_sync_def() -> None:
    def work() -> None:
        time.sleep(0.2)

    await asyncio.to_thread(work)


async def proper_sleep() -> None:
    await asyncio.sleep(1)


async def class_body_in_async() -> None:
    class Helper:
        def run(self) -> None:
            time.sleep(1)

    await asyncio.to_thread(Helper().run)


async def local_sleep_name(sleep_for) -> None:
    await sleep_for(1)  # a parameter called like a sleep is not time.sleep


async def silenced_for_ruff() -> None:
    time.sleep(0.01)  # noqa: ASYNC251
