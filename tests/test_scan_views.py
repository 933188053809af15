"""What the default view shows: test files and low-confidence findings are left out, counted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from codeflash_lab.cli import main
from codeflash_lab.scan import format_sarif, format_text, scan_paths
from codeflash_lab.scan.testfiles import TestLayout, load_test_layout

BLOCKING = "import time\n\nasync def handler():\n    time.sleep(1)\n"


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path_factory.mktemp("scan-cache")))


def _project(root: Path, pytest_table: str = "") -> Path:
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nrequires-python = ">=3.11"\n' + pytest_table, encoding="utf-8"
    )
    for rel in (
        "svc/app.py",
        "tests/test_app.py",
        "test/helpers.py",
        "svc/conftest.py",
        "svc/app_test.py",
        "svc/test_inline.py",
        "checks/check_app.py",
        "svc/contest.py",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BLOCKING, encoding="utf-8")
    return root


def test_pytest_conventions_hide_test_files_and_count_their_findings(tmp_path: Path) -> None:
    root = _project(tmp_path)
    result = scan_paths([root], cache=False)
    shown = sorted(Path(f.path).relative_to(root).as_posix() for f in result.findings)
    assert shown == ["checks/check_app.py", "svc/app.py", "svc/contest.py"]
    assert result.hidden_tests == 5
    assert result.files_scanned == 8
    assert "Not shown: 5 findings in test files" in format_text(result)
    everything = scan_paths([root], cache=False, include_tests=True)
    assert len(everything.findings) == 8
    assert everything.hidden_tests == 0


def test_configured_testpaths_and_python_files_are_tests_too(tmp_path: Path) -> None:
    table = '[tool.pytest.ini_options]\ntestpaths = ["checks"]\npython_files = ["check_*.py"]\n'
    root = _project(tmp_path, table)
    layout = load_test_layout(root)
    assert layout.testpaths == ("checks",)
    assert "check_*.py" in layout.python_files
    shown = [Path(f.path).name for f in scan_paths([root], cache=False).findings]
    assert shown == ["app.py", "contest.py"]


def test_setup_cfg_pytest_section_is_read(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[tool:pytest]\ntestpaths = it\n", encoding="utf-8")
    assert load_test_layout(tmp_path).testpaths == ("it",)
    assert TestLayout(root=tmp_path, testpaths=("it",)).is_test(str(tmp_path / "it" / "a.py"))


def test_paths_named_explicitly_are_never_hidden(tmp_path: Path) -> None:
    root = _project(tmp_path)
    one = scan_paths([root / "tests" / "test_app.py"], cache=False)
    assert len(one.findings) == 1
    assert one.hidden_tests == 0
    folder = scan_paths([root / "tests"], cache=False)
    assert len(folder.findings) == 1


def test_cli_include_tests_flag_and_json_counts_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path)
    assert main(["scan", "--no-save-run", "--format", "json", str(root)]) == 1
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 3
    assert "5 findings in test files" in captured.err
    assert main(["scan", "--no-save-run", "--include-tests", "--format", "json", str(root)]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 8


LOW = (
    "import asyncio\n\n"
    "async def handler(client, msg):\n"
    "    await client.ban(msg.author)\n"
    "    await client.notify(msg.channel)\n"
)


def test_low_confidence_findings_are_hidden_by_default_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "bot.py"
    path.write_text(LOW, encoding="utf-8")
    default = scan_paths([path], cache=False)
    assert default.findings == ()
    assert default.hidden_low == 1
    assert "1 low-confidence findings" in format_text(default)
    low = scan_paths([path], cache=False, min_confidence="low")
    assert [(f.code, f.confidence) for f in low.findings] == [("CFL301", "low")]
    sarif = json.loads(format_sarif(default))
    assert sarif["runs"][0]["properties"]["hiddenLowConfidenceFindings"] == 1
    with pytest.raises(ValueError, match="min_confidence"):
        scan_paths([path], min_confidence="sure")


NEW_GRAMMAR = (
    "type Pair[T] = tuple[T, T]\n\n"
    "def first[T](pair: Pair[T]) -> T:\n"
    "    return pair[0]\n\n"
    "async def handler():\n"
    "    return f\"{'nested' + f'{1}'}\"\n"
)


@pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="this Python parses PEP 695; the path needs an older one"
)
def test_newer_grammar_in_a_project_that_requires_it_is_counted_apart(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "new"\nrequires-python = ">=3.12"\n', encoding="utf-8"
    )
    (tmp_path / "modern.py").write_text(NEW_GRAMMAR, encoding="utf-8")
    (tmp_path / "app.py").write_text(BLOCKING, encoding="utf-8")
    result = scan_paths([tmp_path], cache=False)
    assert result.errors == ()
    assert [Path(e.path).name for e in result.needs_newer] == ["modern.py"]
    message = result.needs_newer[0].message
    assert message.startswith("needs Python >= 3.12")
    assert "skipped parsing in the project's interpreter" in message
    assert result.exit_code == 1
    assert "1 files need a newer Python" in format_text(result)
    old = tmp_path / "pyproject.toml"
    old.write_text('[project]\nname = "new"\nrequires-python = ">=3.10"\n', encoding="utf-8")
    broken = scan_paths([tmp_path], cache=False)
    assert broken.needs_newer == ()
    assert broken.errors[0].message.startswith("syntax error")


def test_cli_confidence_flag_and_text_show_each_findings_confidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bot.py"
    path.write_text(LOW, encoding="utf-8")
    assert main(["scan", "--no-save-run", str(path)]) == 0
    assert "1 low-confidence findings" in capsys.readouterr().out
    assert main(["scan", "--no-save-run", "--confidence", "low", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:4:5: CFL301 [sequential-awaits]" in out
    assert "(low confidence)" in out
    assert (
        main(["scan", "--no-save-run", "--confidence", "low", "--format", "json", str(path)]) == 1
    )
    record = json.loads(capsys.readouterr().out)[0]
    assert (record["confidence"], record["gain"].startswith("depends")) == ("low", True)
