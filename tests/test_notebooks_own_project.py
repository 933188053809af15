"""Notebooks 01-03 on a project that is not the demo, with only the parameters changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flow_project import OWN_TARGET, drop_the_wait, git, own_git_project
from own_project import OwnVenv, own_venv

from codeflash_lab.errors import NotebookError
from codeflash_lab.lab import run_notebook
from codeflash_lab.workspace.results import read_results

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
HANDLERS_PY = "src/svc/handlers.py"
#: A module:function target, resolved from the project's src/ in the project's interpreter.
TARGET = OWN_TARGET


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> OwnVenv:
    return own_venv(tmp_path_factory)


def _text(path: Path) -> str:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


def _run(name: str, out: Path, **parameters: object) -> None:
    try:
        run_notebook(
            NOTEBOOKS / name,
            parameters={"quick": True, **parameters},
            timeout_s=150.0,
            output_path=out / name,
        )
    except NotebookError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.mark.slow
def test_notebooks_01_to_03_on_an_own_project(venv: OwnVenv, tmp_path: Path) -> None:
    project = own_git_project(tmp_path / "svc", venv)
    before = venv.listing()
    kept = drop_the_wait((project / HANDLERS_PY).read_text())
    out = tmp_path / "executed"
    common = {"project_dir": str(project)}
    _run("01_discovery.ipynb", out, **common)
    _run(
        "02_baseline.ipynb",
        out,
        **common,
        target=TARGET,
        debug_command='.venv/bin/python -c \'import asyncio, sys; sys.path.insert(0, "src"); '
        "from svc.handlers import blocking; asyncio.run(blocking())'",
        profile_target=TARGET,
    )
    _run(
        "03_experiment_loop.ipynb",
        out,
        **common,
        target=TARGET,
        pattern="sequential-awaits",
        summary="drop the 20 ms wait from slow_path",
        change={HANDLERS_PY: kept},
    )
    assert "guard: tests: 1 passed, 0 failed" in _text(out / "01_discovery.ipynb")
    baseline = _text(out / "02_baseline.ipynb")
    assert "(exit 0)" in baseline
    assert "asyncio debug: 1 slow callback" in baseline
    assert f"[baseline] {TARGET}: p50 " in baseline
    loop = _text(out / "03_experiment_loop.ipynb")
    assert "KEEP [threshold]" in loop
    assert "show it is noise" not in loop
    rows = read_results(project / ".codeflash" / "results.tsv").rows
    assert [(r.status, r.tests_passed, r.tests_failed) for r in rows] == [("KEEP", 1, 0)]
    assert git(project, "log", "-1", "--format=%s") == "async: drop the 20 ms wait from slow_path\n"
    assert (project / HANDLERS_PY).read_text() == kept
    assert venv.listing() == before
