"""``codeflash-lab demo`` and ``lab`` from the command line: errors, Ctrl-C, clean state."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from codeflash_lab.cli import main


def _demo(*args: str) -> list[str]:
    return [sys.executable, "-m", "codeflash_lab", "demo", *args]


def _processes_in(folder: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cwd"]):
        cwd = proc.info.get("cwd") or ""
        if cwd.startswith(str(folder)):
            found.append(proc)
    return found


def test_demo_refuses_a_port_in_use_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        code = main(["demo", "--quick", "--workdir", str(tmp_path / "w"), "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert not (tmp_path / "w").exists()


def test_demo_refuses_a_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["demo", "--quick", "--workdir", str(tmp_path)]) == 2
    assert "was not made by the demo" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_demo_without_a_git_identity_says_how_to_set_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "gitconfig").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "EMAIL"}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / "gitconfig"), GIT_CONFIG_NOSYSTEM="1")
    proc = subprocess.run(
        _demo("--quick", "--workdir", str(tmp_path / "w")),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "git has no user name and email" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "w").exists()


@pytest.mark.slow
def test_ctrl_c_stops_every_server_and_leaves_a_clean_repository(tmp_path: Path) -> None:
    workdir = tmp_path / "w"
    seen: list[str] = []
    servers: list[psutil.Process] = []
    # ``with`` closes the pipes however the test ends, so none leaks into the next test.
    with subprocess.Popen(
        _demo("--quick", "--workdir", str(workdir)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + 120
            for line in proc.stdout:
                seen.append(line)
                if line.startswith("[experiment 1] Benchmarking"):
                    break
                assert time.monotonic() < deadline, "".join(seen)
            # Each run of the compare starts its servers afresh: on a busy machine the
            # first ones can take a moment to appear after the line.
            until = time.monotonic() + 30
            while not servers and time.monotonic() < until:
                servers = [p for p in _processes_in(workdir) if p.pid != proc.pid]
                time.sleep(0.05)
            assert servers, "the demo's servers should be running by now"
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130, err
    assert "demo interrupted; every server it started is stopped" in err
    assert "Traceback" not in err
    for server in servers:
        assert not server.is_running() or server.status() == psutil.STATUS_ZOMBIE
    assert _processes_in(workdir) == []
    project = workdir / "shopfront"
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == "", "the half-applied fix should be reverted"
    assert not (project / ".git" / "index.lock").exists()


def test_lab_without_a_notebooks_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lab", "--notebooks", str(tmp_path / "missing")]) == 2
    assert "no notebooks folder" in capsys.readouterr().err


def test_demo_help_names_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    for option in ("--quick", "--workdir", "--port", "--upstream-port"):
        assert option in out


def test_workshop_list_names_every_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workshop", "list", "--format", "json"]) == 0
    names = [e["name"] for e in json.loads(capsys.readouterr().out)]
    assert names[0] == "cache-on-async"
    assert "blocking-call" in names
    assert "offload-render" not in names


@pytest.mark.slow
def test_workshop_copy_then_check_an_untouched_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["workshop", "copy", str(tmp_path / "seat-3")]) == 0
    project = Path(capsys.readouterr().out.strip())
    assert (project / "shopfront" / "fraud.py").is_file()
    code = main(["workshop", "check", "blocking-call", "--project", str(project), "--no-measure"])
    out = capsys.readouterr().out
    assert code == 1
    assert "blocking-call: NOT YET" in out
    assert "hint:" in out


@pytest.mark.slow
def test_workshop_serve_runs_a_copy_on_its_own_ports_until_ctrl_c(tmp_path: Path) -> None:
    from codeflash_lab.demo import create_project

    project = create_project(tmp_path / "seat").project
    proc = subprocess.Popen(
        [sys.executable, "-m", "codeflash_lab", "workshop", "serve", "--project", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As a shell without job control starts a background job: Ctrl-C must still work.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert proc.stdout is not None
        upstream = proc.stdout.readline()
        service = proc.stdout.readline()
        assert upstream.startswith("upstream: http://127.0.0.1:")
        assert service.startswith("service:  http://127.0.0.1:")
        url = service.split()[1]
        with urllib.request.urlopen(url + "/health", timeout=10) as resp:
            assert json.loads(resp.read()) == {"ok": True}
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    assert proc.returncode == 0
    assert _processes_in(project) == []
