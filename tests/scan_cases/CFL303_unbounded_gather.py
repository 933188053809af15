"""CFL303 unbounded-gather: fan-out over input of unbounded size with no limit in sight."""

import asyncio

import aiohttp
from fastapi import FastAPI
from tornado.httpclient import AsyncHTTPClient

app = FastAPI()
REGIONS = ("eu", "us", "ap")
NUM_WORKERS = 8


@app.post("/bulk-lookup")
async def bulk_lookup(ids: list[int]):
    results = await asyncio.gather(*[lookup(i) for i in ids])  # expect: CFL303
    return {"results": results}


async def crawl(session: aiohttp.ClientSession, urls: list[str]) -> list[str]:
    return await asyncio.gather(*(fetch(session, u) for u in urls))  # expect: CFL303


async def coroutines_built_first(user_ids):
    coros = [load_profile(uid) for uid in user_ids]
    return await asyncio.gather(*coros)  # expect: CFL303


async def appended_in_loop(records):
    pending = []
    for rec in records:
        pending.append(upload(rec))
    await asyncio.gather(*pending, return_exceptions=True)  # expect: CFL303


async def task_per_item(items) -> None:
    tasks = set()
    for item in items:
        task = asyncio.create_task(process(item))  # expect: CFL303
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.wait(tasks)


async def taskgroup_per_item(rows) -> None:
    async with asyncio.TaskGroup() as tg:
        for row in rows:
            tg.create_task(index_row(row))  # expect: CFL303


async def tasks_comprehension(urls):
    tasks = [asyncio.create_task(download(u)) for u in urls]  # expect: CFL303
    return await asyncio.gather(*tasks)


async def mapped(paths):
    return await asyncio.gather(*map(read_remote, paths))  # expect: CFL303


# ---- hard negatives -------------------------------------------------------------------


async def fixed_fan_out(user_id: int):
    return await asyncio.gather(get_profile(user_id), get_orders(user_id), get_prefs(user_id))


async def per_region():
    return await asyncio.gather(*[region_health(r) for r in REGIONS])


async def worker_pool(queue: asyncio.Queue):
    workers = [asyncio.create_task(worker(queue)) for _ in range(NUM_WORKERS)]
    await queue.join()
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)


async def constant_pool(queue):
    workers = [asyncio.create_task(worker(queue)) for _ in range(8)]
    await asyncio.gather(*workers)


async def with_semaphore(urls: list[str], limit: int = 10):
    sem = asyncio.Semaphore(limit)

    async def bounded(url: str):
        async with sem:
            return await fetch_url(url)

    return await asyncio.gather(*(bounded(u) for u in urls))


SEM = asyncio.Semaphore(20)


async def guarded_fetch(url: str):
    async with SEM:
        return await fetch_url(url)


async def module_semaphore(urls):
    return await asyncio.gather(*[guarded_fetch(u) for u in urls])


async def batched(items, batch_size: int = 100):
    results = []
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        results += await asyncio.gather(*(handle(x) for x in batch))
    return results


async def sliced(items):
    return await asyncio.gather(*[handle(x) for x in items[:10]])


async def bounded_connector(urls):
    connector = aiohttp.TCPConnector(limit=20)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await asyncio.gather(*(fetch(session, u) for u in urls))


async def literal_list():
    return await asyncio.gather(*[ping(host) for host in ["a.example", "b.example"]])


async def unknown_tasks(tasks):
    # Built elsewhere: not visible here.
    return await asyncio.gather(*tasks)


async def server_accept_loop(listener):
    while True:
        conn = await listener.accept()
        asyncio.create_task(serve(conn))  # expect: CFL401


async def pool_acquire_per_item(pool, ids):
    async def one(i):
        async with pool.acquire() as conn:
            return await conn.fetchrow("SELECT * FROM t WHERE id = $1", i)

    return await asyncio.gather(*(one(i) for i in ids))


class Server:
    async def shutdown(self, timeout: float) -> None:
        coros = (conn.shutdown(timeout) for conn in self._connections)
        await asyncio.gather(*coros)

    async def close_all(self) -> None:
        await asyncio.gather(*[c.close() for c in self.clients], return_exceptions=True)

    async def emit(self, event) -> None:
        for listener in self.listeners:
            task = asyncio.create_task(listener(event))
            self.active.add(task)
            task.add_done_callback(self.active.discard)


LANGUAGES = ["en", "fr", "de"]


async def filtered_constant(installed: set[str]):
    missing = [name for name in LANGUAGES if name not in installed]
    return await asyncio.gather(*(fetch_pack(n) for n in missing))


async def start_components(self):
    await asyncio.gather(*[connector.connect() for connector in self.connectors])
    await asyncio.gather(*[plugin.start() for plugin in self.plugins])


async def wait_for_the_rest():
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    await asyncio.gather(*pending, return_exceptions=True)


class Bot:
    async def notify_owners(self, content):
        sends = [self.send_one(d, content) for d in self.owner_channels]
        await asyncio.gather(*sends)  # expect: CFL303/low

    async def before_invoke(self, ctx):
        await asyncio.gather(*(hook(ctx) for hook in self.before_hooks))

    async def start_reader(self, proc):
        while True:
            line = await proc.stdout.readline()
            for marker in (b"ready", b"started"):
                if marker in line:
                    self.pipe_task = asyncio.create_task(self.pipe_output(marker))
                    break


class RouteTable:
    """Requests go through tornado's AsyncHTTPClient: at most max_clients run, the rest queue."""

    async def api_request(self, path: str, method: str = "GET") -> bytes:
        response = await AsyncHTTPClient().fetch(f"http://127.0.0.1:8001/api/routes{path}", method=method)
        return response.body

    async def delete_route(self, routespec: str) -> None:
        await self.api_request(routespec, method="DELETE")

    async def check_routes(self, routes: dict[str, dict]) -> None:
        futures = []
        for routespec in routes:
            futures.append(self.delete_route(routespec))
        await asyncio.gather(*futures)

    async def notify_all(self, users: list[str]) -> None:
        await asyncio.gather(*[self.notify(u) for u in users])  # expect: CFL303

    async def notify(self, user: str) -> None:
        async with aiohttp.ClientSession() as session:  # expect: CFL501
            await session.post("http://127.0.0.1:8002/notify", json={"user": user})
