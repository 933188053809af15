"""CFL106 blocking-input: input(), getpass and sys.stdin in async code."""

import asyncio
import getpass
import sys


async def confirm(prompt: str) -> bool:
    return input(f"{prompt} [y/N] ").lower() == "y"  # expect: CFL106


async def login() -> str:
    return getpass.getpass("password: ")  # expect: CFL106


async def read_command() -> str:
    return sys.stdin.readline().strip()  # expect: CFL106


# ---- hard negatives -------------------------------------------------------------------


async def ask_in_thread(prompt: str) -> str:
    return await asyncio.to_thread(input, prompt)


async def ask_in_lambda(prompt: str) -> str:
    return await asyncio.to_thread(lambda: input(prompt))


def sync_prompt() -> str:
    return input("name: ")


async def reader_from_stdin(loop) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    protocol = asyncio.StreamReaderProtocol(reader)
    await loop.connect_read_pipe(lambda: protocol, sys.stdin)
    return reader
