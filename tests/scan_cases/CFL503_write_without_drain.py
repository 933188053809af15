"""CFL503 write-without-drain: StreamWriter.write with no await drain() after it."""

import asyncio


async def handle_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)  # expect: CFL503
    writer.close()
    await writer.wait_closed()


async def send_hello(host: str, port: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"HELLO\r\n")  # expect: CFL503
    writer.close()


class ChatRoom:
    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []

    async def broadcast(self, line: bytes) -> None:
        for w in self.writers:
            w.write(line)  # expect: CFL503


async def client_handler(reader, writer) -> None:
    request = await reader.readline()
    writer.writelines([b"HTTP/1.0 200 OK\r\n", b"\r\n", request])  # expect: CFL503
    writer.close()


# ---- hard negatives -------------------------------------------------------------------


async def with_drain(reader, writer) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()


async def drain_after_loop(writer, chunks) -> None:
    for chunk in chunks:
        writer.write(chunk)
    await writer.drain()


async def aiohttp_response(request, web):
    resp = web.StreamResponse()
    await resp.prepare(request)
    await resp.write(b"chunk")
    return resp


async def aiofiles_write(fh) -> None:
    await fh.write("text")


async def csv_export(rows, path) -> None:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow(row)
    buf.write("\n")


async def transport_write(transport) -> None:
    transport.write(b"data")


async def log_write(log_file) -> None:
    log_file.write("line\n")


def sync_protocol_send(writer, data: bytes) -> None:
    writer.write(data)
