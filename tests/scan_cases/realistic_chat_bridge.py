"""A chat bridge: shapes that look like findings but are not, beside ones that are.

A retry queue whose consumer puts back the item it took, a one-reply queue, a helper
that fills in the dict it is handed before the next call reads it, an owner-only
command, watchers over configured paths and a loader run before the loop starts.
"""

import asyncio

import aiohttp
import anyio
from discord.ext import commands


class HistoryFetcher:
    def __init__(self, client) -> None:
        self.client = client
        self.work = asyncio.Queue()  # a retry queue: a bound could deadlock its consumer
        self.inbox = asyncio.Queue()  # expect: CFL502

    async def fetch_loop(self) -> None:
        while True:
            job = await self.work.get()
            try:
                await self.client.room_messages(job.room_id, job.token)
            except aiohttp.ClientError:
                await self.work.put(job)  # tried again later

    async def on_event(self, event) -> None:
        await self.inbox.put(event)

    async def drain(self) -> None:
        while True:
            event = await self.inbox.get()
            await self.client.forward(event)


async def ask_operator(ui, decisions: dict, room_id: str):
    slot = asyncio.Queue()  # carries one reply
    decisions[room_id] = slot
    await ui.notify(room_id)
    return await asyncio.wait_for(slot.get(), 30)


class Templates:
    async def _resolve_images(self, spec, version: dict) -> None:
        images = version.get("images")
        for key, name in images.items():
            images[key] = await self.repo.checksum(spec.kind, name)

    async def _render(self, spec, version: dict) -> dict:
        return await self.renderer.render(spec.kind, version)

    async def install(self, spec, version: dict) -> dict:
        await self._resolve_images(spec, version)  # rewrites version["images"] in place
        return await self._render(spec, version)

    async def _lookup(self, spec, version: dict) -> dict:
        return await self.repo.find(spec.kind, version.get("name"))

    async def compare(self, spec, version: dict) -> tuple:
        mine = await self._lookup(spec, version)  # expect: CFL301
        theirs = await self._render(spec, version)
        return mine, theirs


class Admin(commands.Cog):
    async def _set_picture(self, ctx, url: str) -> None:
        async with aiohttp.ClientSession() as session:  # expect: CFL501/low
            resp = await session.get(url)
            await ctx.bot.user.edit(avatar=await resp.read())

    @commands.command()
    @commands.is_owner()
    async def avatar(self, ctx, url: str) -> None:
        await self._set_picture(ctx, url)

    @commands.command()
    @commands.is_owner()
    async def banner(self, ctx, url: str) -> None:
        await self._set_picture(ctx, url)


async def on_message(message) -> None:
    async with aiohttp.ClientSession() as session:  # expect: CFL501
        await session.post("https://api.example.invalid/log", json={"text": message})


class Bot:
    def __init__(self) -> None:
        self.reload_paths: list[str] = []
        self.pending_requests: list = []

    async def watch(self, path: str) -> None:
        async for _ in self.changes(path):
            await self.reload()

    async def watch_all(self) -> None:
        await asyncio.gather(*[self.watch(p) for p in self.reload_paths])  # expect: CFL303/low

    async def answer_all(self) -> None:
        await asyncio.gather(*[self.answer(r) for r in self.pending_requests])  # expect: CFL303

    def sync_load(self) -> None:
        anyio.run(self.load)

    def run(self) -> None:
        self.sync_load()
        anyio.run(self.serve)
