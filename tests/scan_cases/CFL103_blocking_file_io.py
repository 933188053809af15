"""CFL103 blocking-file-io: open(), pathlib reads/writes, os/os.path/shutil in async code."""

import asyncio
import io
import json
import os
import os.path
import shutil
from pathlib import Path

import aiofiles
import anyio

CONFIG_DIR = Path("/etc/myapp")


async def load_config(name: str) -> dict:
    with open(CONFIG_DIR / f"{name}.json") as fh:  # expect: CFL103
        return json.load(fh)


async def save_report(path: str, body: str) -> None:
    with io.open(path, "w") as fh:  # expect: CFL103
        fh.write(body)


async def read_template(name: str) -> str:
    return (CONFIG_DIR / "templates" / name).read_text()  # expect: CFL103


async def write_upload(upload_dir: Path, filename: str, data: bytes) -> None:
    target = upload_dir / filename
    target.write_bytes(data)  # expect: CFL103


async def ensure_dirs(base: str) -> None:
    if not os.path.exists(base):  # expect: CFL103
        os.makedirs(base, exist_ok=True)  # expect: CFL103


async def cleanup(tmpdir: str) -> None:
    shutil.rmtree(tmpdir)  # expect: CFL103


async def list_reports(folder: str) -> list[str]:
    return sorted(os.listdir(folder))  # expect: CFL103


async def file_size(path: str) -> int:
    return os.path.getsize(path)  # expect: CFL103


async def path_from_string(p: str) -> bytes:
    return Path(p).read_bytes()  # expect: CFL103


class Storage:
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    async def put(self, key: str, data: bytes) -> None:
        (self.root / key).write_bytes(data)  # expect: CFL103

    async def exists(self, key: str) -> bool:
        return (self.root / key).exists()  # expect: CFL103


# ---- hard negatives -------------------------------------------------------------------


async def aiofiles_read(path: str) -> str:
    async with aiofiles.open(path) as fh:
        return await fh.read()


async def anyio_read(path: str) -> str:
    async with await anyio.open_file(path) as fh:
        return await fh.read()


async def offloaded_read(path: Path) -> str:
    return await asyncio.to_thread(path.read_text)


async def offloaded_open(path: str) -> str:
    def _read() -> str:
        with open(path) as fh:
            return fh.read()

    return await asyncio.to_thread(_read)


async def pure_path_helpers(base: str, name: str) -> str:
    # join/basename/splitext do no I/O
    full = os.path.join(base, name)
    stem, _ = os.path.splitext(os.path.basename(full))
    return stem


async def path_arithmetic(root: Path) -> str:
    return str((root / "a" / "b").with_suffix(".txt").name)


async def offloaded_glob(folder: Path) -> list[Path]:
    return await asyncio.to_thread(list, folder.glob("*.json"))  # linter-false-positive: the iterator is consumed in the worker thread (ruff#28040)


def sync_loader(path: str) -> str:
    with open(path) as fh:
        return fh.read()


async def awaited_open(store, key: str):
    # An awaited open belongs to an async API.
    return await store.open(key)


async def io_in_memory() -> str:
    buf = io.StringIO()
    buf.write("x")
    return buf.getvalue()


async def glob_on_the_loop(folder: Path) -> list[str]:
    return [p.name for p in folder.glob("*.json")]  # expect: CFL103


async def walk_on_the_loop(root: str) -> int:
    return sum(len(files) for _, _, files in os.walk(root))  # expect: CFL103


async def lazy_glob_handed_on(folder: Path, wrap):
    gen = folder.glob("*.txt")  # linter-false-positive: Path.glob is a generator, no I/O until iterated
    return wrap(gen)


async def iterdir_handed_on(folder: Path, wrap):
    gen = folder.iterdir()  # expect: CFL103
    return wrap(gen)


async def listed_on_the_loop(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))  # expect: CFL103


import click  # noqa: E402


@click.command()
@click.argument("path")
async def upload_command(path):
    with open(path, "rb") as fh:  # expect: CFL103/low
        return fh.read()
