"""A service whose registry loads its state once: from the app's lifespan and on SIGHUP.

What only the start-up and reload paths reach runs before (or beside) serving, so its
blocking calls are reported at low confidence; what a request reaches stays a finding.
"""

import asyncio
import json
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI


class Registry:
    _instance: "Registry | None" = None

    def __init__(self) -> None:
        self.settings: dict = {}
        self.projects: list[str] = []

    @classmethod
    def instance(cls) -> "Registry":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    async def start(self) -> None:
        await self._load_settings()
        await self._load_projects()
        await self._scan_folder()

    async def reload(self) -> None:
        await self._load_settings()
        await self._load_projects()

    async def refresh(self) -> None:
        await self._scan_folder()

    async def _load_settings(self) -> None:
        with open("settings.json") as f:  # expect: CFL103/low
            self.settings = json.load(f)

    async def _load_projects(self) -> None:
        self.projects = os.listdir("projects")  # expect: CFL103/low

    async def _scan_folder(self) -> None:
        self.projects = os.listdir("projects")  # expect: CFL103

    async def open_project(self, name: str) -> dict:
        with open(os.path.join("projects", name)) as f:  # expect: CFL103
            return json.load(f)


@asynccontextmanager
async def lifespan(app: FastAPI):
    await Registry.instance().start()
    yield


def on_sighup() -> None:
    asyncio.ensure_future(Registry.instance().reload())  # expect: CFL401


app = FastAPI(lifespan=lifespan)


@app.get("/projects/{name}")
async def get_project(name: str) -> dict:
    return await Registry.instance().open_project(name)


@app.post("/refresh")
async def refresh() -> None:
    await Registry.instance().refresh()
