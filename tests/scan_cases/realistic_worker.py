"""A queue worker: pulls jobs from Redis, processes them with bounded concurrency."""

import asyncio
import json
import logging
import time

import aiohttp
import redis.asyncio as aioredis

log = logging.getLogger("worker")
CONCURRENCY = 10


class Worker:
    def __init__(self, redis_url: str) -> None:
        self.redis = aioredis.from_url(redis_url)
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=100)
        self.session: aiohttp.ClientSession | None = None

    async def fetch_jobs(self) -> None:
        while True:
            raw = await self.redis.blpop("jobs", timeout=5)
            if raw is None:
                continue
            await self.queue.put(json.loads(raw[1]))

    async def process(self, job: dict) -> None:
        assert self.session is not None
        started = time.monotonic()
        async with self.session.post(job["callback"], json=job["payload"]) as resp:
            resp.raise_for_status()
        await self.redis.incr("processed")
        await self.redis.hset("durations", job["id"], time.monotonic() - started)
        log.info("job %s done", job["id"])

    async def consume(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self.process(job)
            except Exception:
                log.exception("job failed")
                time.sleep(1)  # expect: CFL101
            finally:
                self.queue.task_done()

    async def run(self) -> None:
        self.session = aiohttp.ClientSession()
        consumers = [asyncio.create_task(self.consume()) for _ in range(CONCURRENCY)]
        producer = asyncio.create_task(self.fetch_jobs())
        try:
            await asyncio.gather(producer, *consumers)
        finally:
            await self.session.close()


async def replay(job_ids: list[str], redis_url: str) -> None:
    r = aioredis.from_url(redis_url)
    for job_id in job_ids:
        raw = await r.get(f"job:{job_id}")  # expect: CFL302
        log.info("replaying %s", raw)
    await r.aclose()


async def warmup(urls: list[str]) -> None:
    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.create_task(session.get(u)) for u in urls]  # expect: CFL303
        await asyncio.wait(tasks)


if __name__ == "__main__":
    asyncio.run(Worker("redis://localhost").run())
