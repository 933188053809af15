"""The shopfront web application: routes, handlers and shared state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from shopfront.audit import AuditLog
from shopfront.batch import price_all
from shopfront.context import load_context
from shopfront.fraud import screen
from shopfront.keys import AUDIT, CLIENT, UPSTREAM
from shopfront.pricing import price_lines
from shopfront.rates import exchange_rate
from shopfront.receipts import sign
from shopfront.render import render


def _skus(request: web.Request) -> list[str]:
    raw = request.query.get("skus", "a1,b2,c3,d4")
    return [s for s in raw.split(",") if s]


async def health(request: web.Request) -> web.Response:
    """Liveness probe."""
    return await render({"ok": True})


async def process(request: web.Request) -> web.Response:
    """Price an order for a customer: its context and one price per line."""
    app = request.app
    customer_id = int(request.query.get("customer", "7"))
    # The context and the prices do not depend on each other: fetch them together.
    context, lines = await asyncio.gather(
        load_context(app, customer_id), price_lines(app, _skus(request))
    )
    discount = context["promotions"]["discount_pct"] / 100
    total = round(sum(line["price"] for line in lines) * (1 - discount), 2)
    app[AUDIT].record({"kind": "process", "customer": customer_id, "total": total})
    return await render(
        {"customer": context["customer"], "lines": lines, "total": total, "discount": discount}
    )


async def checkout(request: web.Request) -> web.Response:
    """Screen the payment, then sign and return a receipt."""
    app = request.app
    customer_id = int(request.query.get("customer", "7"))
    amount = float(request.query.get("amount", "120.00"))
    if not await screen(app, customer_id, amount):
        raise web.HTTPPaymentRequired(text="payment refused by the fraud screen")
    payload = f"{customer_id}:{amount:.2f}"
    signature = await sign(payload)
    app[AUDIT].record({"kind": "checkout", "customer": customer_id, "amount": amount})
    return await render({"customer": customer_id, "amount": amount, "signature": signature})


async def quote(request: web.Request) -> web.Response:
    """Convert a US dollar amount into another currency."""
    app = request.app
    amount = float(request.query.get("amount", "100"))
    currency = request.query.get("currency", "EUR").upper()
    rate = await exchange_rate(app[CLIENT], app[UPSTREAM], currency)
    return await render({"currency": currency, "rate": rate, "amount": round(amount * rate, 2)})


async def batch(request: web.Request) -> web.Response:
    """Prices of every SKU in the query string."""
    prices = await price_all(request.app, _skus(request))
    return await render({"prices": prices})


async def _state(app: web.Application) -> AsyncIterator[None]:
    app[CLIENT] = aiohttp.ClientSession()
    app[AUDIT] = AuditLog()
    await app[AUDIT].start()
    yield
    await app[AUDIT].stop()
    await app[CLIENT].close()


def create_app(upstream_url: str) -> web.Application:
    """The application, calling the upstream service at ``upstream_url``."""
    app = web.Application()
    app[UPSTREAM] = upstream_url.rstrip("/")
    app.cleanup_ctx.append(_state)
    app.router.add_get("/health", health)
    app.router.add_get("/process", process)
    app.router.add_get("/checkout", checkout)
    app.router.add_get("/quote", quote)
    app.router.add_get("/batch", batch)
    return app
