"""CPU shares from /proc/stat, environment capture, nest-asyncio detection."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from codeflash_lab.bench.system import (
    CpuSample,
    capture_environment,
    cpu_shares,
    git_state,
    nest_asyncio_applied,
    take_cpu_sample,
)


def test_busy_loop_shows_as_client_cpu() -> None:
    before = take_cpu_sample()
    start = sum(os.times()[:2])
    while sum(os.times()[:2]) - start < 0.1:  # spin until 0.1 s of CPU, however busy the machine
        pass
    after = take_cpu_sample()
    client, background = cpu_shares(before, after)
    assert client >= 0.1 / (after.wall_s - before.wall_s) * 0.9  # the busy wait shows up
    assert background is None or 0.0 <= background <= 1.0


def test_shares_without_proc_stat() -> None:
    a = CpuSample(0.0, 0.0, None, None)
    b = CpuSample(2.0, 1.0, None, None)
    assert cpu_shares(a, b) == (0.5, None)


def test_environment_record() -> None:
    env = capture_environment(loop="asyncio")
    for key in ("python", "loop", "cpu_model", "nproc", "harness_version", "hash_seed",
                "nest_asyncio_applied"):  # fmt: skip
        assert key in env
    assert env["nest_asyncio_applied"] is nest_asyncio_applied() is False


def test_git_state(git_repo: Path, tmp_path: Path) -> None:
    state = git_state(git_repo)
    assert len(state["sha"]) == 40
    assert state["dirty"] is False
    (git_repo / "README.md").write_text("changed\n")
    assert git_state(git_repo)["dirty"] is True
    outside = tmp_path / "plain"
    outside.mkdir()
    assert git_state(outside) == {"sha": None, "dirty": None}


def test_our_processes_are_the_tool_and_what_it_started_never_other_load() -> None:
    import subprocess
    import sys

    from codeflash_lab.bench.system import our_cpu_seconds

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    out = subprocess.run(
        ["setsid", "sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"],
        capture_output=True,
        text=True,
        check=True,
    )
    stranger = int(out.stdout.strip())
    try:
        ours = our_cpu_seconds()
        assert ours is not None
        assert child.pid in ours
        assert stranger not in ours
    finally:
        child.kill()
        child.wait()
        os.kill(stranger, signal.SIGTERM)
