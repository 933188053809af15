"""The code checks on real diffs: each problem found where it is, nothing on clean changes."""

from __future__ import annotations

from pathlib import Path

from review_helpers import commit, start_project

from codeflash_lab.experiments.review import ReviewFinding, review

SERVICE = """
import asyncio


def fetch_user(user_id):
    record = {"id": user_id}
    if user_id < 0:
        raise ValueError("negative id")
    record["name"] = str(user_id)
    return record


async def handler(ids):
    out = []
    for i in ids:
        out.append(await asyncio.sleep(0, i))
    return out
"""


def _review(repo: Path, check: str) -> list[ReviewFinding]:
    return list(review(repo, checks=[check], run_tests=False).findings)


def _only(findings: list[ReviewFinding]) -> ReviewFinding:
    assert len(findings) == 1, findings
    return findings[0]


def test_asyncio_run_inside_async_def_is_an_error(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    changed = SERVICE.replace(
        "    return out\n", "    asyncio.run(asyncio.sleep(0))\n    return out\n"
    )
    commit(git_repo, {"svc.py": changed}, "k")
    f = _only(_review(git_repo, "asyncio-run"))
    assert (f.severity, f.path, f.line) == ("error", "svc.py", 16)
    assert "inside async def handler" in f.message
    assert "RuntimeError" in f.why


def test_asyncio_run_in_sync_helper_called_from_async_code_is_an_error(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    added = (
        "\n\nimport asyncio as aio\n\n\ndef load_sync():\n"
        "    loop = aio.new_event_loop()\n"
        "    return loop.run_until_complete(aio.sleep(0))\n\n\n"
        "async def refresh():\n    return load_sync()\n\n\n"
        "def report():\n    return aio.run(aio.sleep(0))\n"
    )
    commit(git_repo, {"svc.py": SERVICE + added}, "k")
    found = sorted(_review(git_repo, "asyncio-run"), key=lambda f: f.line)
    assert [(f.severity, f.line) for f in found] == [("error", 24), ("warning", 32)]
    assert "async code calls (refresh)" in found[0].message
    assert "run_until_complete" in found[0].message
    assert "asyncio.run() in report" in found[1].message


def test_asyncio_run_in_a_script_main_is_fine(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    script = (
        "import asyncio\n\n\nasync def work():\n    await asyncio.sleep(0)\n\n\n"
        "def main():\n    asyncio.run(work())\n\n\n"
        'if __name__ == "__main__":\n    main()\n    asyncio.run(work())\n'
    )
    commit(git_repo, {"run.py": script}, "k")
    assert _review(git_repo, "asyncio-run") == []


def test_async_twin_of_a_sync_function_is_flagged(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    twin = (
        "\n\nasync def fetch_user_async(user_id):\n"
        '    record = {"id": user_id}\n'
        "    if user_id < 0:\n"
        '        raise ValueError("negative id")\n'
        "    record['name'] = str(user_id)\n"
        "    await asyncio.sleep(0)\n"
        "    return record\n"
    )
    commit(git_repo, {"svc.py": SERVICE + twin}, "k")
    f = _only(_review(git_repo, "duplication"))
    assert (f.severity, f.line) == ("warning", 19)
    assert "fetch_user_async mirrors sync fetch_user at svc.py:4" in f.message
    assert "drift" in f.why


def test_async_twin_in_another_file_of_the_package_is_flagged(git_repo: Path) -> None:
    start_project(git_repo, {"pkg/sync_api.py": SERVICE, "pkg/__init__.py": ""})
    client = (
        "class AsyncClient:\n"
        "    async def fetch_user(self, user_id):\n"
        '        record = {"id": user_id}\n'
        "        if user_id < 0:\n"
        '            raise ValueError("negative id")\n'
        '        record["name"] = str(user_id)\n'
        "        return record\n"
    )
    commit(git_repo, {"pkg/aio.py": client}, "k")
    f = _only(_review(git_repo, "duplication"))
    assert f.path == "pkg/aio.py"
    assert "pkg/sync_api.py:4" in f.message


def test_editing_an_existing_async_function_is_not_duplication(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    commit(git_repo, {"svc.py": SERVICE.replace("sleep(0, i)", "sleep(0.0, i)")}, "k")
    assert _review(git_repo, "duplication") == []


RESOURCE_CODE = """
import aiohttp


async def get_json(url):
    session = aiohttp.ClientSession()
    response = await session.get(url)
    data = await response.json()
    await session.close()
    return data


async def read_config(path):
    return open(path).read()


async def fine(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()


async def also_fine(path):
    fh = open(path)
    try:
        return fh.read()
    finally:
        fh.close()


async def use_shared(session, url):
    data = await session.get(url)
    await session.close()
    return data


class Api:
    def __init__(self):
        self.session = aiohttp.ClientSession()

    async def call(self, url):
        data = await self.session.get(url)
        await self.session.close()
        return data

    async def close(self):
        await self.session.close()
"""


def test_resources_without_cleanup_and_foreign_closes(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    commit(git_repo, {"net.py": RESOURCE_CODE}, "k")
    found = sorted(_review(git_repo, "resources"), key=lambda f: f.line)
    assert [(f.line, f.severity) for f in found] == [
        (5, "warning"),
        (13, "warning"),
        (32, "warning"),
        (42, "warning"),
    ]
    assert "aiohttp.ClientSession() assigned to session in get_json" in found[0].message
    assert "50 concurrent requests" in found[0].why
    assert "open() used inline in read_config" in found[1].message
    assert "use_shared closes session, which its caller passed in" in found[2].message
    assert "Api.call closes the shared self.session" in found[3].message
    assert all("50 concurrent requests" in f.why for f in found)


SUPPRESS = """
import asyncio
import logging

log = logging.getLogger(__name__)


async def step(i):
    return i


async def swallow():
    try:
        await step(1)
    except:
        pass


async def fallback():
    try:
        return await step(1)
    except Exception:
        return None


async def logged():
    try:
        return await step(1)
    except Exception:
        log.exception("step failed")
        return None


async def dropped():
    await asyncio.gather(step(1), step(2), return_exceptions=True)


async def unchecked():
    results = await asyncio.gather(step(1), step(2), return_exceptions=True)
    return [r * 2 for r in results]


async def checked():
    results = await asyncio.gather(step(1), step(2), return_exceptions=True)
    for r in results:
        if isinstance(r, Exception):
            log.error("failed: %s", r)
    return results
"""


def test_suppression_findings(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    commit(git_repo, {"fan.py": SUPPRESS}, "k")
    found = sorted(_review(git_repo, "suppression"), key=lambda f: f.line)
    assert [(f.line, f.severity) for f in found] == [
        (14, "error"),
        (21, "warning"),
        (34, "warning"),
        (38, "warning"),
    ]
    assert "bare except with an empty body" in found[0].message
    assert "except Exception neither logs nor re-raises" in found[1].message
    assert "discarded" in found[2].message
    assert "no isinstance" in found[3].message
    assert "TaskGroup" in found[3].why


def test_behaviour_changes_are_listed_for_confirmation(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    changed = SERVICE.replace(
        "    out = []\n    for i in ids:\n        out.append(await asyncio.sleep(0, i))\n",
        "    out = await asyncio.gather(*(asyncio.sleep(0, i) for i in ids))\n",
    ).replace('raise ValueError("negative id")', 'raise LookupError(f"no user {user_id}")')
    commit(git_repo, {"svc.py": changed}, "k")
    found = sorted(_review(git_repo, "behaviour"), key=lambda f: f.line)
    assert [(f.severity, f.line) for f in found] == [("info", 7), ("info", 13)]
    assert "fetch_user now raises LookupError" in found[0].message
    assert "was ValueError('negative id')" in found[0].message
    assert "handler: awaits now overlap (gather)" in found[1].message


CONFIG = """
POOL_SIZE = 10
POOL_TIMEOUT_S = 5
"""

DB_BEFORE = """
import os

from settings import POOL_SIZE, POOL_TIMEOUT_S


def connect(create):
    return create(size=POOL_SIZE, timeout=POOL_TIMEOUT_S, dsn=os.getenv("DB_DSN"))
"""

DB_AFTER = """
import os

from settings import POOL_TIMEOUT_S


def connect(create):
    return create(size=20, timeout=POOL_TIMEOUT_S, dsn="postgres://localhost")
"""


def test_settings_left_dead_by_the_change(git_repo: Path) -> None:
    start_project(
        git_repo,
        {"settings.py": CONFIG, "db.py": DB_BEFORE, ".env": "DB_DSN=postgres://db\nOTHER=1\n"},
    )
    commit(git_repo, {"db.py": DB_AFTER}, "k")
    found = sorted(_review(git_repo, "config"), key=lambda f: (f.path, f.line))
    assert [(f.path, f.line, f.severity) for f in found] == [
        (".env", 1, "warning"),
        ("settings.py", 1, "warning"),
    ]
    assert "environment variable DB_DSN is still defined" in found[0].message
    assert "constant POOL_SIZE is still defined (settings.py:1)" in found[1].message
    assert "db.py:7" in found[1].message


def test_clean_change_has_no_code_findings(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE, "settings.py": CONFIG})
    clean = SERVICE.replace(
        "    out = []\n    for i in ids:\n        out.append(await asyncio.sleep(0, i))\n"
        "    return out\n",
        "    async with asyncio.TaskGroup() as tg:\n"
        "        tasks = [tg.create_task(asyncio.sleep(0, i)) for i in ids]\n"
        "    return [t.result() for t in tasks]\n",
    )
    commit(git_repo, {"svc.py": clean}, "k")
    checks = ["asyncio-run", "duplication", "resources", "suppression", "config"]
    assert list(review(git_repo, checks=checks, run_tests=False).findings) == []


def test_scanner_findings_only_on_changed_lines(git_repo: Path) -> None:
    old = "import time\n\n\nasync def old():\n    time.sleep(1)\n"
    start_project(git_repo, {"blocking.py": old})
    new = old + "\n\nasync def new():\n    time.sleep(2)\n"
    commit(git_repo, {"blocking.py": new}, "k")
    f = _only(_review(git_repo, "scan"))
    assert (f.severity, f.path, f.line) == ("warning", "blocking.py", 9)
    assert "[blocking-call]" in f.message
    assert "to_thread" in f.why


OWNED = """
import asyncio

import aiohttp

KEY = "client"


async def on_startup(app):
    app[KEY] = aiohttp.ClientSession()


async def reachable(host, port):
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
    except OSError:
        return False
    writer.close()
    return True


class Conn:
    async def _connect(self):
        self._reader, self._writer = await asyncio.wait_for(asyncio.open_connection("h", 1), 1)

    def _drop(self):
        self._writer.close()
"""


def test_owned_or_immediately_closed_resources_are_fine(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    commit(git_repo, {"owned.py": OWNED}, "k")
    assert _review(git_repo, "resources") == []


def test_asyncio_run_in_test_modules_is_left_alone(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE})
    test = "import asyncio\n\nfrom svc import handler\n\n\ndef test_it():\n    asyncio.run(handler([]))\n"
    commit(git_repo, {"tests/test_svc.py": test}, "k")
    assert _review(git_repo, "asyncio-run") == []


def test_same_plain_name_elsewhere_and_nested_wrappers_are_not_twins(git_repo: Path) -> None:
    start_project(git_repo, {"lib/sync_api.py": SERVICE})
    other = SERVICE.replace("def fetch_user(user_id):", "async def fetch_user(user_id):")
    wrapper = (
        "def around(step):\n"
        "    async def inner():\n"
        "        value = await step()\n"
        "        return value\n"
        "    return inner\n"
    )
    commit(git_repo, {"app/users.py": other, "app/wrap.py": wrapper}, "k")
    assert _review(git_repo, "duplication") == []


def test_asyncio_run_in_a_helper_called_from_another_modules_async_code(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SERVICE, "pkg/__init__.py": ""})
    helper = "import asyncio\n\n\ndef load():\n    return asyncio.run(asyncio.sleep(0))\n"
    caller = "from pkg.helpers import load\n\n\nasync def view():\n    return load()\n"
    commit(git_repo, {"pkg/helpers.py": helper, "pkg/views.py": caller}, "k")
    f = _only(_review(git_repo, "asyncio-run"))
    assert (f.severity, f.path, f.line) == ("error", "pkg/helpers.py", 5)
    assert "which async code calls (pkg/views.py:view)" in f.message
