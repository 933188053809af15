"""CFL502 unbounded-queue: asyncio.Queue without maxsize as a producer/consumer buffer."""

import asyncio
from asyncio import Queue

events: asyncio.Queue = asyncio.Queue()  # expect: CFL502


async def ingest(websocket) -> None:
    async for message in websocket:
        await events.put(message)


class Broker:
    def __init__(self) -> None:
        self.inbox = asyncio.Queue()  # expect: CFL502
        self.outbox = Queue(maxsize=0)  # expect: CFL502

    async def on_message(self, msg) -> None:
        self.inbox.put_nowait(msg)

    async def send(self, msg) -> None:
        await self.outbox.put(msg)


async def pipeline(reader) -> None:
    queue = asyncio.Queue()  # expect: CFL502
    consumer = asyncio.create_task(consume(queue))
    while line := await reader.readline():
        await queue.put(line)
    await queue.put(None)
    await consumer


def make_queue() -> asyncio.PriorityQueue:
    return asyncio.PriorityQueue()  # expect: CFL502


# ---- hard negatives -------------------------------------------------------------------

bounded: asyncio.Queue = asyncio.Queue(maxsize=1000)


async def bounded_pipeline(reader, size: int) -> None:
    queue = asyncio.Queue(size)
    while line := await reader.readline():
        await queue.put(line)


async def prefilled(urls: list[str]) -> None:
    queue = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    workers = [asyncio.create_task(worker(queue)) for _ in range(4)]
    await queue.join()
    for w in workers:
        w.cancel()


class Jobs:
    def __init__(self, limit: int) -> None:
        self.queue = asyncio.Queue(maxsize=limit)
