"""A tiny pub/sub server over TCP with per-topic subscribers."""

import asyncio
import json
from collections import defaultdict


class PubSub:
    def __init__(self) -> None:
        self.topics: dict[str, set[asyncio.StreamWriter]] = defaultdict(set)
        self.backlog: asyncio.Queue = asyncio.Queue(maxsize=10_000)

    async def publish(self, topic: str, payload: bytes) -> None:
        dead = []
        for writer in self.topics[topic]:
            try:
                writer.write(payload + b"\n")
                await writer.drain()
            except ConnectionError:
                dead.append(writer)
        for writer in dead:
            self.topics[topic].discard(writer)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async for raw in reader:
            msg = json.loads(raw)
            if msg["op"] == "sub":
                self.topics[msg["topic"]].add(writer)
                writer.write(b"ok\n")  # expect: CFL503
            elif msg["op"] == "pub":
                await self.backlog.put((msg["topic"], msg["data"].encode()))

    async def pump(self) -> None:
        while True:
            topic, payload = await self.backlog.get()
            await self.publish(topic, payload)


async def serve(port: int = 0) -> None:
    hub = PubSub()
    pump = asyncio.create_task(hub.pump())
    server = await asyncio.start_server(hub.handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()
    pump.cancel()
