"""A crawler script: fetch a sitemap, then every page, and save summaries."""

import asyncio
import hashlib
import json
import re
import sys
from pathlib import Path

import aiofiles
import aiohttp

OUT_DIR = Path("pages")
LINK_RE = re.compile(r'href="([^"]+)"')
CONCURRENCY = 8


async def fetch_text(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=20)) as resp:
        resp.raise_for_status()
        return await resp.text()


async def save(url: str, body: str) -> None:
    name = hashlib.sha1(url.encode()).hexdigest()
    async with aiofiles.open(OUT_DIR / f"{name}.html", "w") as fh:
        await fh.write(body)


async def worker(session: aiohttp.ClientSession, queue: asyncio.Queue, seen: set[str]) -> None:
    while True:
        url = await queue.get()
        try:
            body = await fetch_text(session, url)
            await save(url, body)
            for link in LINK_RE.findall(body):
                if link.startswith("http") and link not in seen:
                    seen.add(link)
                    queue.put_nowait(link)
        except aiohttp.ClientError as exc:
            print(f"failed {url}: {exc}", file=sys.stderr)
        finally:
            queue.task_done()


async def crawl(start: str) -> int:
    queue: asyncio.Queue[str] = asyncio.Queue()  # expect: CFL502
    seen = {start}
    queue.put_nowait(start)
    async with aiohttp.ClientSession() as session:
        workers = [asyncio.create_task(worker(session, queue, seen)) for _ in range(CONCURRENCY)]
        await queue.join()
        for w in workers:
            w.cancel()
    return len(seen)


async def sitemap_urls(session: aiohttp.ClientSession, sitemap: str) -> list[str]:
    body = await fetch_text(session, sitemap)
    return re.findall(r"<loc>(.*?)</loc>", body)


async def summarize(urls_file: str) -> None:
    urls = json.loads(Path(urls_file).read_text())  # expect: CFL103
    async with aiohttp.ClientSession() as session:
        bodies = await asyncio.gather(*(fetch_text(session, u) for u in urls))  # expect: CFL303
    sizes = {u: len(b) for u, b in zip(urls, bodies)}
    async with aiofiles.open("sizes.json", "w") as fh:
        await fh.write(json.dumps(sizes))


async def main() -> None:
    OUT_DIR.mkdir(exist_ok=True)  # expect: CFL103
    count = await crawl(sys.argv[1])
    print(f"crawled {count} pages")


if __name__ == "__main__":
    asyncio.run(main())
