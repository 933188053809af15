"""Project configuration: [tool.codeflash-lab], target version sources, noqa comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.scan import load_config, scan_paths, scan_source
from codeflash_lab.scan.fixes import parse_version

SOURCE = (
    "import asyncio, time\n\n"
    "async def handler(a, b):\n"
    "    time.sleep(1)\n"
    "    x = await fetch_a(a)\n"
    "    y = await fetch_b(b)\n"
    "    return x, y\n"
)


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path_factory.mktemp("scan-cache")))


def _project(root: Path, pyproject: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (root / "src").mkdir(exist_ok=True)
    (root / "src" / "app.py").write_text(SOURCE, encoding="utf-8")
    return root


def test_pyproject_select_ignore_and_target_version(tmp_path: Path) -> None:
    root = _project(
        tmp_path / "p",
        '[project]\nrequires-python = ">=3.9"\n\n'
        '[tool.codeflash-lab]\nignore = ["blocking-call"]\ntarget-version = "3.10"\n',
    )
    result = scan_paths([root / "src"])
    assert [f.code for f in result.findings] == ["CFL301"]
    assert result.target_version == (3, 10)
    assert "asyncio.gather" in result.findings[0].fix
    assert "TaskGroup" not in result.findings[0].fix


def test_cli_style_select_overrides_the_project_select(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", '[tool.codeflash-lab]\nselect = ["CFL301"]\n')
    assert [f.code for f in scan_paths([root]).findings] == ["CFL301"]
    assert [f.code for f in scan_paths([root], select=["CFL101"]).findings] == ["CFL101"]


def test_target_version_from_setup_md_then_requires_python(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", '[project]\nrequires-python = ">=3.8"\n')
    assert load_config(root).target_version == (3, 8)
    result = scan_paths([root], select=["CFL101"])
    assert "run_in_executor" in result.findings[0].fix
    (root / ".codeflash").mkdir()
    (root / ".codeflash" / "setup.md").write_text(
        "# Setup\n\n- python: 3.12\n- runner: uv\n", encoding="utf-8"
    )
    assert load_config(root / "src" / "app.py").target_version == (3, 12)
    fix = scan_paths([root], select=["CFL301"]).findings[0].fix
    assert "TaskGroup" in fix
    assert scan_paths([root], target_version="3.9").target_version == (3, 9)


def test_bad_config_values_raise_value_error_naming_the_key(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", "[tool.codeflash-lab]\nselect = 3\n")
    with pytest.raises(ValueError, match=r"^select"):
        scan_paths([root])


def test_parse_version_accepts_common_spellings() -> None:
    assert parse_version("3.12") == (3, 12)
    assert parse_version("py311") == (3, 11)
    assert parse_version(">=3.9,<4") == (3, 9)
    with pytest.raises(ValueError, match="target_version"):
        parse_version("latest")


def test_noqa_comments_suppress_by_code_prefix_category_or_all() -> None:
    base = "import time\nasync def f():\n    time.sleep(1)"
    assert len(scan_source(base).findings) == 1
    for comment in ("# noqa: CFL101", "# noqa: CFL1", "# noqa", "# NOQA: blocking-call"):
        assert scan_source(f"{base}  {comment}\n").findings == (), comment
    assert len(scan_source(f"{base}  # noqa: E501, CFL301\n").findings) == 1
