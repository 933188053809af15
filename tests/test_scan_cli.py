"""``codeflash-lab scan``: formats, options, exit codes, saved runs, the pre-commit hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from codeflash_lab.cli import main
from codeflash_lab.workspace import load_runs

ROOT = Path(__file__).resolve().parent.parent
BLOCKING = "import time\n\nasync def handler():\n    time.sleep(1)\n"


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path_factory.mktemp("scan-cache")))


def test_exit_codes_0_clean_1_findings_2_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text("async def f():\n    return 1\n", encoding="utf-8")
    dirty = tmp_path / "dirty.py"
    dirty.write_text(BLOCKING, encoding="utf-8")
    broken = tmp_path / "broken.py"
    broken.write_text("def (:\n", encoding="utf-8")
    assert main(["scan", str(clean)]) == 0
    assert main(["scan", str(dirty)]) == 1
    assert f"{dirty}:4:5: CFL101 [blocking-call]" in capsys.readouterr().out
    assert main(["scan", str(broken), str(dirty)]) == 2
    assert main(["scan", "--select", "CFL9", str(dirty)]) == 2
    assert "select:" in capsys.readouterr().err


def test_json_and_sarif_go_alone_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.py"
    path.write_text(BLOCKING, encoding="utf-8")
    assert main(["scan", "--format", "json", str(path)]) == 1
    records = json.loads(capsys.readouterr().out)
    assert records[0]["code"] == "CFL101"
    assert records[0]["category"] == "blocking-call"
    assert main(["scan", "--format", "sarif", "--no-cache", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"


def test_select_ignore_and_target_version_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.py"
    path.write_text(
        BLOCKING + "\nasync def g(a):\n    x = await fetch(a)\n    y = await fetch_more(a)\n",
        "utf-8",
    )
    assert main(["scan", "--format", "json", "--ignore", "blocking-call", str(path)]) == 1
    records = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in records] == ["CFL301"]
    main(["scan", "--format", "json", "--select", "CFL301", "--target-version", "3.10", str(path)])
    assert "TaskGroup" not in json.loads(capsys.readouterr().out)[0]["fix"]


def test_findings_are_saved_as_a_scan_run_when_the_project_has_a_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".codeflash").mkdir()
    (tmp_path / "app.py").write_text(BLOCKING, encoding="utf-8")
    assert main(["scan", "--project", str(tmp_path), str(tmp_path)]) == 1
    runs = load_runs(tmp_path, "scan")
    assert len(runs) == 1
    assert runs[0]["findings"][0]["code"] == "CFL101"
    assert runs[0]["files_scanned"] == 1
    main(["scan", "--no-save-run", "--project", str(tmp_path), str(tmp_path)])
    assert len(load_runs(tmp_path, "scan")) == 1
    capsys.readouterr()


def test_the_pre_commit_hook_runs_the_scanner() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "codeflash-lab-scan")
    assert hook["entry"].startswith("codeflash-lab scan")
    assert hook["language"] == "python"
    assert "python" in hook["types_or"]


def test_the_scan_command_runs_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from codeflash_lab.cli.scan_cmds import main as scan_main

    path = tmp_path / "app.py"
    path.write_text(BLOCKING, encoding="utf-8")
    assert scan_main(["--no-save-run", "--format", "json", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)[0]["code"] == "CFL101"
    assert scan_main(["--select", "nope", str(path)]) == 2
