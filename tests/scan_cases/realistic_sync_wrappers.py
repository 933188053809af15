"""Library module: an async API plus helpers for synchronous callers."""

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

_client = httpx.AsyncClient()
_lock = threading.Lock()


async def fetch_json(url: str) -> dict:
    r = await _client.get(url)
    return r.json()


def fetch_json_sync(url: str) -> dict:
    return asyncio.run(fetch_json(url))  # expect: CFL402


def fetch_json_blocking(url: str) -> dict:
    """Works from any thread, also under a running loop (it uses a private thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, fetch_json(url)).result()


async def download_all(urls: list[str], dest: str) -> None:
    results = await asyncio.gather(*(fetch_json(u) for u in urls))  # expect: CFL303
    await asyncio.to_thread(_write_all, results, dest)


def _write_all(results: list[dict], dest: str) -> None:
    os.makedirs(dest, exist_ok=True)
    for i, r in enumerate(results):
        with open(os.path.join(dest, f"{i}.json"), "w") as fh:
            fh.write(str(r))


async def cached_config(path: str) -> str:
    return await asyncio.to_thread(_read, path)


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()
