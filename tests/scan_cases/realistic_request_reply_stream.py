"""A line protocol client: each short command waits for its reply before the next.

A write followed by an awaited read of the peer's answer cannot pile up in the buffer;
writes that nothing waits on (a push loop, an echo) still can.
"""

import asyncio


async def monitor_command(host: str, port: int, command: str) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(command.encode() + b"\n")
    reply = await asyncio.wait_for(reader.readline(), timeout=3)
    writer.close()
    return reply


async def monitor_commands(host: str, port: int, commands: list[str]) -> list[bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    replies = []
    for command in commands:
        writer.write(command.encode() + b"\n")
        replies.append(await reader.readuntil(b"\n"))
    writer.close()
    return replies


async def push_all(host: str, port: int, lines: list[bytes]) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    for line in lines:
        writer.write(line)  # expect: CFL503
    done = await reader.readline()
    writer.close()
    return done


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.readline():
        writer.write(data)  # expect: CFL503
    writer.close()
