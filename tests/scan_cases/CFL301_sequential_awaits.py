"""CFL301 sequential-awaits: independent awaits in a row, and the ordering barriers."""

import asyncio

from fastapi import Depends, FastAPI

app = FastAPI()


@app.get("/dashboard/{user_id}")
async def dashboard(user_id: int, api=Depends()):
    profile = await api.get_profile(user_id)  # expect: CFL301
    orders = await api.get_orders(user_id)
    notifications = await api.get_notifications(user_id)
    return {"profile": profile, "orders": orders, "notifications": notifications}


async def page_data(client, slug: str) -> dict:
    article = await client.get(f"/articles/{slug}")  # expect: CFL301
    comments = await client.get(f"/articles/{slug}/comments")
    return {"article": article.json(), "comments": comments.json()}


async def enrich(user_id: int) -> dict:
    user = await fetch_user(user_id)  # expect: CFL301
    prefs = await fetch_preferences(user_id)
    return {**user, **prefs}


async def with_logging_between(log, item_id: int):
    price = await get_price(item_id)  # expect: CFL301
    log.info("price fetched")
    stock = await get_stock(item_id)
    return price, stock


async def notify_all(user) -> None:
    await send_email(user.email, "hi")  # expect: CFL301
    await send_sms(user.phone, "hi")


class Aggregator:
    async def load(self, key: str) -> None:
        self.weather = await self.weather_api.fetch(key)  # expect: CFL301
        self.news = await self.news_api.fetch(key)


async def in_one_expression(a, b):
    return {"a": await fetch_a(a), "b": await fetch_b(b)}  # expect: CFL301


# ---- hard negatives -------------------------------------------------------------------


async def dependent(user_id: int):
    user = await fetch_user(user_id)
    orders = await fetch_orders(user["account_id"])
    return orders


async def dependent_through_variable(user_id: int):
    user = await fetch_user(user_id)
    account = user["account"]
    return await fetch_orders(account)


async def same_connection(conn, user_id: int):
    await conn.execute("UPDATE users SET seen = now() WHERE id = $1", user_id)
    await conn.execute("INSERT INTO audit VALUES ($1)", user_id)


async def in_transaction(pool, order):
    async with pool.acquire() as conn:
        async with conn.transaction():
            await reserve_stock(order)
            await charge_card(order)


async def under_lock(lock, cache, key):
    async with lock:
        value = await load_value(key)
        other = await load_other(key)
    return value, other


async def paced(api):
    first = await api.call("a")
    await asyncio.sleep(1.0)
    second = await api.call("b")
    return first, second


async def gated(request, item_id: int):
    await check_permissions(request.user, item_id)
    return await load_item(item_id)


async def validated(payload):
    await validate_payload(payload)
    await store_payload(payload)


async def stream_protocol(reader, writer):
    writer.write(b"HELLO\n")
    await writer.drain()
    greeting = await reader.readline()
    await writer.drain()
    return greeting


async def websocket_session(websocket):
    await websocket.accept()
    data = await websocket.receive_text()
    await websocket.send_text(data)


async def lifecycle(server):
    await server.start()
    await server.wait_closed()


async def tasks_already_running():
    t1 = asyncio.create_task(fetch_a(1))
    t2 = asyncio.create_task(fetch_b(2))
    a = await t1
    b = await t2
    return a, b


async def gathered():
    a, b = await asyncio.gather(fetch_a(1), fetch_b(2))
    return a, b


async def hidden_state(self_like):
    await self_like.refresh()
    await self_like.render()


async def side_effect_then_read(store, key):
    await reload_cache()
    return await store.read_all()


async def conditional_between(user_id):
    user = await fetch_user(user_id)
    if user is None:
        return None
    return await fetch_orders(user_id)


async def write_then_write(repo, user):
    await repo.create_user(user)
    await repo.add_to_group(user, "default")


async def session_db(session, user):
    session.add(user)
    await session.flush()
    await session.refresh(user)


async def reads_request(request):
    body = await request.json()
    return await save_payload(body)


async def retry_pair(client):
    try:
        return await client.fetch("primary")
    except ConnectionError:
        return await client.fetch("fallback")


async def single(client):
    return await client.get("/x")


async def asgi_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class KernelManager:
    async def start_kernel(self, cmd, **kw):
        await self._async_launch_kernel(cmd, **kw)
        await self._async_post_start_kernel(**kw)

    async def prepare(self, request):
        await self._prepare_headers()
        await request._prepare_hook(self)

    async def delete(self, path):
        await self.delete_file(path)
        await self.checkpoints.delete_all_checkpoints(path)


async def save_state(path, state):
    await mkdir_if_needed(path)
    await write_file(path, state)


async def create_then_use(api, name):
    await api.create_bucket(name)
    await api.upload_object(name, b"data")


async def zip_iterators(a, b):
    x = await anext(a)
    y = await anext(b)
    return x, y


async def fan_out_notifications(user):
    await send_email(user)  # expect: CFL301
    await send_sms(user)


async def two_reads_same_entity(repo, user_id):
    profile = await repo.get_profile(user_id)  # expect: CFL301
    orders = await repo.list_orders(user_id)
    return profile, orders


async def same_socket_argument(loop, sock, address, payload):
    await loop.sock_connect(sock, address)
    await loop.sock_sendall(sock, payload)


async def generator_protocol(gen):
    first = await gen.asend(None)
    second = await gen.athrow(ValueError)
    return first, second


async def send_on_websocket(ws, a, b):
    await send_message(ws, a)
    await send_message(ws, b)


async def process_then_ack(message):
    await process(message)
    await message.ack()


async def save_then_notify(repo, user):
    await repo.save(user)
    await user.notify("saved")


# ---- classes found on other people's code ------------------------------------------------


async def ban_then_confirm(ctx, member):
    await ctx.guild.ban(member)  # expect: CFL301/low
    await ctx.send(f"{member} was banned")


async def acknowledge_first(interaction):
    await interaction.response.defer()  # expect: CFL301/low
    await interaction.followup.send("done")


async def write_then_event(store, bus, item):
    await store.save_item(item)
    await bus.emit("item-saved", item)


async def embed_built_between(ctx, api, user_id):
    stats = await api.fetch_stats(user_id)
    embed = make_embed()
    embed.add_field(name="stats", value=stats)
    await ctx.send(embed=embed)


async def cached_or_fetched(cache, api, key):
    value = cache.get(key) or await api.fetch(key)
    other = await api.fetch_other(key)
    return value, other


async def nested_in_arguments(ctx, api, key):
    await ctx.send(await api.fetch(key))
    await ctx.send("ok")


async def paced_by_sleep_until(channel, when):
    await channel.fetch_message(1)
    await sleep_until(when)
    await channel.fetch_message(2)


async def stream_steps(api):
    first = await api.fetch_page(1)
    yield first
    second = await api.fetch_page(2)
    yield second


async def one_orm_session(session, user_id):
    user = await session.get(User, user_id)
    rows = await session.execute(select_orders(user_id))
    return user, rows


async def one_sqlalchemy_session(db_session, query_a, query_b):
    a = await db_session.scalars(query_a)
    b = await db_session.scalars(query_b)
    return a, b


async def http_session_reads(session, base):
    a = await session.get(f"{base}/a")  # expect: CFL301/high
    b = await session.get(f"{base}/b")
    return a, b


async def unknown_steps(api, key):
    await api.price_item(key)  # expect: CFL301/low
    await api.rank_item(key)
