"""FastAPI with a SQLAlchemy repository, startup hooks and a background refresher."""

import asyncio
import logging
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger(__name__)
app = FastAPI()
engine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=10)
Session = async_sessionmaker(engine)
clients: dict[str, httpx.AsyncClient] = {}
_refresher: asyncio.Task | None = None


@app.on_event("startup")
async def startup() -> None:
    global _refresher
    clients["geo"] = httpx.AsyncClient(base_url="https://geo.internal")
    _refresher = asyncio.create_task(refresh_rates())


@app.on_event("shutdown")
async def shutdown() -> None:
    if _refresher:
        _refresher.cancel()
    await clients["geo"].aclose()


async def refresh_rates() -> None:
    while True:
        try:
            r = await clients["geo"].get("/rates")
            app.state.rates = r.json()
        except httpx.HTTPError:
            log.warning("refresh failed")
        await asyncio.sleep(60)


async def get_session():
    async with Session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class OrderRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, order) -> None:
        self.session.add(order)
        await self.session.flush()
        await self.session.refresh(order)

    async def totals(self, user_id: int):
        rows = await self.session.execute(select(order_total).where(user == user_id))
        count = await self.session.execute(select(order_count).where(user == user_id))
        return rows.scalar(), count.scalar()


@app.post("/orders")
async def create_order(payload: dict, session: SessionDep):
    repo = OrderRepo(session)
    await repo.create(payload)
    await session.commit()
    return {"ok": True}


@app.get("/geo/{ip}")
async def geo(ip: str):
    client = clients["geo"]
    country = await asyncio.wait_for(client.get(f"/country/{ip}"), timeout=2)  # expect: CFL301
    city = await asyncio.wait_for(client.get(f"/city/{ip}"), timeout=2)
    return {"country": country.json(), "city": city.json()}


@app.get("/geo-batch")
async def geo_batch(ips: str):
    client = clients["geo"]
    out = {}
    for ip in ips.split(","):
        out[ip] = (await client.get(f"/country/{ip}")).json()  # expect: CFL302
    return out


@app.get("/slow")
async def slow_report():
    def build() -> dict:
        import time

        time.sleep(2)
        return {"ready": True}

    return build()  # expect: CFL101


@app.get("/slow-ok")
async def slow_report_ok():
    def build() -> dict:
        import time

        time.sleep(2)
        return {"ready": True}

    return await asyncio.to_thread(build)


@app.get("/ping-all")
async def ping_all():
    hosts = ["db", "cache", "queue"]
    results = await asyncio.gather(*(ping(h) for h in hosts))
    return dict(zip(hosts, results))
