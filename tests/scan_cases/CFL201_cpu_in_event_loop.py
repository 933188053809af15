"""CFL201 cpu-in-event-loop: key derivation, compression, big loops, per-item parsing."""

import asyncio
import gzip
import hashlib
import json
import re
import zlib
from concurrent.futures import ProcessPoolExecutor

import bcrypt
import numpy as np
import pandas as pd
from PIL import Image

POOL = ProcessPoolExecutor()


async def register_user(username: str, password: str) -> bytes:
    salt = bcrypt.gensalt()
    return bcrypt.hashpw(password.encode(), salt)  # expect: CFL201


async def derive_key(password: bytes, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password, salt, 600_000)  # expect: CFL201


async def compress_export(payload: bytes) -> bytes:
    return gzip.compress(payload, compresslevel=9)  # expect: CFL201


async def inflate(blob: bytes) -> bytes:
    return zlib.decompress(blob)  # expect: CFL201


async def busy_sum() -> int:
    total = 0
    for i in range(10_000_000):  # expect: CFL201
        total += i * i
    return total


async def squares() -> int:
    return sum(i * i for i in range(10**7))  # expect: CFL201


async def parse_lines(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]  # expect: CFL201


async def export_rows(rows: list[dict]) -> list[str]:
    out = []
    for row in rows:
        out.append(json.dumps(row, sort_keys=True))  # expect: CFL201
    return out


async def match_all(patterns: list[str], text: str) -> list[bool]:
    hits = []
    for p in patterns:
        hits.append(bool(re.compile(p).search(text)))  # expect: CFL201
    return hits


async def make_thumbnail(data) -> bytes:
    img = Image.open(data)
    img.thumbnail((256, 256))  # expect: CFL201
    return img.tobytes()


async def invert(matrix: list[list[float]]):
    return np.linalg.inv(np.array(matrix))  # expect: CFL201


async def summarize(csv_path: str):
    df = pd.read_csv(csv_path)  # expect: CFL201
    return df.groupby("region").sum()  # expect: CFL201


# ---- hard negatives -------------------------------------------------------------------


async def offloaded_hash(password: str) -> bytes:
    return await asyncio.to_thread(bcrypt.hashpw, password.encode(), bcrypt.gensalt())


async def offloaded_pbkdf2(password: bytes, salt: bytes) -> bytes:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        POOL, lambda: hashlib.pbkdf2_hmac("sha256", password, salt, 600_000)
    )


async def small_loop(items: list[int]) -> int:
    total = 0
    for i in range(10):
        total += i
    return total


async def consumer(ws) -> None:
    # One message at a time from a socket: json.loads per message is normal.
    async for msg in ws:
        data = json.loads(msg)
        await ws.send(json.dumps({"echo": data}))


async def parse_once(body: str) -> dict:
    return json.loads(body)


async def compiled_once(text: str) -> bool:
    return bool(re.compile(r"\d+").search(text))


async def streaming_digest(chunks) -> str:
    h = hashlib.sha256()
    async for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def sync_compress(data: bytes) -> bytes:
    return zlib.compress(data)


async def sleep_loop() -> None:
    for _ in range(1_000_000):
        await asyncio.sleep(0)


async def checkpw_in_thread(pw: bytes, hashed: bytes) -> bool:
    def check() -> bool:
        return bcrypt.checkpw(pw, hashed)

    return await asyncio.to_thread(check)


def fib(n: int) -> int:
    total = 0
    for i in range(5_000_000):
        total += i % (n or 1)
    return total


def hash_password(pw: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pw.encode(), salt=salt, n=2**14, r=8, p=1)


async def cpu_via_helper(n: int) -> int:
    return fib(n)  # expect: CFL201


async def hash_via_helper(pw: str) -> bytes:
    return hash_password(pw, b"salt")  # expect: CFL201


async def helper_offloaded(pw: str) -> bytes:
    return await asyncio.to_thread(hash_password, pw, b"salt")


def cheap_helper(x: int) -> int:
    return x * 2


async def calls_cheap_helper(x: int) -> int:
    return cheap_helper(x)
