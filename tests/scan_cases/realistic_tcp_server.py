"""A line-based TCP chat server and a small client."""

import asyncio
import logging
import signal

log = logging.getLogger("chat")


class ChatServer:
    def __init__(self) -> None:
        self.clients: dict[str, asyncio.StreamWriter] = {}
        self.history: asyncio.Queue[bytes] = asyncio.Queue()  # expect: CFL502
        self._tasks: set[asyncio.Task] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"name? ")
        await writer.drain()
        name = (await reader.readline()).decode().strip()
        self.clients[name] = writer
        try:
            while line := await reader.readline():
                await self.history.put(line)
                await self.broadcast(name, line)
        finally:
            del self.clients[name]
            writer.close()
            await writer.wait_closed()

    async def broadcast(self, sender: str, line: bytes) -> None:
        for name, w in self.clients.items():
            if name != sender:
                w.write(f"{sender}: ".encode() + line)  # expect: CFL503

    async def archiver(self) -> None:
        while True:
            line = await self.history.get()
            log.info("archived %r", line)

    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> None:
        server = await asyncio.start_server(self.handle, host, port)
        task = asyncio.create_task(self.archiver())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        async with server:
            await server.serve_forever()


async def client(host: str, port: int, lines: list[str]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"bot\n")
    await writer.drain()
    for text in lines:
        writer.write(text.encode() + b"\n")
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main() -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    chat = ChatServer()
    server_task = asyncio.create_task(chat.serve())
    await stop
    server_task.cancel()


if __name__ == "__main__":
    asyncio.run(main())
