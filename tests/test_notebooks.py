"""Every notebook on disk runs top to bottom in a real Jupyter kernel (QUICK mode, on the demo).

The guided notebooks run in order on one scratch copy of the demo service, as a learner
would; each workshop exercise runs against an unfixed copy (its checker must answer with a
hint), and one runs with the reference fix in place (its checker must pass). A notebook on
disk that is neither run here nor listed in ``SKIPPED`` with a reason fails the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from codeflash_lab.errors import NotebookError
from codeflash_lab.lab import run_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
GUIDED = [
    "00_start_here.ipynb",
    "01_discovery.ipynb",
    "02_baseline.ipynb",
    "03_experiment_loop.ipynb",
    "04_plateau_and_review.ipynb",
    "05_report.ipynb",
]
WORKSHOP = sorted(p.name for p in (NOTEBOOKS / "workshop").glob("*.ipynb"))
#: Notebooks deliberately not executed here, by path relative to notebooks/, with the reason.
SKIPPED: dict[str, str] = {}
#: Seconds allowed per cell: generous for a loaded 2-core machine, never unlimited.
CELL_TIMEOUT_S = 150.0
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Notebook Test",
    "GIT_AUTHOR_EMAIL": "notebooks@example.invalid",
    "GIT_COMMITTER_NAME": "Notebook Test",
    "GIT_COMMITTER_EMAIL": "notebooks@example.invalid",
}


def _on_disk() -> list[str]:
    return sorted(
        p.relative_to(NOTEBOOKS).as_posix()
        for p in NOTEBOOKS.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and "demo-workspace" not in p.parts
    )


def _run(path: Path, out: Path, **parameters: object) -> Path:
    failure = None
    try:
        run_notebook(
            path,
            parameters={"quick": True, **parameters},
            timeout_s=CELL_TIMEOUT_S,
            output_path=out,
            env=GIT_ENV,
        )
    except NotebookError as exc:
        failure = str(exc)
    if failure is not None:
        pytest.fail(failure, pytrace=False)
    return out


def _text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


def test_every_notebook_is_run_or_skipped_with_a_reason() -> None:
    covered = set(GUIDED) | {f"workshop/{name}" for name in WORKSHOP} | set(SKIPPED)
    on_disk = set(_on_disk())
    assert on_disk - covered == set(), "notebooks neither run nor skipped with a reason"
    assert set(GUIDED) <= on_disk, "a guided notebook listed here is missing"
    assert all(reason.strip() for reason in SKIPPED.values())
    assert len(WORKSHOP) >= 9, "one workshop exercise per planted antipattern"


def test_notebooks_are_committed_stripped() -> None:
    paths = [str(NOTEBOOKS / rel) for rel in _on_disk()]
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("nbstripout")), "--verify", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"run nbstripout on the notebooks:\n{proc.stdout}{proc.stderr}"


def test_each_notebook_has_one_parameters_cell_and_a_kernel() -> None:
    for rel in _on_disk():
        nb = nbformat.read(NOTEBOOKS / rel, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{rel}: needs exactly one cell tagged 'parameters'"
        assert nb.metadata.get("kernelspec", {}).get("name") == "python3", rel


@pytest.fixture(scope="module")
def guided_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Shared state of the guided sequence: where its demo copy and outputs live."""
    root = tmp_path_factory.mktemp("guided")
    return {"workdir": root / "demo-workspace", "out": root / "executed", "failed": None}


@pytest.mark.slow
@pytest.mark.parametrize("name", GUIDED)
def test_guided_notebook_runs(name: str, guided_run: dict[str, object]) -> None:
    if guided_run["failed"]:
        pytest.skip(f"an earlier guided notebook failed: {guided_run['failed']}")
    out_dir = Path(str(guided_run["out"]))
    extra: dict[str, object] = {}
    if name == "05_report.ipynb":
        extra["export_notebook"] = str(out_dir / "03_experiment_loop.ipynb")
    guided_run["failed"] = name
    out = _run(NOTEBOOKS / name, out_dir / name, demo_workdir=str(guided_run["workdir"]), **extra)
    guided_run["failed"] = None
    assert out.is_file()
    if name == "05_report.ipynb":
        project = Path(str(guided_run["workdir"])) / "shopfront"
        assert (project / ".codeflash" / "report.html").is_file()
        assert (project / ".codeflash" / "03_experiment_loop.html").is_file()


@pytest.fixture(scope="module")
def workshop_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One unfixed copy of the demo, shared by the exercises (they only read it)."""
    from codeflash_lab.demo import create_project

    old = {k: os.environ.get(k) for k in GIT_ENV}
    os.environ.update(GIT_ENV)
    try:
        return create_project(tmp_path_factory.mktemp("workshop") / "demo-workspace").project
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.mark.slow
@pytest.mark.parametrize("name", WORKSHOP)
def test_workshop_exercise_answers_an_unfixed_copy_with_a_hint(
    name: str, workshop_copy: Path, tmp_path: Path
) -> None:
    out = _run(NOTEBOOKS / "workshop" / name, tmp_path / name, project_dir=str(workshop_copy))
    text = _text(out)
    assert "NOT YET" in text
    assert "hint:" in text


@pytest.mark.slow
def test_workshop_checker_passes_with_the_reference_fix(tmp_path: Path) -> None:
    name = next(n for n in WORKSHOP if "cache-on-async" in n)
    out = _run(
        NOTEBOOKS / "workshop" / name,
        tmp_path / name,
        workdir=str(tmp_path / "demo-workspace"),
        apply_reference_fix=True,
        measure=False,
    )
    assert "cache-on-async: PASSED" in _text(out)


THIN_LOGS = {
    "empty": "",
    "non-numeric": "abc\tGET /p\tn/a\tfast\t?\t10\t\t\t8\t5\t0\tKEEP\tsequential-awaits\tx\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(THIN_LOGS))
def test_report_notebook_copes_with_a_thin_log(case: str, git_repo: Path, tmp_path: Path) -> None:
    from codeflash_lab.workspace import COLUMNS, init_workspace

    init_workspace(git_repo)
    (git_repo / ".codeflash" / "results.tsv").write_text(
        "\t".join(COLUMNS) + "\n" + THIN_LOGS[case], encoding="utf-8"
    )
    _run(NOTEBOOKS / "05_report.ipynb", tmp_path / "05.ipynb", project_dir=str(git_repo))
    assert (git_repo / ".codeflash" / "report.html").is_file()
