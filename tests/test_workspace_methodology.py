"""The methodology lock: taken by the first measured baseline of a target, from the CLI,
the API or a notebook, and shown the same by the report, HANDOFF.md and a notebook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from codeflash_lab.bench import BenchConfig, bench
from codeflash_lab.errors import MethodologyError
from codeflash_lab.report import build_report
from codeflash_lab.workspace import (
    Methodology,
    Workspace,
    init_workspace,
    load_locks,
    load_methodology,
    lock_methodology,
    read_section,
)

TARGET = "work.py:op"
WORK = "import asyncio\n\n\nasync def op():\n    await asyncio.sleep(0)\n"
CONFIG = BenchConfig(concurrency=2, min_run_s=0.2, warmup_s=0.05)


def _project(tmp_path: Path, name: str) -> Path:
    project = tmp_path / name
    project.mkdir()
    (project / "work.py").write_text(WORK, encoding="utf-8")
    init_workspace(project)
    return project


def _show_lock_notebook(folder: Path, *, lock_first: bool) -> Path:
    """A notebook that (optionally) locks and measures a baseline, then shows the lock."""
    nb = new_notebook()
    params = new_code_cell("project = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        new_code_cell(
            "from codeflash_lab.bench import bench\n"
            "from codeflash_lab.lab import bench_config, lock_baseline, preset\n"
            f"if {lock_first!r}:\n"
            "    P = preset(True)\n"
            f"    locked = lock_baseline(project, {TARGET!r}, P)\n"
            f"    bench({TARGET!r}, config=bench_config(P), runs=1, isolation='loop',\n"
            "          project=project, cwd=project, progress=False)"
        ),
        new_code_cell(
            "from codeflash_lab.workspace import Workspace, methodology_markdown\n"
            "print(methodology_markdown(Workspace(project)))"
        ),
    ]
    path = folder / ("lock.ipynb" if lock_first else "show.ipynb")
    nbformat.write(nb, path)
    return path


def _notebook_text(notebook: Path, project: Path) -> str:
    from codeflash_lab.lab import run_notebook

    out = notebook.with_name(f"{project.name}-{notebook.name}")
    run_notebook(notebook, parameters={"project": str(project)}, cwd=project, output_path=out)
    executed = nbformat.read(out, as_version=4)
    return "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_each_entry_point_locks_and_every_view_shows_the_same_lock(tmp_path: Path) -> None:
    cli, api, notebook = (_project(tmp_path, n) for n in ("cli", "api", "notebook"))
    proc = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "bench", TARGET, "--runs", "1", "--concurrency",
         "2", "--duration", "0.2", "--min-run", "0.2", "--warmup", "0.05", "--isolation", "loop",
         "--project", str(cli)],
        cwd=cli, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    bench(TARGET, config=CONFIG, runs=1, isolation="loop", project=api, progress=False)
    _notebook_text(_show_lock_notebook(tmp_path, lock_first=True), notebook)

    show = _show_lock_notebook(tmp_path, lock_first=False)
    for project in (cli, api, notebook):
        ws = Workspace(project)
        locked = load_methodology(ws, TARGET)
        assert locked is not None, f"{project.name}: the first baseline did not lock"
        saved = json.loads(ws.methodology_json.read_text(encoding="utf-8"))
        assert saved["id"] == locked.id
        report = build_report(project)
        assert [lock["id"] for lock in report.locks] == [locked.id]
        assert f'<code class="lock-id">{locked.id}</code>' in report.to_html()
        handoff = read_section(ws, "Locked methodology")
        assert f"`{TARGET}`: id `{locked.id}`" in handoff
        assert "No baseline locked yet" not in ws.handoff_md.read_text(encoding="utf-8")
        assert f"`{TARGET}`: id `{locked.id}`" in _notebook_text(show, project)
    # the CLI and the API measured with the same settings: the same lock id
    assert load_methodology(Workspace(cli), TARGET) == load_methodology(Workspace(api), TARGET)


def test_a_second_target_gets_its_own_lock_beside_the_first(tmp_path: Path) -> None:
    ws = Workspace(_project(tmp_path, "p"))
    first = Methodology(target="app:a", concurrency=8, ops=1000)
    second = Methodology(target="app:b", concurrency=4, ops=500)
    lock_methodology(ws, first, via="bench")
    lock_methodology(ws, second, via="notebook")
    assert load_locks(ws) == {"app:a": first, "app:b": second}
    assert load_methodology(ws) == first  # the file's first lock, as before
    doc = json.loads(ws.methodology_json.read_text(encoding="utf-8"))
    assert doc["id"] == first.id
    assert doc["targets"]["app:b"]["id"] == second.id
    with pytest.raises(MethodologyError, match="concurrency: locked 4, requested 16"):
        lock_methodology(ws, Methodology(target="app:b", concurrency=16, ops=500))
    section = read_section(ws, "Locked methodology")
    assert f"`app:a`: id `{first.id}`" in section
    assert f"`app:b`: id `{second.id}`" in section
    assert "by notebook" in section


def test_the_id_of_default_settings_never_changes() -> None:
    # results already saved name this id: the hash of the defaults must stay the same
    assert Methodology(target="app:handler", concurrency=1).id == "c9dabff1be54"
