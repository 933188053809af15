"""The scan engine: bad input per file, parallel scanning, the content-hash cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codeflash_lab.errors import ScanError
from codeflash_lab.scan import format_json, format_sarif, format_text, scan_paths, scan_source
from codeflash_lab.scan.cache import ScanCache, content_key
from codeflash_lab.scan.registry import all_rules, rule_set_id

BLOCKING = "import time\n\nasync def handler():\n    time.sleep(1)\n"


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path_factory.mktemp("scan-cache")))


def _bad_tree(root: Path) -> Path:
    root.mkdir()
    (root / "good.py").write_text(BLOCKING, encoding="utf-8")
    (root / "syntax.py").write_text("async def f(:\n    pass\n", encoding="utf-8")
    (root / "latin.py").write_bytes(b"x = '\xff\xfe'\n")
    (root / "nul.py").write_bytes(b"x = 1\x00\n")
    (root / "nested.py").write_text("x = " + "(" * 300 + ")" * 300 + "\n", encoding="utf-8")
    (root / "deep.py").write_text("x = " + "1+" * 200_000 + "1\n", encoding="utf-8")
    with open(root / "huge.py", "wb") as fh:
        fh.truncate(9 * 1024 * 1024)
    (root / "self.py").symlink_to("self.py")
    (root / "gone.py").symlink_to("missing.py")
    (root / "loop").symlink_to(".", target_is_directory=True)
    os.mkfifo(root / "pipe.py")
    return root


def test_bad_files_are_reported_one_by_one_and_the_scan_goes_on(tmp_path: Path) -> None:
    root = _bad_tree(tmp_path / "proj")
    result = scan_paths([root], cache=False, workers=1)
    assert [(Path(f.path).name, f.code) for f in result.findings] == [("good.py", "CFL101")]
    by_name = {Path(e.path).name: e.message for e in result.errors}
    assert by_name["syntax.py"].startswith("syntax error")
    assert "decode" in by_name["latin.py"]
    assert "NUL" in by_name["nul.py"]
    assert "nested" in by_name["nested.py"]
    assert "nested too deeply" in by_name["deep.py"]
    assert "too large" in by_name["huge.py"]
    assert "symlink loop" in by_name["self.py"]
    assert "dangling" in by_name["gone.py"]
    assert "symlink loop" in by_name["loop"]
    assert "FIFO" in by_name["pipe.py"]
    assert result.exit_code == 2


def test_bad_files_appear_in_every_output_format(tmp_path: Path) -> None:
    root = _bad_tree(tmp_path / "proj")
    result = scan_paths([root], cache=True, workers=1)
    text = format_text(result)
    assert "syntax.py:1:" in text
    assert "error: syntax error" in text
    assert "pipe.py: error: not scanned: a FIFO" in text
    records = json.loads(format_json(result))
    errors = {Path(r["path"]).name for r in records if r["code"] == "CFL000"}
    assert {"syntax.py", "latin.py", "nul.py", "huge.py", "self.py", "pipe.py"} <= errors
    sarif = json.loads(format_sarif(result))
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    uris = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes}
    assert any(u.endswith("nested.py") for u in uris)
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_an_encoding_cookie_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + BLOCKING.encode())
    result = scan_paths([path], cache=False)
    assert result.errors == ()
    assert [f.line for f in result.findings] == [6]


def test_a_missing_path_is_a_per_path_error_and_no_paths_is_a_scan_error(tmp_path: Path) -> None:
    result = scan_paths([tmp_path / "nope"], cache=False)
    assert "missing" in result.errors[0].message
    with pytest.raises(ScanError):
        scan_paths([])


@pytest.mark.slow
def test_parallel_and_sequential_scans_agree(tmp_path: Path) -> None:
    for i in range(80):
        body = BLOCKING if i % 3 else "async def f(xs):\n    return [await fetch(x) for x in xs]\n"
        (tmp_path / f"m{i:02d}.py").write_text(body, encoding="utf-8")
    (tmp_path / "broken.py").write_text("def (\n", encoding="utf-8")
    one = scan_paths([tmp_path], cache=False, workers=1)
    two = scan_paths([tmp_path], cache=False, workers=2)
    assert one.findings == two.findings
    assert one.errors == two.errors
    assert one.files_scanned == 81
    assert len(one.findings) == 80


def test_the_cache_reuses_results_by_content_and_notices_edits(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(BLOCKING, encoding="utf-8")
    first = scan_paths([path])
    store = ScanCache(rule_set_id(all_rules()))
    assert store.get(content_key(path.read_bytes())) is not None
    again = scan_paths([path])
    assert again.findings == first.findings
    copy = tmp_path / "copy.py"
    copy.write_text(BLOCKING, encoding="utf-8")
    assert [f.path for f in scan_paths([copy]).findings] == [str(copy)]
    path.write_text(BLOCKING.replace("time.sleep(1)", "await g()"), encoding="utf-8")
    assert scan_paths([path]).findings == ()
    same_size = BLOCKING.replace("time.sleep(1)", "time.sleep(2)")
    path.write_text(same_size.replace("handler", "handlex"), encoding="utf-8")
    assert "handlex" in scan_paths([path]).findings[0].message


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(BLOCKING, encoding="utf-8")
    scan_paths([path])
    store = ScanCache(rule_set_id(all_rules()))
    store.path.write_bytes(b"not a cache")
    assert len(scan_paths([path]).findings) == 1


def test_scan_source_reports_nul_and_syntax_errors_as_data() -> None:
    assert scan_source("x = 1\x00").errors[0].message.startswith("not scanned")
    err = scan_source("def f(:\n").errors[0]
    assert err.line == 1
    assert err.message.startswith("syntax error")
    assert scan_source(BLOCKING).findings[0].code == "CFL101"
