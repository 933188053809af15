"""A web app that reads files once and keeps them: only the uncached reads block per request."""

import functools
import hashlib
import json
import os

from aiohttp import web

_TEMPLATES: dict[str, str] = {}
_SETTINGS = None


class Site:
    def __init__(self, root: str) -> None:
        self.root = root
        self._css = None

    def css_hash(self) -> str:
        if not hasattr(self, "_css_hash"):
            with open(os.path.join(self.root, "app.css")) as fp:
                self._css_hash = hashlib.sha1(fp.read().encode()).hexdigest()[:6]
        return self._css_hash

    def css(self) -> str:
        if self._css is None:
            with open(os.path.join(self.root, "app.css")) as fp:
                self._css = fp.read()
        return self._css

    def manifest(self) -> dict:
        with open(os.path.join(self.root, "manifest.json")) as fp:
            return json.load(fp)

    async def page(self, request: web.Request) -> web.Response:
        body = f"<link href='/app.css?{self.css_hash()}'>{self.css()}"
        return web.Response(text=body)

    async def assets(self, request: web.Request) -> web.Response:
        return web.json_response(self.manifest())  # expect: CFL103


def template(name: str) -> str:
    if name not in _TEMPLATES:
        with open(f"templates/{name}") as fp:
            _TEMPLATES[name] = fp.read()
    return _TEMPLATES[name]


@functools.lru_cache(maxsize=256)
def schema(name: str) -> str:
    with open(f"schemas/{name}") as fp:
        return fp.read()


async def render(request: web.Request) -> web.Response:
    return web.Response(text=template("page.html") + schema("page.json"))


async def settings(request: web.Request) -> web.Response:
    global _SETTINGS
    if _SETTINGS is None:
        with open("settings.json") as fp:  # linter-false-positive: read once per process, then kept in _SETTINGS
            _SETTINGS = json.load(fp)
    return web.json_response(_SETTINGS)


async def per_request_cache(request: web.Request) -> web.Response:
    seen: dict[str, str] = {}
    name = request.match_info["name"]
    if name not in seen:
        with open(f"pages/{name}") as fp:  # expect: CFL103
            seen[name] = fp.read()
    return web.Response(text=seen[name])


async def reload(request: web.Request) -> web.Response:
    if request.query.get("fresh") is None:
        with open("settings.json") as fp:  # expect: CFL103
            data = json.load(fp)
        return web.json_response(data)
    return web.json_response({})
