"""A chat bridge: shapes that look like findings but are not, beside ones that are.

A retry queue whose consumer puts back the item it took, a one-reply queue, a helper
that fills in the dict it is handed before the next call reads it, an owner-only
command, watchers over configured paths, a loader run before the loop starts and a tool
path found once and kept.
"""

import asyncio
import os
import shutil

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


class Transcoder:
    def __init__(self, lock) -> None:
        self._lock = lock
        self._ffmpeg_path = None

    @property
    def ffmpeg_path(self):
        return self._ffmpeg_path

    def find_ffmpeg(self) -> str:
        path = shutil.which("ffmpeg")
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        self._ffmpeg_path = path  # kept: found once per process
        return path

    def read_log(self, src: str) -> str:
        with open(src + ".log") as fh:
            return fh.read()

    def probe_ffmpeg(self) -> str:
        path = shutil.which("ffmpeg")
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        return path

    async def convert(self, src: str) -> None:
        ffmpeg = self.ffmpeg_path
        if not ffmpeg:
            ffmpeg = self.find_ffmpeg()
        await self.run(ffmpeg, src)

    async def convert_unkept(self, src: str) -> None:
        ffmpeg = self.ffmpeg_path
        if not ffmpeg:
            ffmpeg = self.probe_ffmpeg()  # expect: CFL103
        await self.run(ffmpeg, src)

    def find_codec(self) -> str:
        self._codec = "h264" if os.path.exists("/usr/lib/h264") else "vp9"
        return self._codec

    async def encode(self, src: str) -> None:
        if not self._codec:
            self.find_codec()
        if not self._format:
            self.find_format()  # expect: CFL103
        await self.run(self._codec, src)

    def find_format(self) -> str:
        return "mp4" if os.path.exists("/usr/lib/mp4") else "webm"

    async def check_source(self, src: str) -> None:
        if not await self.exists(src):
            raise FileNotFoundError(f"{src} -> {os.path.realpath(src)}")  # expect: CFL103/low
        if os.path.islink(src):  # expect: CFL103/high
            await self.unlink(src)
        if not await self.exists(src + ".srt"):
            if os.path.islink(src + ".srt"):  # expect: CFL103/low
                raise FileNotFoundError(f"{src}.srt is a dangling link")
            else:
                raise FileNotFoundError(f"{src}.srt is missing")

    async def transcode(self, src: str) -> None:
        try:
            await self.run(self.ffmpeg_path, src)
        except OSError as e:
            log = self.read_log(src)  # expect: CFL103/low
            raise RuntimeError(f"{e}: {log}") from e
        except ValueError:
            os.remove(src)  # expect: CFL103/high

    async def make_clone(self, src: str) -> None:
        code = await self.run(self.ffmpeg_path, src)
        if code:
            log = self.read_log(src)  # expect: CFL103/low
            shutil.rmtree(src + ".d")  # expect: CFL103/high
            raise RuntimeError(log)
        if code is None:
            log = self.read_log(src)  # expect: CFL103/high
            await self.report(log)
        if code < 0:
            log = self.read_log(src)  # expect: CFL103/low
            self.log.warning("transcode failed: %s", log)

    async def wait_for_output(self, path: str, timeout: float) -> None:
        while timeout > 0:
            if os.path.exists(path):  # expect: CFL103/high
                return
            await asyncio.sleep(0.5)
            timeout -= 0.5
        raise TimeoutError(path)


class RoomRelay:
    def __init__(self) -> None:
        self.rooms: dict[str, asyncio.Queue] = {}
        self.jobs = asyncio.Queue()  # expect: CFL502/low
        self.incoming = asyncio.Queue()  # expect: CFL502/high

    async def schedule(self, coro) -> None:
        await self.jobs.put(coro)

    async def on_message(self, message) -> None:
        await self.incoming.put(message)
        if message.room not in self.rooms:
            self.rooms[message.room] = asyncio.Queue()  # expect: CFL502/low
        await self.rooms[message.room].put(message)


def render_spec(name: str) -> dict:
    return {"name": name}


async def render_all(names: list[str]) -> dict:
    tasks = {}
    for name in names:
        tasks[name] = asyncio.create_task(asyncio.to_thread(render_spec, name))
    loop = asyncio.get_running_loop()
    pooled = await asyncio.gather(*[loop.run_in_executor(None, render_spec, n) for n in names])
    fetched = await asyncio.gather(*[fetch_spec(n) for n in names])  # expect: CFL303
    return {**tasks, "pooled": pooled, "fetched": fetched}


async def fetch_spec(name: str) -> dict:
    return {"name": name}
