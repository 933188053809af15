"""A FastAPI service as found in the wild: shared clients, a few antipatterns, many clean paths."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from contextlib import asynccontextmanager
from functools import lru_cache

import httpx
import requests
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger(__name__)
engine = create_async_engine(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///app.db"))
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
INVENTORY_URL = "https://inventory.internal"


class Order(BaseModel):
    id: int
    items: list[int]
    email: str


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient(timeout=5)
    yield
    await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)


async def get_db():
    async with SessionLocal() as session:
        yield session


@lru_cache
def settings() -> dict:
    with open("settings.json") as fh:
        return json.load(fh)


@app.get("/health")
async def health():
    return {"ok": True, "time": time.time()}


@app.get("/products/{product_id}")
async def product(product_id: int, request: Request):
    http: httpx.AsyncClient = request.app.state.http
    details = await http.get(f"{INVENTORY_URL}/products/{product_id}")  # expect: CFL301
    stock = await http.get(f"{INVENTORY_URL}/stock/{product_id}")
    reviews = await http.get(f"{INVENTORY_URL}/reviews/{product_id}")
    if details.status_code == 404:
        raise HTTPException(404)
    return {"details": details.json(), "stock": stock.json(), "reviews": reviews.json()}


@app.post("/orders")
async def place_order(order: Order, request: Request, tasks: BackgroundTasks,
                      db: AsyncSession = Depends(get_db)):
    http: httpx.AsyncClient = request.app.state.http
    prices = []
    for item_id in order.items:
        r = await http.get(f"{INVENTORY_URL}/price/{item_id}")  # expect: CFL302
        prices.append(r.json()["price"])
    async with db.begin():
        db.add_all([])
        await db.execute("INSERT INTO orders (id, total) VALUES (:id, :t)")
        await db.execute("INSERT INTO order_events (id) VALUES (:id)")
    tasks.add_task(send_receipt, order.email)
    return {"total": sum(prices)}


@app.get("/legacy/{sku}")
async def legacy_lookup(sku: str):
    resp = requests.get(f"https://legacy.internal/sku/{sku}", timeout=3)  # expect: CFL102
    return resp.json()


@app.post("/avatar")
async def upload_avatar(request: Request):
    body = await request.body()
    digest = hashlib.sha256(body).hexdigest()
    with open(f"/var/avatars/{digest}.png", "wb") as fh:  # expect: CFL103
        fh.write(body)
    return {"id": digest}


@app.post("/password")
async def set_password(request: Request):
    data = await request.json()
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha256", data["password"].encode(), salt, 390_000)  # expect: CFL201
    return {"ok": bool(key)}


@app.post("/notify")
async def notify(request: Request):
    payload = await request.json()
    asyncio.create_task(fan_out(payload))  # expect: CFL401
    return {"queued": True}


async def fan_out(payload: dict) -> None:
    async with httpx.AsyncClient() as client:
        await asyncio.gather(*(client.post(url, json=payload) for url in payload["hooks"]))  # expect: CFL303


def send_receipt(email: str) -> None:
    requests.post("https://mail.internal/send", json={"to": email}, timeout=5)
    time.sleep(0.1)


@app.get("/report")
async def report(db: AsyncSession = Depends(get_db)):
    rows = (await db.execute("SELECT * FROM orders")).all()
    summary = await asyncio.to_thread(build_summary, rows)
    return summary


def build_summary(rows) -> dict:
    return {"count": len(rows)}


@app.get("/config")
async def config():
    return await asyncio.to_thread(settings)


@app.get("/users/{user_id}/overview")
async def overview(user_id: int, request: Request):
    http: httpx.AsyncClient = request.app.state.http
    async with asyncio.TaskGroup() as tg:
        profile = tg.create_task(http.get(f"https://users.internal/{user_id}"))
        orders = tg.create_task(http.get(f"https://orders.internal/by-user/{user_id}"))
    return {"profile": profile.result().json(), "orders": orders.result().json()}


@app.get("/users/{user_id}/timeline")
async def timeline(user_id: int, request: Request):
    http: httpx.AsyncClient = request.app.state.http
    user = await http.get(f"https://users.internal/{user_id}")
    team = user.json()["team"]
    members = await http.get(f"https://teams.internal/{team}/members")
    return members.json()
