"""The real-app benchmark finds an application's sdist whichever way its name is spelt."""

from __future__ import annotations

import importlib.util
import tarfile
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "scan_real_apps.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("_cflab_scan_real_apps", _PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "stem",
    [
        "aiohttp-devtools-1.1.2",
        "aiohttp_devtools-1.1.2",
        "Aiohttp_DevTools-1.1.2",
        "aiohttp.devtools-1.1.2",
    ],
)
def test_either_separator_and_any_case_match(bench, stem: str) -> None:
    assert bench.dist_matches(stem, "aiohttp-devtools", "1.1.2")
    assert bench.dist_matches(stem, "aiohttp_devtools", "1.1.2")


@pytest.mark.parametrize(
    "stem", ["aiohttp-devtools-1.1.3", "aiohttp-1.1.2", "aiohttp-devtools-extra-1.1.2", "1.1.2"]
)
def test_another_name_or_version_does_not_match(bench, stem: str) -> None:
    assert not bench.dist_matches(stem, "aiohttp-devtools", "1.1.2")


def test_an_already_extracted_hyphen_named_folder_is_used(bench, tmp_path: Path) -> None:
    src = tmp_path / "src" / "aiohttp-devtools-1.1.2"
    src.mkdir(parents=True)
    (src / "app.py").write_text("async def main():\n    pass\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    with tarfile.open(work / "aiohttp-devtools-1.1.2.tar.gz", "w:gz") as tar:
        tar.add(src, arcname=src.name)
    with tarfile.open(work / "aiohttp-devtools-1.1.2.tar.gz") as tar:
        tar.extractall(work, filter="data")
    assert bench.fetch("aiohttp_devtools", "1.1.2", work) == work / "aiohttp-devtools-1.1.2"
