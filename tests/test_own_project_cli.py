"""bench, compare, sweep, profile, lag and debug of a module:function target of a project that is
not the demo, through the CLI: the target runs in the project's venv, which is left as it was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codeflash_lab.cli import main
from codeflash_lab.errors import ProfilingError
from codeflash_lab.profiling.yappi_cache import ensure_yappi, install_yappi
from codeflash_lab.workspace.setup_md import read_setup_md
from tests.own_project import DEP, OwnVenv, own_venv, write_own_project

pytestmark = pytest.mark.slow

QUICK = ["--duration", "0.2", "--min-run", "0.2", "--warmup", "0.05"]


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> OwnVenv:
    return own_venv(tmp_path_factory)


@pytest.fixture
def project(venv: OwnVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path / "cache"))
    root = write_own_project(tmp_path / "svc", venv)
    assert main(["init", str(root)]) == 0
    return root


def _json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_the_dependency_is_only_in_the_projects_venv(venv: OwnVenv) -> None:
    probe = f"import {DEP}, svc.handlers"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode != 0
    assert subprocess.run([str(venv.python), "-c", probe], capture_output=True).returncode == 0
    no_pandas = subprocess.run([str(venv.python), "-c", "import pandas"], capture_output=True)
    assert no_pandas.returncode != 0


def test_init_records_the_projects_venv(project: Path) -> None:
    facts = read_setup_md(project)
    assert facts["interpreter"] == str(project / ".venv" / "bin" / "python")
    assert facts["interpreter_version"] == ".".join(map(str, sys.version_info[:3]))
    assert facts["runner"] == ".venv/bin/python"
    assert facts["test_command"] == ".venv/bin/python -m pytest"


def test_bench_compare_profile_lag_debug_in_the_projects_venv(
    project: Path, venv: OwnVenv, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = venv.listing()
    where = ["--project", str(project), "--format", "json"]

    assert main(["bench", "svc.handlers:handle", "--runs", "1", *QUICK, *where]) == 0
    bench = _json(capsys)
    assert bench["runs"][0]["isolation"] == "process"
    assert bench["errors"] == 0
    assert bench["ops"] > 0

    code = main(["compare", "svc.handlers:slow_path", "svc.handlers:handle",
                 "--runs", "2", "--max-runs", "2", *QUICK, *where])  # fmt: skip
    assert code == 0
    compared = _json(capsys)
    assert compared["verdict"] in ("KEEP", "INCONCLUSIVE")
    assert all(r["errors"] == 0 for arm in ("a", "b") for r in compared[arm]["runs"])

    assert main(["sweep", "svc.handlers:handle", "--concurrency", "1,4", *QUICK, *where]) == 0
    sweep = _json(capsys)
    assert [lvl["concurrency"] for lvl in sweep["levels"]] == [1, 4]
    assert sweep["probe"]["blocking"] is False  # awaits a sleep: gathered calls overlap

    assert main(["profile", "svc.handlers:handle", "--duration", "0.2", *where]) == 0
    profile = _json(capsys)
    assert profile["rows"][0]["name"] == "handle"
    assert profile["rows"][0]["where"].endswith("src/svc/handlers.py:9")
    assert profile["notes"][0].startswith(f"ran in {project / '.venv' / 'bin' / 'python'} ")
    assert str(tmp_path / "cache" / "yappi") in profile["notes"][1]

    assert main(["lag", "svc.handlers:blocking", "--duration", "0.1", *where]) == 0
    lag = _json(capsys)
    assert lag["stalls"] >= 1
    assert lag["stall_list"][0]["path"].endswith("src/svc/handlers.py")

    assert main(["debug", "--target", "svc.handlers:blocking", "--quiet", *where]) == 0
    records = json.loads(capsys.readouterr().out)
    slow = [r for r in records if r["kind"] == "slow-callback"]
    assert slow
    # The line comes from a stack sample taken while the callback blocks.
    assert any((r["path"] or "").endswith("src/svc/handlers.py") for r in slow)

    # Nothing was installed into the project's venv: yappi went to the private cache.
    assert venv.listing() == before
    assert not any(name.startswith("yappi") for name in venv.listing())


def test_without_yappi_the_error_names_one_install_command(
    venv: OwnVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ProfilingError) as err:
        ensure_yappi(str(venv.python), reuse_own=False)
    text = str(err.value)
    assert f"-m pip --python {venv.python} install" in text
    assert f"--target {tmp_path / 'cache' / 'yappi'}" in text
    assert "--install-yappi" in text


def test_install_yappi_offline_says_so_in_one_line(
    venv: OwnVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path / "cache"))
    before = venv.listing()
    with pytest.raises(ProfilingError) as err:
        install_yappi(str(venv.python), env={"PIP_NO_INDEX": "1"})
    assert str(err.value).startswith("yappi could not be downloaded (offline?)")
    assert "\n" not in str(err.value)
    assert venv.listing() == before


def test_compare_base_head_runs_each_checkout_in_the_main_trees_venv(
    venv: OwnVenv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The temporary worktrees have no .venv; the interpreter comes from the main tree's
    # setup.md, and each checkout's own src/ is imported (never the venv's .pth copy).
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path / "cache"))
    root = write_own_project(tmp_path / "svc", venv, git=True)
    assert main(["init", str(root)]) == 0
    handlers = root / "src" / "svc" / "handlers.py"
    handlers.write_text(handlers.read_text().replace("    await asyncio.sleep(0.02)\n", ""))
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "x"],
                   cwd=root, check=True)  # fmt: skip
    capsys.readouterr()
    code = main(["compare", "svc.handlers:slow_path", "--base", "HEAD~1", "--head", "HEAD",
                 "--runs", "2", "--max-runs", "2", *QUICK, "--project", str(root),
                 "--format", "json"])  # fmt: skip
    assert code == 0
    result = _json(capsys)
    assert all(r["errors"] == 0 for arm in ("a", "b") for r in result[arm]["runs"])
    assert result["verdict"] in ("KEEP", "INCONCLUSIVE")
