"""CFL302 await-in-loop: a round trip per independent item; consumer/retry/pagination negatives."""

import asyncio

import httpx


async def fetch_all(client: httpx.AsyncClient, urls: list[str]) -> list[dict]:
    results = []
    for url in urls:
        resp = await client.get(url)  # expect: CFL302
        results.append(resp.json())
    return results


async def load_users(repo, user_ids: list[int]) -> dict:
    users = {}
    for uid in user_ids:
        users[uid] = await repo.get_user(uid)  # expect: CFL302
    return users


async def broadcast(clients, message: str) -> None:
    for ws in clients:
        await ws.send_text(message)  # expect: CFL302


async def comprehension(ids: list[int]) -> list[dict]:
    return [await fetch_item(i) for i in ids]  # expect: CFL302


async def dict_comprehension(keys: list[str]) -> dict:
    return {k: await cache_get(k) for k in keys}  # expect: CFL302


async def with_derived_value(orders) -> None:
    for order in orders:
        payload = {"id": order.id, "total": order.total}
        await post_invoice(payload)  # expect: CFL302


async def aiohttp_loop(session, urls: list[str]) -> list[str]:
    pages = []
    for url in urls:
        async with session.get(url) as resp:  # expect: CFL302
            pages.append(await resp.text())
    return pages


async def accumulate(ids) -> int:
    total = 0
    for i in ids:
        total += await count_for(i)  # expect: CFL302
    return total


async def drain_worklist(pending: list[str]) -> None:
    while pending:
        url = pending.pop()
        await download(url)  # expect: CFL302


async def close_all(connections) -> None:
    for conn in connections:
        await conn.close()  # closing is a lifecycle step, not reported


async def notify_each(users) -> None:
    for user in users:
        await send_notification(user.id, "weekly digest")  # expect: CFL302


# ---- hard negatives -------------------------------------------------------------------


async def consumer(queue: asyncio.Queue) -> None:
    while True:
        job = await queue.get()
        await process(job)
        queue.task_done()


async def retry(client, url: str, attempts: int = 3):
    for attempt in range(attempts):
        try:
            return await client.get(url)
        except httpx.TransportError:
            await asyncio.sleep(2**attempt)
    raise RuntimeError("unreachable")


async def paginate(client, url: str) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        page = await client.get(url, params={"cursor": cursor})
        data = page.json()
        items.extend(data["items"])
        cursor = data.get("next")
        if not cursor:
            break
    return items


async def paginate_for(client, pages: int) -> list:
    out = []
    token = None
    for _ in range(pages):
        resp = await client.list_objects(token=token)
        token = resp.next_token
        out.extend(resp.items)
    return out


async def first_success(mirrors: list[str]):
    for mirror in mirrors:
        result = await try_download(mirror)
        if result is not None:
            return result
    return None


async def rate_limited(api, items) -> None:
    for item in items:
        await api.submit(item)
        await asyncio.sleep(0.2)


async def same_connection(conn, rows) -> None:
    for row in rows:
        await conn.execute("INSERT INTO t VALUES ($1, $2)", row.a, row.b)


async def sqlalchemy_session(session, objs) -> None:
    for obj in objs:
        await session.merge(obj)


async def loop_carried(values) -> int:
    state = 0
    for v in values:
        state = await combine(state, v)
    return state


async def under_lock(lock, items) -> None:
    async with lock:
        for item in items:
            await persist(item)


async def tasks_started_before(tasks) -> list:
    results = []
    for task in tasks:
        results.append(await task)
    return results


async def batches(items, size: int = 50) -> list:
    out = []
    for i in range(0, len(items), size):
        out.extend(await asyncio.gather(*(fetch_item(x) for x in items[i : i + size])))
    return out


async def producer(queue: asyncio.Queue, items) -> None:
    for item in items:
        await queue.put(item)


async def stream_lines(reader) -> list[bytes]:
    lines = []
    async for line in reader:
        lines.append(line)
    return lines


async def async_for_consumer(subscription) -> None:
    async for message in subscription:
        await handle_message(message)


async def ordered_writes(writer, chunks) -> None:
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()


async def polling(client, job_id) -> dict:
    while True:
        status = await client.get(f"/jobs/{job_id}")
        if status.json()["done"]:
            return status.json()
        await asyncio.sleep(1)


async def not_using_item(client, n: int) -> None:
    for _ in range(n):
        await client.ping()


async def crawler(start: str) -> set[str]:
    seen = set()
    frontier = [start]
    while frontier:
        url = frontier.pop()
        links = await get_links(url)
        frontier.extend(link for link in links if link not in seen)
        seen.add(url)
    return seen


async def dispatch_hooks(self_like, response) -> None:
    for hook in self_like.event_hooks["response"]:
        await hook(response)


async def notify_listeners(listeners, event) -> None:
    for listener in listeners:
        method = getattr(listener, "on_event", None)
        if method:
            await method(event)


async def trace_signals(traces, host) -> None:
    for trace in traces:
        await trace.send_dns_resolvehost_start(host)


async def run_migrations(conn, migrations) -> None:
    for migration in migrations:
        await migration.apply(conn)


async def stop_all(apps) -> None:
    for app in apps:
        await app.stop_extension()


async def rows_to_webhook(conn, http) -> None:
    async for row in conn.cursor("SELECT id, email FROM users"):
        await http.post("https://hooks.example/users", json=dict(row))  # expect: CFL302


async def paginated_users(api, mailer) -> None:
    async for user in api.iterate_users():
        await mailer.send_welcome(user.email)  # expect: CFL302


async def websocket_consumer(websocket) -> None:
    async for message in websocket.iter_text():
        await handle_message(message)


async def redis_subscriber(pubsub) -> None:
    async for event in pubsub.listen():
        await dispatch(event)


async def copy_in_small_chunks(path, sink):
    import aiofiles

    async with aiofiles.open(path, "rb") as f:
        while chunk := await f.read(4096):  # expect: CFL302/high
            sink.feed(chunk)


async def copy_in_big_chunks(path, sink):
    import aiofiles

    async with aiofiles.open(path, "rb") as f:
        while chunk := await f.read(4 * 1024 * 1024):
            sink.feed(chunk)


async def stream_request_body(request, sink):
    while chunk := await request.content.read(4096):
        sink.feed(chunk)


async def run_steps(first, second, ctx):
    for step in (first, second):
        await ctx.run_step(step)


async def ban_everyone(guild, members):
    for member in members:
        await guild.ban(member)  # expect: CFL302/low


async def send_file(send, path, chunk_size=4096):
    import aiofiles

    async with aiofiles.open(path, "rb") as fp:
        more_body = True
        while more_body:
            chunk = await fp.read(chunk_size)  # expect: CFL302/high
            more_body = len(chunk) == chunk_size
            await send({"body": chunk, "more_body": more_body})
