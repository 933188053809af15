"""A folder watcher: a thread feeds file events to the loop through a queue.

The producer is a thread that hands items over with ``call_soon_threadsafe(put_nowait)``:
a bound would raise ``QueueFull`` there rather than slow it down. A queue fed by
coroutines that could ``await put()`` is still reported.
"""

import asyncio
import threading


def watch(folder: str, queue: asyncio.Queue, loop: asyncio.AbstractEventLoop) -> None:
    for event in iter_events(folder):
        loop.call_soon_threadsafe(queue.put_nowait, event)


def iter_events(folder: str) -> list[str]:
    return [folder]


async def monitor(folder: str) -> None:
    queue = asyncio.Queue()
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, watch, folder, queue, loop)
    while True:
        print(await queue.get())


class Tail:
    def __init__(self) -> None:
        self.lines = asyncio.Queue()
        threading.Thread(target=self._read, args=(self.lines,), daemon=True).start()

    def _read(self, lines: asyncio.Queue) -> None:
        lines.put_nowait("started")


async def relay(reader: asyncio.StreamReader) -> None:
    inbox = asyncio.Queue()  # expect: CFL502
    while line := await reader.readline():
        inbox.put_nowait(line)
    await inbox.join()
