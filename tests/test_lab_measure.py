"""The preset's benchmark settings, the stable target name and the methodology lock."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from codeflash_lab.errors import MethodologyError, WorkspaceError
from codeflash_lab.lab import QUICK, bench_config, bench_options, lock_baseline, measurable
from codeflash_lab.workspace import Workspace, init_workspace, load_methodology


def test_cli_options_and_config_say_the_same_thing() -> None:
    opts = bench_options(QUICK)
    pairs = dict(zip(opts[::2], opts[1::2], strict=True))
    config = bench_config(QUICK)
    assert int(pairs["--concurrency"]) == config.concurrency == QUICK.concurrency
    assert float(pairs["--duration"]) == config.duration_s == QUICK.duration_s
    assert float(pairs["--min-run"]) == config.min_run_s
    assert float(pairs["--warmup"]) == config.warmup_s
    assert bench_options(QUICK, runs=5)[3] == "5"


def test_measurable_keeps_a_stable_name() -> None:
    target = measurable("http://127.0.0.1:41234/process?x=1", "GET /process")
    assert target.label == "GET /process"
    assert target.spec == "http://127.0.0.1:41234/process?x=1"
    assert measurable("http://127.0.0.1:1/x").label == "http://127.0.0.1:1/x"


def test_lock_baseline_locks_once_and_refuses_other_settings(git_repo: Path) -> None:
    with pytest.raises(WorkspaceError):
        lock_baseline(git_repo, "GET /process", QUICK)
    init_workspace(git_repo)
    locked = lock_baseline(git_repo, "GET /process", QUICK)
    assert load_methodology(Workspace(git_repo)) == locked
    assert lock_baseline(git_repo, "GET /process", QUICK) == locked
    wider = dataclasses.replace(QUICK, concurrency=QUICK.concurrency * 2)
    with pytest.raises(MethodologyError):
        lock_baseline(git_repo, "GET /process", wider)
    assert lock_baseline(git_repo, "GET /process", wider, new_baseline=True).concurrency == 16


_APP = """\
import asyncio


async def handler():
    await asyncio.sleep(0)
    return "ok"
"""


@pytest.mark.parametrize("isolation", ["process", "loop"])
def test_a_spec_resolves_against_the_project_from_a_kernel_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolation: str
) -> None:
    from codeflash_lab.bench import BenchConfig, bench
    from codeflash_lab.errors import TargetError

    project = tmp_path / "service"
    project.mkdir()
    (project / "app.py").write_text(_APP, encoding="utf-8")
    elsewhere = tmp_path / "notebooks"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # where a kernel started from notebooks/ runs
    config = BenchConfig(duration_s=0.1, min_run_s=0.1, warmup_s=0.0)

    target = measurable("app.py:handler", "handler", project=project)
    assert target.cwd == str(project.resolve())
    assert target.label == "handler"
    result = bench(target, config=config, runs=1, isolation=isolation, progress=False)
    assert result.runs[0].ok_ops > 0
    assert result.runs[0].errors == 0

    # Without the project, the same spec is looked up in the kernel's folder.
    with pytest.raises(TargetError):
        bench(measurable("app.py:handler"), config=config, runs=1, isolation=isolation)
