"""A server's start, stop and failure paths: file-system look-ups that run once are low.

Shutdown hooks (``_cleanup``), the function that builds and starts the server (and builds
it again when its certificate changes) and a stat that only picks how to recover from a
failure are reported at low confidence; the same calls in request handlers, in a
per-request ``shutdown_kernel``, in a console server opened per object, or a read (or a
stat guarding a removal) on a failure path stay high.
"""

import asyncio
import json
import os
import pathlib

from aiohttp import web


class Server:
    def __init__(self, info_file: str, cafile: str) -> None:
        self.info_file = info_file
        self.cafile = cafile

    def remove_info_file(self) -> None:
        os.unlink(self.info_file)

    def _build_ssl(self) -> bytes:
        return pathlib.Path(self.cafile).read_bytes()

    async def _cleanup(self) -> None:
        self.remove_info_file()  # expect: CFL103/low
        await asyncio.sleep(0)

    async def serve(self, app: web.Application, changed: asyncio.Event) -> None:
        while True:
            cadata = self._build_ssl()  # expect: CFL103/low
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            app["cadata"] = cadata
            await changed.wait()
            await runner.cleanup()

    async def start_console(self, pipe_dir: str, port: int) -> None:
        os.makedirs(pipe_dir, exist_ok=True)  # expect: CFL103/high
        self.console = await asyncio.start_server(self.relay, "127.0.0.1", port)

    async def relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.read(1024))
        await writer.drain()

    async def shutdown_kernel(self, kernel_dir: str) -> None:
        os.unlink(os.path.join(kernel_dir, "connection.json"))  # expect: CFL103


async def read_notebook(path: str) -> dict:
    try:
        text = await asyncio.to_thread(pathlib.Path(path).read_text)
        return json.loads(text)
    except ValueError as e:
        error = e
    backup = path + ".~tmp"
    if not os.path.exists(backup):  # expect: CFL103/low
        raise web.HTTPBadRequest(text=f"unreadable notebook: {error}")
    with open(backup) as fh:  # expect: CFL103
        return json.load(fh)


async def remove_checkpoint(path: str) -> None:
    try:
        await asyncio.to_thread(os.remove, path)
    except PermissionError:
        if os.path.isdir(path):  # expect: CFL103/low
            await asyncio.to_thread(os.rmdir, path)


async def import_config(disk_tmp: str, config: bytes) -> None:
    try:
        await asyncio.to_thread(pathlib.Path(disk_tmp).write_bytes, config)
    except OSError:
        if os.path.exists(disk_tmp):  # expect: CFL103/high
            os.remove(disk_tmp)  # expect: CFL103/high


async def handle(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if os.path.exists(name):  # expect: CFL103/high
        return web.Response(text="exists")
    return web.Response(status=404)
