"""A stand-in for the upstream catalogue service, with a configurable response time.

``python -m shopfront.upstream_stub --port N --latency-ms 20``. Every endpoint
waits ``latency_ms`` before answering, like a remote service would.
"""

from __future__ import annotations

import argparse
import asyncio
import zlib

from aiohttp import web

from shopfront.serving import serve

LATENCY = web.AppKey("latency_s", float)
CALLS = web.AppKey("calls", dict)

_RATES = {"EUR": 0.92, "GBP": 0.79, "JPY": 151.3, "CHF": 0.88, "USD": 1.0}


def _price(sku: str) -> float:
    return round(5 + zlib.crc32(sku.encode()) % 9500 / 100, 2)


async def _answer(request: web.Request, body: dict[str, object]) -> web.Response:
    app = request.app
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else ""
    app[CALLS][route] = app[CALLS].get(route, 0) + 1
    await asyncio.sleep(app[LATENCY])
    return web.json_response(body)


async def customer(request: web.Request) -> web.Response:
    cid = int(request.match_info["cid"])
    return await _answer(request, {"id": cid, "tier": ("gold", "silver", "bronze")[cid % 3]})


async def inventory(request: web.Request) -> web.Response:
    return await _answer(request, {"warehouse": "east", "skus_in_stock": 1840})


async def promotions(request: web.Request) -> web.Response:
    return await _answer(request, {"discount_pct": 5})


async def price(request: web.Request) -> web.Response:
    sku = request.match_info["sku"]
    return await _answer(request, {"sku": sku, "price": _price(sku)})


async def fraud_check(request: web.Request) -> web.Response:
    amount = float(request.query.get("amount", "0"))
    return await _answer(request, {"ok": amount < 10_000})


async def rate(request: web.Request) -> web.Response:
    currency = request.match_info["currency"].upper()
    if currency not in _RATES:
        raise web.HTTPNotFound(text=f"unknown currency {currency}")
    return await _answer(request, {"currency": currency, "rate": _RATES[currency]})


async def calls(request: web.Request) -> web.Response:
    """How many times each endpoint was called (answers at once)."""
    return web.json_response(request.app[CALLS])


def create_upstream(latency_ms: float = 20.0) -> web.Application:
    """The upstream application answering every call after ``latency_ms``."""
    app = web.Application()
    app[LATENCY] = latency_ms / 1000
    app[CALLS] = {}
    app.router.add_get("/customers/{cid}", customer)
    app.router.add_get("/inventory", inventory)
    app.router.add_get("/promotions", promotions)
    app.router.add_get("/prices/{sku}", price)
    app.router.add_get("/fraud-check", fraud_check)
    app.router.add_get("/rates/{currency}", rate)
    app.router.add_get("/calls", calls)
    return app


def main() -> None:
    """Parse the command line and serve until stopped."""
    parser = argparse.ArgumentParser(prog="shopfront.upstream_stub")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(serve(create_upstream(args.latency_ms), args.port))


if __name__ == "__main__":
    main()
