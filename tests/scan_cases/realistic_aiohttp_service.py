"""An aiohttp web service with a background poller and a webhook relay."""

import asyncio
import json
import logging
import subprocess
from pathlib import Path

import aiohttp
from aiohttp import web

log = logging.getLogger("relay")
routes = web.RouteTableDef()
STATIC = Path(__file__).parent / "static"
MAX_PARALLEL = 16


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    html = (STATIC / "index.html").read_text()  # expect: CFL103
    return web.Response(text=html, content_type="text/html")


@routes.get("/version")
async def version(request: web.Request) -> web.Response:
    sha = subprocess.check_output(["git", "rev-parse", "HEAD"], text=True)  # expect: CFL104
    return web.json_response({"sha": sha.strip()})


@routes.post("/relay")
async def relay(request: web.Request) -> web.Response:
    session: aiohttp.ClientSession = request.app["session"]
    payload = await request.json()
    targets = payload["targets"]
    sem = asyncio.Semaphore(MAX_PARALLEL)

    async def send(url: str) -> int:
        async with sem:
            async with session.post(url, json=payload["body"]) as resp:
                return resp.status

    statuses = await asyncio.gather(*(send(u) for u in targets))
    return web.json_response({"statuses": statuses})


@routes.get("/mirror")
async def mirror(request: web.Request) -> web.Response:
    async with aiohttp.ClientSession() as session:  # expect: CFL501
        async with session.get(request.query["url"]) as resp:
            body = await resp.read()
    return web.Response(body=body)


@routes.get("/stats")
async def stats(request: web.Request) -> web.Response:
    session: aiohttp.ClientSession = request.app["session"]
    async with session.get("https://a.internal/stats") as a:
        a_stats = await a.json()
    async with session.get("https://b.internal/stats") as b:
        b_stats = await b.json()
    return web.json_response({"a": a_stats, "b": b_stats})


async def poller(app: web.Application) -> None:
    session: aiohttp.ClientSession = app["session"]
    while True:
        try:
            async with session.get("https://feed.internal/latest") as resp:
                app["latest"] = await resp.json()
        except aiohttp.ClientError:
            log.exception("poll failed")
        await asyncio.sleep(30)


async def on_startup(app: web.Application) -> None:
    app["session"] = aiohttp.ClientSession()
    app["poller"] = asyncio.create_task(poller(app))


async def on_cleanup(app: web.Application) -> None:
    app["poller"].cancel()
    await app["session"].close()


async def ws_handler(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == aiohttp.WSMsgType.TEXT:
            data = json.loads(msg.data)
            await ws.send_json({"echo": data})
    return ws


def make_app() -> web.Application:
    app = web.Application()
    app.add_routes(routes)
    app.router.add_get("/ws", ws_handler)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), port=8080)
