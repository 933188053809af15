"""CFL501 client-per-request: clients/pools created per request or per item."""

import asyncio
from contextlib import asynccontextmanager

import aiohttp
import asyncpg
import httpx
from aiohttp import web
from fastapi import FastAPI, Request

HTTP = httpx.AsyncClient(timeout=10)


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient()
    app.state.db = await asyncpg.create_pool("postgresql://localhost/app")
    yield
    await app.state.http.aclose()
    await app.state.db.close()


app = FastAPI(lifespan=lifespan)


@app.get("/users/{user_id}")
async def get_user(user_id: int):
    async with httpx.AsyncClient() as client:  # expect: CFL501
        r = await client.get(f"https://users.internal/{user_id}")
    return r.json()


@app.post("/orders")
async def create_order(order: dict):
    conn = await asyncpg.connect("postgresql://localhost/app")  # expect: CFL501
    try:
        await conn.execute("INSERT INTO orders VALUES ($1)", order["id"])
    finally:
        await conn.close()


async def handle_status(request: web.Request) -> web.Response:
    async with aiohttp.ClientSession() as session:  # expect: CFL501
        async with session.get("https://status.internal") as resp:
            return web.json_response(await resp.json())


async def fetch_price(symbol: str) -> float:
    async with aiohttp.ClientSession() as session:  # expect: CFL501
        async with session.get(f"https://prices.example/{symbol}") as resp:
            return (await resp.json())["price"]


async def sync_all(urls: list[str]) -> None:
    for url in urls:
        async with httpx.AsyncClient() as client:  # expect: CFL501
            await client.post(url)  # expect: CFL302


@app.get("/report")
async def report(request: Request):
    pool = await asyncpg.create_pool("postgresql://localhost/app")  # expect: CFL501
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT 1")


# ---- hard negatives -------------------------------------------------------------------


@app.get("/shared/{user_id}")
async def shared(user_id: int, request: Request):
    r = await request.app.state.http.get(f"https://users.internal/{user_id}")
    return r.json()


async def on_startup(app: web.Application) -> None:
    app["session"] = aiohttp.ClientSession()


async def on_cleanup(app: web.Application) -> None:
    await app["session"].close()


class PriceService:
    def __init__(self) -> None:
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()

    async def price(self, symbol: str) -> float:
        assert self.session is not None
        async with self.session.get(f"https://prices.example/{symbol}") as resp:
            return (await resp.json())["price"]


async def main() -> None:
    async with aiohttp.ClientSession() as session:
        for url in ("https://a.example", "https://b.example"):
            async with session.get(url) as resp:  # expect: CFL302
                print(resp.status)


async def crawl(urls: list[str]) -> list[str]:
    async with httpx.AsyncClient() as client:
        responses = await asyncio.gather(*(client.get(u) for u in urls))  # expect: CFL303
    return [r.text for r in responses]


async def get_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url="https://api.example")


async def client_dependency():
    async with httpx.AsyncClient() as client:
        yield client


async def reconnecting_consumer(url: str) -> None:
    while True:
        try:
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(url) as ws:
                    async for msg in ws:
                        await handle(msg)
        except aiohttp.ClientError:
            await asyncio.sleep(5)


async def init_db():
    global POOL
    POOL = await asyncpg.create_pool("postgresql://localhost/app")


async def latest_release_version():
    async with aiohttp.ClientSession() as session:  # expect: CFL501/low
        async with session.get("https://pypi.org/pypi/example/json") as r:
            return (await r.json())["info"]["version"]


async def call_translator(text, config):
    async with aiohttp.ClientSession() as session:  # expect: CFL501/high
        async with session.post(config["url"], json={"q": text}) as r:
            return await r.json()
