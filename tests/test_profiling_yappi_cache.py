"""yappi for the project's interpreter: from its own environment or a private cache folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codeflash_lab.profiling.yappi_cache import ensure_yappi, install_yappi


@pytest.fixture
def bare_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A venv of this same Python without yappi, and an empty private cache."""
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path / "cache"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "v")], check=True)
    return tmp_path / "v" / "bin" / "python"


def test_an_interpreter_that_imports_yappi_needs_nothing() -> None:
    assert ensure_yappi(sys.executable).extra_path == ()
    import yappi

    assert install_yappi(sys.executable) == Path(yappi.__file__).parent


def test_same_abi_copies_our_own_yappi_into_the_cache_not_the_venv(
    bare_venv: Path, tmp_path: Path
) -> None:
    site = next((tmp_path / "v" / "lib").glob("python3*/site-packages"))
    before = sorted(p.name for p in site.iterdir())
    source = ensure_yappi(str(bare_venv))
    (folder,) = source.extra_path
    assert Path(folder).is_relative_to(tmp_path / "cache" / "yappi")
    assert "copied from codeflash-lab's own environment" in source.note
    probe = f"import sys; sys.path.append({folder!r}); import yappi; print(yappi.__file__)"
    out = subprocess.run([str(bare_venv), "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.startswith(folder)
    assert sorted(p.name for p in site.iterdir()) == before
    # Already there: the next profile and --install-yappi reuse it, nothing downloaded.
    assert ensure_yappi(str(bare_venv)).note == f"yappi from the private folder {folder}"
    assert install_yappi(str(bare_venv), env={"PIP_NO_INDEX": "1"}) == Path(folder)
