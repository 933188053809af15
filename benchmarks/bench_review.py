"""How long the pre-submit review takes on a large diff, check by check.

A scratch repository gets MODULES service modules on main and an optimization
branch that rewrites a third of them (sequential awaits gathered, a twin, a
session, a swallowed error, a dead setting). Goal: the whole review (tests check
off) within 10 s for 300 modules. Run: ``.venv/bin/python benchmarks/bench_review.py [MODULES]``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codeflash_lab.experiments.review import CHECKS, review

GOAL_S = 10.0

MODULE = """
import asyncio
import os

POOL_SIZE_{i} = 10


def fetch_{i}(key):
    value = {{"key": key, "n": {i}}}
    if not key:
        raise ValueError("empty key")
    return value


async def handler_{i}(keys):
    out = []
    for key in keys:
        out.append(await asyncio.sleep(0, key))
    return out, POOL_SIZE_{i}, os.getenv("TIMEOUT_{i}")
"""

CHANGED = """
import asyncio

import aiohttp

POOL_SIZE_{i} = 10


def fetch_{i}(key):
    value = {{"key": key, "n": {i}}}
    if not key:
        raise ValueError("empty key")
    return value


async def fetch_{i}_async(key):
    value = {{"key": key, "n": {i}}}
    if not key:
        raise ValueError("empty key")
    return value


async def handler_{i}(keys):
    session = aiohttp.ClientSession()
    try:
        out = await asyncio.gather(*(asyncio.sleep(0, k) for k in keys))
    except Exception:
        pass
    return out, 20, None
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def build(repo: Path, modules: int) -> None:
    """A repository with ``modules`` files on main and a branch changing a third of them."""
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.name", "Bench")
    _git(repo, "config", "user.email", "bench@example.invalid")
    pkg = repo / "svc"
    pkg.mkdir()
    for i in range(modules):
        (pkg / f"mod_{i}.py").write_text(MODULE.format(i=i).lstrip(), encoding="utf-8")
    (repo / ".env").write_text("".join(f"TIMEOUT_{i}=5\n" for i in range(modules)))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "service")
    _git(repo, "checkout", "-q", "-b", "codeflash/optimize")
    for i in range(0, modules, 3):
        (pkg / f"mod_{i}.py").write_text(CHANGED.format(i=i).lstrip(), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "async: rewrite")


def main(modules: int = 300) -> int:
    """Build the repository, time each check and the whole review; print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        build(repo, modules)
        print(f"{modules} modules, {len(range(0, modules, 3))} changed")
        for name in CHECKS:
            if name == "tests":
                continue
            start = time.perf_counter()
            found = len(review(repo, checks=[name], run_tests=False).findings)
            print(f"  {name:<12} {time.perf_counter() - start:6.2f} s  {found:5d} findings")
        start = time.perf_counter()
        result = review(repo, run_tests=False)
        total = time.perf_counter() - start
        counts = result.counts()
    print(
        f"whole review: {total:.2f} s ({counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['info']} to confirm); goal {GOAL_S:g} s: {'met' if total <= GOAL_S else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
