"""File objects, well-known names written without their import, sync HTTP clients."""

import contextlib
import io
import sqlite3
from typing import TextIO

import urllib3


async def read_config(path):
    with open(path) as fh:  # expect: CFL103
        header = fh.readline()
        body = fh.read()
    return header, body


async def copy_lines(src: io.TextIOWrapper, dst: TextIO | None):
    for line in src.readlines():  # expect: CFL103
        dst.write(line)  # expect: CFL103


async def keeps_declared_type(log: io.BufferedWriter):
    log = make_log()
    log.write(b"x")  # expect: CFL103


async def list_of_files(files: list[io.TextIOWrapper]):
    for f in files:
        f.read()


async def shell_out(cmd):
    return subprocess.run(cmd, check=True)  # expect: CFL104/medium


async def fetch_status(url):
    return httpx2.get(url).status_code  # expect: CFL102/medium


async def pooled(pool: urllib3.HTTPConnectionPool):
    return pool.urlopen("GET", "/")  # expect: CFL102


async def pooled_by_verb(url, method):
    pool = urllib3.PoolManager()
    pool.request(method, url)  # expect: CFL102
    pool.request(None)  # linter-false-positive: no HTTP method given, no request is sent


async def closing_connection(path):
    with contextlib.closing(sqlite3.connect(path)) as db:  # expect: CFL105
        return db.execute("select 1").fetchall()  # expect: CFL105


def open_elsewhere(path):
    return open(path)


async def awaited_sync(path):
    return await os_path_isfile(path)


def os_path_isfile(path):
    return path
