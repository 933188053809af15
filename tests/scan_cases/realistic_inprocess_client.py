"""Internal requests to the app itself: an in-process transport opens no connection."""

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

app = Starlette()
API = "https://api.example.com"


class InternalClient:
    def __init__(self, asgi_app) -> None:
        self.app = asgi_app

    async def get(self, path: str, **kwargs) -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://localhost"
        ) as client:
            return await client.get(path, **kwargs)

    async def post(self, path: str, **kwargs) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return await client.post(path, **kwargs)

    async def legacy(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(app=self.app, base_url="http://app") as client:
            return await client.get(path)

    async def remote(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=API) as client:  # expect: CFL501
            return await client.get(path)

    async def retrying(self, path: str) -> httpx.Response:
        transport = httpx.AsyncHTTPTransport(retries=3)
        async with httpx.AsyncClient(transport=transport) as client:  # expect: CFL501
            return await client.get(f"https://api.example.com{path}")


internal = InternalClient(app)


async def summary(request: Request) -> JSONResponse:
    users = await internal.get("/users.json")
    return JSONResponse({"users": len(users.json())})
