"""A one-off data export script: download pages, write them to disk."""

import argparse
import asyncio
import csv
import json
from pathlib import Path

import httpx

OUT = Path("export")


async def download(client: httpx.AsyncClient, page: int) -> list[dict]:
    r = await client.get("https://api.example.com/items", params={"page": page})
    r.raise_for_status()
    return r.json()["items"]


async def export(pages: int) -> list[dict]:
    rows: list[dict] = []
    async with httpx.AsyncClient(timeout=30) as client:
        results = await asyncio.gather(*(download(client, p) for p in range(1, pages + 1)))
    for chunk in results:
        rows.extend(chunk)
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=sorted(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5)
    args = parser.parse_args()
    rows = await export(args.pages)
    OUT.mkdir(exist_ok=True)  # expect: CFL103
    await asyncio.to_thread(write_csv, rows, OUT / "items.csv")
    (OUT / "items.json").write_text(json.dumps(rows))  # expect: CFL103


if __name__ == "__main__":
    asyncio.run(main())
