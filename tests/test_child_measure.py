"""The measuring child: standard library only, Python 3.9 syntax, same numbers as the bench."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from codeflash_lab.bench.stats import summarize_latencies
from codeflash_lab.profiling.in_project import CHILD_DIR, CHILD_SCRIPT, run_job, target_job

CHILD_FILES = sorted(CHILD_DIR.glob("*.py"))
SIBLINGS = {p.stem for p in CHILD_FILES}
#: Imported inside functions, only when the job asks for them.
OPTIONAL = {"yappi", "uvloop"}


def test_the_child_has_files() -> None:
    assert CHILD_SCRIPT in CHILD_FILES
    assert len(CHILD_FILES) >= 2


@pytest.mark.parametrize("path", CHILD_FILES, ids=lambda p: p.name)
def test_child_parses_as_python_3_9(path: Path) -> None:
    ast.parse(path.read_text(encoding="utf-8"), feature_version=(3, 9))


@pytest.mark.parametrize("path", CHILD_FILES, ids=lambda p: p.name)
def test_child_imports_only_the_standard_library(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            top_level |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top_level.add(node.module.split(".")[0])
    outside = top_level - set(sys.stdlib_module_names) - SIBLINGS - OPTIONAL - {"__future__"}
    assert not outside, f"{path.name} imports {sorted(outside)}"


def _load(name: str) -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_test_{name}", CHILD_DIR / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("n", [1, 2, 17, 5000])
def test_child_summary_equals_the_bench_summary(n: int) -> None:
    rng = random.Random(n)
    values = [int(rng.lognormvariate(13, 0.6)) for _ in range(n)]
    child = _load("_cflab_stats")
    assert child.summarize_latencies(values) == summarize_latencies(values)  # type: ignore[attr-defined]


def test_bench_job_writes_a_run(tmp_path: Path) -> None:
    (tmp_path / "ops_child.py").write_text(
        "import asyncio\nasync def op(ms):\n    await asyncio.sleep(ms / 1000)\n"
    )
    job = target_job("ops_child.py:op", cwd=tmp_path, args=[1])
    job.update(
        mode="bench",
        index=3,
        stall_ms=10.0,
        config={"concurrency": 2, "ops": None, "duration_s": None, "min_run_s": 0.2,
                "warmup_s": 0.05, "rate": None, "timeout_s": 5.0, "batch": 1},
    )  # fmt: skip
    doc = run_job(job, python=sys.executable, cwd=tmp_path, timeout_s=60)
    run = doc["run"]
    assert run["index"] == 3
    assert run["ok_ops"] > 0
    assert run["mode"] == "closed"
    assert run["latency_ms"]["p50"] >= 1.0
    assert run["warmup_ops"] > 0
    assert run["lag_max_ms"] is not None
    assert doc["python"] == sys.executable


def test_the_childs_folder_does_not_shadow_a_project_module(tmp_path: Path) -> None:
    # A project module named like the child's own entry point is the one imported.
    (tmp_path / "measure.py").write_text("async def op():\n    return None\n")
    job = target_job("measure:op", cwd=tmp_path)
    job["mode"] = "call"
    doc = run_job(job, python=sys.executable, cwd=tmp_path, timeout_s=60)
    assert doc["call"] == {"calls": 1}


def test_job_on_stdin_or_in_a_file(tmp_path: Path) -> None:
    (tmp_path / "ops_file.py").write_text("async def op():\n    return 1\n")
    out = tmp_path / "out.json"
    job = {**target_job("ops_file.py:op", cwd=tmp_path), "mode": "call", "out": str(out)}
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(job))
    proc = subprocess.run(
        [sys.executable, str(CHILD_SCRIPT), str(job_file)], cwd=tmp_path, check=False
    )
    assert proc.returncode == 0
    assert json.loads(out.read_text())["call"] == {"calls": 1}


def test_a_src_layout_package_that_is_not_installed_is_importable(tmp_path: Path) -> None:
    pkg = tmp_path / "src" / "notinstalled_pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("async def op():\n    return 1\n")
    (tmp_path / "harness_mod.py").write_text(
        "import notinstalled_pkg\nasync def run():\n    await notinstalled_pkg.op()\n"
    )
    for spec in ("harness_mod:run", "harness_mod.py:run", "notinstalled_pkg:op"):
        job = {**target_job(spec, cwd=tmp_path), "mode": "call"}
        assert run_job(job, python=sys.executable, cwd=tmp_path, timeout_s=60)["call"]
