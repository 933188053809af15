"""A server's command-line tool: checks run once by the command before serving."""

import asyncio
import os
import sqlite3

import click
from aiohttp import web


def find_extension() -> str:
    for path in ("/usr/lib/mod_spatialite.so", "/usr/local/lib/mod_spatialite.dylib"):
        if os.path.exists(path):
            return path
    raise FileNotFoundError("spatialite")


async def check_databases(files: list[str]) -> None:
    for name in files:
        try:
            sqlite3.connect(name).execute("select 1")  # expect: CFL105/low
        except sqlite3.DatabaseError:
            find_extension()  # expect: CFL103/low
            raise click.UsageError(f"{name} is not a usable database") from None


async def handle_row(request: web.Request) -> web.Response:
    path = find_extension()  # expect: CFL103
    return web.json_response({"extension": path})


async def check_upload(request: web.Request) -> web.Response:
    find_extension()  # expect: CFL103
    return web.json_response({"ok": True})


@click.command()
@click.argument("files", nargs=-1)
def serve(files: tuple[str, ...]) -> None:
    asyncio.run(check_databases(list(files)))
    app = web.Application()
    app.router.add_get("/row", handle_row)
    app.router.add_post("/upload", check_upload)
    app.router.add_post("/check", check_upload)
    web.run_app(app)


@click.command()
def verify() -> None:
    asyncio.get_event_loop().run_until_complete(check_databases(["main.db"]))
