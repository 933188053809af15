"""Templates written one by one through the repositories of one database session.

Each awaited call gets the same session-bound repository: its statements run one at a
time on that connection, so gathering them gains nothing (and an AsyncSession refuses).
A loop of independent HTTP requests is still reported.
"""

import httpx


async def create_templates(appliances: list[dict], templates_repo, rbac_repo, user) -> None:
    for appliance in appliances:
        await check_images(appliance, templates_repo)
        data = await render_template(appliance)
        await create_template(data, templates_repo, rbac_repo, user)


async def save_all(session, rows: list[dict]) -> None:
    for row in rows:
        await store_row(session, row)


async def check_images(appliance: dict, templates_repo) -> None:
    await templates_repo.images(appliance["image"])


async def render_template(appliance: dict) -> dict:
    return {"name": appliance["name"], "image": appliance["image"]}


async def create_template(data: dict, templates_repo, rbac_repo, user) -> None:
    await templates_repo.create(data)


async def store_row(session, row: dict) -> None:
    await session.execute("insert", row)


async def download_all(client: httpx.AsyncClient, urls: list[str]) -> list[bytes]:
    out = []
    for url in urls:
        response = await client.get(url)  # expect: CFL302
        out.append(response.content)
    return out
