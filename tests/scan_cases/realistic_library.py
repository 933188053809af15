"""A small async SDK with a sync facade, as libraries often ship."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import httpx


class Client:
    """Async client for the Example API."""

    def __init__(self, token: str, base_url: str = "https://api.example.com") -> None:
        self._http = httpx.AsyncClient(base_url=base_url, headers={"Authorization": token})
        self._cache: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def get_project(self, project_id: str) -> dict:
        r = await self._http.get(f"/projects/{project_id}")
        r.raise_for_status()
        return r.json()

    async def get_projects(self, ids: list[str]) -> list[dict]:
        return await asyncio.gather(*(self.get_project(i) for i in ids))  # expect: CFL303

    async def cached_schema(self, name: str) -> dict:
        async with self._lock:
            if name not in self._cache:
                self._cache[name] = (await self._http.get(f"/schemas/{name}")).json()
            return self._cache[name]

    @functools.lru_cache(maxsize=32)  # expect: CFL601
    async def plan(self, plan_id: str) -> dict:
        return (await self._http.get(f"/plans/{plan_id}")).json()

    async def project_with_owner(self, project_id: str) -> dict:
        project = await self.get_project(project_id)
        owner = await self._http.get(f"/users/{project['owner_id']}")
        return {**project, "owner": owner.json()}

    def get_project_sync(self, project_id: str) -> dict:
        return asyncio.run(self.get_project(project_id))  # expect: CFL402

    async def iter_all(self):
        cursor = None
        while True:
            r = await self._http.get("/projects", params={"cursor": cursor})
            data = r.json()
            for item in data["items"]:
                yield item
            cursor = data.get("next")
            if cursor is None:
                return


def run(coro):
    """Run ``coro`` from synchronous code, refusing when a loop already runs."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    raise RuntimeError("use 'await' inside async code")
