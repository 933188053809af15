"""An event consumer that enriches messages and writes them to a store."""

import asyncio
import json
import signal

import aiohttp
from aiokafka import AIOKafkaConsumer

MAX_IN_FLIGHT = 50
semaphore = asyncio.Semaphore(MAX_IN_FLIGHT)


async def enrich(session: aiohttp.ClientSession, event: dict) -> dict:
    async with semaphore:
        async with session.get(f"https://users.internal/{event['user']}") as resp:
            event["user"] = await resp.json()
    return event


async def store(session: aiohttp.ClientSession, event: dict) -> None:
    async with session.post("https://store.internal/events", json=event) as resp:
        resp.raise_for_status()


async def handle_batch(session: aiohttp.ClientSession, batch: list[dict]) -> None:
    enriched = await asyncio.gather(*(enrich(session, e) for e in batch))
    for event in enriched:
        await store(session, event)  # expect: CFL302


async def consume(stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer("events", bootstrap_servers="kafka:9092")
    await consumer.start()
    try:
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                records = await consumer.getmany(timeout_ms=1000, max_records=500)
                for _tp, messages in records.items():
                    batch = [json.loads(m.value) for m in messages]
                    await handle_batch(session, batch)
                await consumer.commit()
    finally:
        await consumer.stop()


async def main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await consume(stop)


if __name__ == "__main__":
    asyncio.get_event_loop().run_until_complete(main())
