"""A Starlette app with websockets, a broadcast hub and cached lookups."""

import asyncio
import functools
import json

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket


class Hub:
    def __init__(self) -> None:
        self.sockets: set[WebSocket] = set()
        self.events: asyncio.Queue = asyncio.Queue()  # expect: CFL502

    async def broadcast(self, message: dict) -> None:
        for ws in list(self.sockets):
            await ws.send_json(message)  # expect: CFL302

    async def run(self) -> None:
        while True:
            event = await self.events.get()
            await self.broadcast(event)


hub = Hub()


@functools.lru_cache(maxsize=1024)  # expect: CFL601
async def country_for(ip: str) -> str:
    async with httpx.AsyncClient() as client:  # expect: CFL501
        r = await client.get(f"https://geo.example/{ip}")
        return r.json()["country"]


async def homepage(request):
    return JSONResponse({"clients": len(hub.sockets)})


async def lookup(request):
    ip = request.path_params["ip"]
    return JSONResponse({"country": await country_for(ip)})


async def ws_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    hub.sockets.add(websocket)
    try:
        async for text in websocket.iter_text():
            await hub.events.put(json.loads(text))
    finally:
        hub.sockets.discard(websocket)


async def startup() -> None:
    app.state.hub_task = asyncio.create_task(hub.run())


app = Starlette(
    routes=[
        Route("/", homepage),
        Route("/lookup/{ip}", lookup),
        WebSocketRoute("/ws", ws_endpoint),
    ],
    on_startup=[startup],
)
