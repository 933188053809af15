"""CFL402 asyncio-run-in-async: a new event loop started under a running one."""

import asyncio
import atexit

import click


async def handler(request):
    data = asyncio.run(fetch_data(request.id))  # expect: CFL402
    return data


async def legacy_bridge(coro):
    loop = asyncio.get_event_loop()
    return loop.run_until_complete(coro)  # expect: CFL402


def fetch_sync(url: str) -> bytes:
    return asyncio.run(fetch(url))  # expect: CFL402


class Client:
    async def get(self, key: str) -> bytes:
        return b""

    def get_blocking(self, key: str) -> bytes:
        return asyncio.run(self.get(key))  # expect: CFL402


def compute_report(data) -> dict:
    return asyncio.run(build_report(data))  # expect: CFL402


async def on_request(data):
    return compute_report(data)


# ---- hard negatives -------------------------------------------------------------------


async def amain() -> None:
    await asyncio.sleep(0)


def main() -> None:
    asyncio.run(amain())


@click.command()
def cli() -> None:
    asyncio.run(amain())


def run_sync(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    raise RuntimeError("run_sync() cannot be used inside a running event loop")


async def in_worker_thread(coro_fn):
    return await asyncio.to_thread(lambda: asyncio.run(coro_fn()))


def test_something():
    assert asyncio.run(amain()) is None


def standalone_helper(path: str) -> None:
    # A plain script helper that no async code calls.
    asyncio.run(process_file(path))


if __name__ == "__main__":
    asyncio.run(amain())
    loop = asyncio.new_event_loop()
    loop.run_until_complete(amain())


class Template:
    async def render_async(self, **ctx) -> str:
        return ""

    def render(self, **ctx) -> str:
        return asyncio.run(self.render_async(**ctx))  # expect: CFL402

    def close(self) -> None:
        loop = asyncio.new_event_loop()
        loop.run_until_complete(cleanup())
        loop.close()


class App:
    @classmethod
    def launch_instance(cls) -> None:
        asyncio.run(cls.start_async())

    async def handler(self, conn) -> None:
        await conn.close()


class Hub:
    """Clean-up registered with ``atexit``: it runs after the loop has stopped."""

    def __init__(self) -> None:
        atexit.register(self.atexit)

    async def cleanup(self) -> None:
        await asyncio.sleep(0)

    def atexit(self) -> None:
        asyncio.run(self.cleanup())

    def stop_now(self) -> None:
        asyncio.run(self.cleanup())  # expect: CFL402
