"""Target specs: parsing, loopback checks, and resolving async callables."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from codeflash_lab.errors import TargetError
from codeflash_lab.targets import (
    is_async_callable,
    is_loopback_host,
    parse_target,
    resolve_callable,
)


def test_module_spec_is_parsed_without_importing() -> None:
    target = parse_target("no_such_pkg.mod:work")
    assert target.kind == "callable"
    assert target.module == "no_such_pkg.mod"
    assert target.attr == "work"
    assert "no_such_pkg" not in sys.modules


def test_file_spec_keeps_the_path_and_a_dotted_attribute() -> None:
    target = parse_target("src/app/handlers.py:Service.handle")
    assert target.path == "src/app/handlers.py"
    assert target.attr == "Service.handle"
    assert target.module is None


@pytest.mark.parametrize(
    ("spec", "host", "port", "path"),
    [
        ("http://127.0.0.1:8080/items?id=3", "127.0.0.1", 8080, "/items?id=3"),
        ("http://localhost/", "localhost", 80, "/"),
        ("http://[::1]:9000", "::1", 9000, "/"),
        ("https://127.0.0.2:8443/x", "127.0.0.2", 8443, "/x"),
    ],
)
def test_loopback_urls_are_accepted(spec: str, host: str, port: int, path: str) -> None:
    target = parse_target(spec)
    assert (target.kind, target.host, target.port, target.url_path) == ("url", host, port, path)
    assert target.is_loopback


def test_remote_url_is_refused_unless_allowed() -> None:
    with pytest.raises(TargetError, match="allow-remote"):
        parse_target("http://example.com/")
    target = parse_target("http://example.com/", allow_remote=True)
    assert not target.is_loopback
    assert target.port == 80


@pytest.mark.parametrize(
    "spec", ["", "justaname", "pkg.mod:", ":fn", "ftp://127.0.0.1/", "pkg mod:fn", "m:1bad"]
)
def test_malformed_specs_raise_one_line(spec: str) -> None:
    with pytest.raises(TargetError) as info:
        parse_target(spec)
    assert "\n" not in str(info.value)


def test_loopback_host_names() -> None:
    assert is_loopback_host("127.0.0.1")
    assert is_loopback_host("LOCALHOST")
    assert is_loopback_host("[::1]")
    assert not is_loopback_host("10.0.0.1")
    assert not is_loopback_host("example.com")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_resolves_a_file_target_relative_to_cwd(tmp_path: Path) -> None:
    _write(tmp_path, "helper_mod_a.py", "VALUE = 41\n")
    _write(
        tmp_path,
        "work_a.py",
        "import helper_mod_a\n\nasync def op(x=1):\n    return helper_mod_a.VALUE + x\n",
    )
    fn = resolve_callable("work_a.py:op", cwd=tmp_path)
    assert asyncio.run(fn()) == 42


def test_resolves_a_module_target_and_a_method(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "svc_mod_b.py",
        "class Service:\n    async def handle(self):\n        return 'ok'\n\nsvc = Service()\n",
    )
    fn = resolve_callable("svc_mod_b:svc.handle", cwd=tmp_path)
    assert asyncio.run(fn()) == "ok"


def test_missing_module_names_the_target(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match=r"no_such_module_xyz:fn.*cannot import"):
        resolve_callable("no_such_module_xyz:fn", cwd=tmp_path)


def test_missing_file_and_missing_function(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="does not exist"):
        resolve_callable("nope.py:fn", cwd=tmp_path)
    _write(tmp_path, "work_c.py", "async def op():\n    return 1\n")
    with pytest.raises(TargetError, match="'other' not found"):
        resolve_callable("work_c.py:other", cwd=tmp_path)


def test_import_error_inside_the_file_is_one_line(tmp_path: Path) -> None:
    _write(tmp_path, "broken_d.py", "raise RuntimeError('boom\\nsecond line')\n")
    with pytest.raises(TargetError) as info:
        resolve_callable("broken_d.py:fn", cwd=tmp_path)
    message = str(info.value)
    assert "RuntimeError: boom" in message
    assert "\n" not in message


def test_sync_function_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "sync_e.py", "def op():\n    return 1\n")
    with pytest.raises(TargetError, match="not an async callable"):
        resolve_callable("sync_e.py:op", cwd=tmp_path)


def test_url_is_not_a_callable() -> None:
    with pytest.raises(TargetError, match="not a Python callable"):
        resolve_callable("http://127.0.0.1:1/")


def test_async_callable_detection() -> None:
    class Handler:
        async def __call__(self) -> int:
            return 1

    async def coro() -> None:
        return None

    assert is_async_callable(coro)
    assert is_async_callable(Handler())
    assert not is_async_callable(Handler)
    assert not is_async_callable(len)


def test_file_inside_a_package_keeps_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "src" / "pkg_rel_f"
    pkg.mkdir(parents=True)
    _write(pkg, "__init__.py", "")
    _write(pkg, "helpers.py", "FACTOR = 3\n")
    _write(pkg, "work.py", "from .helpers import FACTOR\n\nasync def op():\n    return FACTOR\n")
    fn = resolve_callable("src/pkg_rel_f/work.py:op", cwd=tmp_path)
    assert asyncio.run(fn()) == 3
    assert fn.__module__ == "pkg_rel_f.work"
