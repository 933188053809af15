"""Following calls into other scanned modules, and the cache keyed on the scanner's source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codeflash_lab.scan import scan_paths
from codeflash_lab.scan.cache import ScanCache, engine_digest
from codeflash_lab.scan.registry import all_rules, rule_set_id


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path_factory.mktemp("scan-cache")))


HASHING = """import hashlib


def slow_hash(data: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", data, b"salt", 100_000)


def quick(data: bytes) -> bytes:
    return data[:4]
"""
FILES = """import subprocess


def sh(cmd):
    return subprocess.run(cmd, check=True)
"""
HANDLERS = """from . import files
from .hashing import quick, slow_hash


async def login(password: bytes) -> bytes:
    return slow_hash(password)


async def tag(data: bytes) -> bytes:
    return quick(data)


async def deploy(target: str) -> None:
    files.sh(["make", target])
"""


def _package(root: Path) -> Path:
    pkg = root / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "hashing.py").write_text(HASHING, encoding="utf-8")
    (pkg / "files.py").write_text(FILES, encoding="utf-8")
    (pkg / "handlers.py").write_text(HANDLERS, encoding="utf-8")
    return pkg


def test_blocking_functions_of_another_module_are_followed_one_level(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    result = scan_paths([tmp_path], workers=1)
    found = {(Path(f.path).name, f.line, f.code, f.confidence) for f in result.findings}
    assert found == {
        ("handlers.py", 6, "CFL201", "medium"),
        ("handlers.py", 14, "CFL104", "medium"),
    }
    message = next(f.message for f in result.findings if f.code == "CFL201")
    assert "app.hashing.slow_hash" in message
    assert "another module" in message
    assert (pkg / "handlers.py").is_file()


def test_a_call_into_another_module_on_fixed_state_only_is_low(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    (pkg / "ops.py").write_text(
        "from . import files\n\n\nasync def rebuild() -> None:\n    files.sh(['make', 'all'])\n",
        encoding="utf-8",
    )
    shown = scan_paths([tmp_path], workers=1)
    assert not any(Path(f.path).name == "ops.py" for f in shown.findings)
    every = scan_paths([tmp_path], workers=1, min_confidence="low")
    found = {(Path(f.path).name, f.line, f.code, f.confidence) for f in every.findings}
    assert ("ops.py", 5, "CFL104", "low") in found
    assert ("handlers.py", 14, "CFL104", "medium") in found


def test_an_edit_in_the_imported_module_refreshes_its_importer(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    first = scan_paths([tmp_path], workers=1)
    assert any(f.line == 6 for f in first.findings)
    hashing = pkg / "hashing.py"
    hashing.write_text(
        HASHING.replace("hashlib.pbkdf2_hmac(", "bytes(").replace(
            '"sha256", data, b"salt", 100_000', "data"
        ),
        encoding="utf-8",
    )
    os.utime(hashing, ns=(1, 1))
    second = scan_paths([tmp_path], workers=1)
    assert not any(f.line == 6 for f in second.findings)
    hashing.write_text(HASHING, encoding="utf-8")
    third = scan_paths([tmp_path], workers=1)
    assert any(f.line == 6 for f in third.findings)


def test_the_cache_file_is_named_by_the_interpreter_and_the_scanner_source() -> None:
    digest = engine_digest()
    store = ScanCache(rule_set_id(all_rules()))
    assert digest in store.path.name
    assert len(digest) == 16
    import codeflash_lab.scan.cache as cache_module

    package = Path(cache_module.__file__).parent
    assert (package / "rules" / "blocking.py").is_file()
    engine_digest.cache_clear()
    try:
        assert engine_digest() == digest
    finally:
        engine_digest.cache_clear()


def test_a_rule_edit_gives_a_new_cache_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import codeflash_lab.scan.cache as cache_module

    copy = tmp_path / "scan"
    (copy / "rules").mkdir(parents=True)
    for rel in ("engine.py", "rules/blocking.py"):
        (copy / rel).write_text(f"# {rel}\n", encoding="utf-8")
    monkeypatch.setattr(cache_module, "_PACKAGE", copy)
    engine_digest.cache_clear()
    try:
        before = engine_digest()
        (copy / "rules" / "blocking.py").write_text("# edited\n", encoding="utf-8")
        engine_digest.cache_clear()
        assert engine_digest() != before
    finally:
        engine_digest.cache_clear()


NETWORK = """import aiohttp


async def fetch_price(session, sku):
    async with session.get(f"/prices/{sku}") as resp:
        return await resp.json()


async def price_total(session, skus):
    return sum([await fetch_price(session, s) for s in skus])
"""
STEPS = """from .network import price_total
from .profiles import load_profile


async def checkout(session, user, skus):
    profile = await load_profile(session, user)
    total = await price_total(session, skus)
    return profile, total
"""
PROFILES = """async def load_profile(session, user):
    async with session.get(f"/users/{user}") as resp:
        return await resp.json()
"""


def test_awaits_of_project_functions_that_reach_the_network_are_high_confidence(
    tmp_path: Path,
) -> None:
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "network.py").write_text(NETWORK, encoding="utf-8")
    (pkg / "profiles.py").write_text(PROFILES, encoding="utf-8")
    (pkg / "steps.py").write_text(STEPS, encoding="utf-8")
    whole = scan_paths([tmp_path], workers=1)
    alone = scan_paths([pkg / "steps.py"], workers=1)
    for result in (whole, alone):
        hits = [f for f in result.findings if f.code == "CFL301"]
        assert [(Path(f.path).name, f.line, f.confidence) for f in hits] == [
            ("steps.py", 6, "high")
        ]
    local = "async def load_profile(session, user):\n    return {'user': user}\n"
    (pkg / "profiles.py").write_text(local, encoding="utf-8")
    settled = scan_paths([pkg / "steps.py"], workers=1, min_confidence="low")
    assert [(f.code, f.confidence) for f in settled.findings] == [("CFL301", "low")]
