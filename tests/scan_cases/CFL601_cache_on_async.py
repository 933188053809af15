"""CFL601 cache-on-async: functools caches on async defs cache the coroutine object."""

import functools
from functools import cache, cached_property, lru_cache
from functools import lru_cache as memo

import cachetools
from async_lru import alru_cache


@lru_cache(maxsize=256)  # expect: CFL601
async def get_exchange_rate(currency: str) -> float:
    return 1.0


@functools.cache  # expect: CFL601
async def load_settings() -> dict:
    return {}


@cache  # expect: CFL601
async def feature_flags() -> dict:
    return {}


@memo  # expect: CFL601
async def aliased(key: str) -> str:
    return key


class Profile:
    @cached_property  # expect: CFL601
    async def avatar(self) -> bytes:
        return b""

    @functools.lru_cache  # expect: CFL601
    async def permissions(self) -> set[str]:
        return set()


@cachetools.cached(cache=cachetools.TTLCache(maxsize=100, ttl=60))  # expect: CFL601
async def geo_lookup(ip: str) -> str:
    return ip


# ---- hard negatives -------------------------------------------------------------------


@alru_cache(maxsize=128)
async def async_cached(key: str) -> str:
    return key


@lru_cache(maxsize=64)
def sync_cached(key: str) -> str:
    return key


@cache
def template_path(name: str) -> str:
    return name


class Service:
    @cached_property
    def client(self):
        return object()
