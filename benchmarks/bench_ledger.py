"""The ledger at scale and under kills: ``status`` and ``record`` on a big log, and a kill -9 loop.

Prints, for a results.tsv of ``--rows`` rows (default 1,000,000, about 110 MB):

- ``status``: wall time and peak memory (the process's max RSS, from ``wait4``);
- ``record`` of a typed DISCARD and of a KEEP with ``--files`` (a commit): the same.

Goal (issue 13): each at most 10 s and 300 MB on 1 M rows.

With ``--kills N`` it then runs ``record --files`` N times on a small project and sends
``kill -9`` at a random moment of each, runs ``status`` after each kill, and checks
that nothing is lost or doubled: no journal entry is left, every keep commit with a
``Codeflash-Experiment`` trailer has its sidecar and exactly one row, and no row is
written twice. It prints how many kills landed before, during and after the commit.

Usage::

    .venv/bin/python benchmarks/bench_ledger.py [--rows 1000000] [--kills 40]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codeflash_lab.workspace.handoff import ensure_handoff
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import COLUMNS, ensure_results_file

PATTERNS = ("sequential-awaits", "blocking-call", "await-in-loop", "client-per-request")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def make_project(root: Path, rows: int) -> Path:
    repo = root / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Bench")
    git(repo, "config", "user.email", "bench@example.invalid")
    git(repo, "config", "commit.gpgsign", "false")
    (repo / "app.py").write_text("x = 0\n")
    git(repo, "add", "app.py")
    git(repo, "commit", "-q", "-m", "app")
    ws = Workspace(repo)
    ws.root.mkdir()
    ensure_results_file(ws.results_tsv)
    ensure_handoff(ws)
    if rows:
        with ws.results_tsv.open("w") as fh:
            fh.write("\t".join(COLUMNS) + "\n")
            for i in range(rows):
                keep = i % 9 == 0
                fh.write(
                    f"c{i:010d}\tapp:handler\t100\t{80 if keep else 101}\t"
                    f"{-20 if keep else 1}%\t50\t{60 if keep else 49}\t{20 if keep else -2}%\t"
                    f"10\t12\t0\t{'KEEP' if keep else 'DISCARD'}\t{PATTERNS[i % 4]}\t"
                    f"experiment {i}: one change to the handler\n"
                )
    return repo


def measure(repo: Path, *args: str) -> tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, exit code, stderr) of one ``codeflash-lab`` command."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "codeflash_lab", *args],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, proc.returncode, err


def scale(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        repo = make_project(Path(tmp), rows)
        size = (repo / ".codeflash" / "results.tsv").stat().st_size / 1e6
        print(f"log: {rows:,} rows, {size:.0f} MB (written in {time.perf_counter() - t0:.1f} s)")
        base = ("--target-test", "app:handler", "--pattern", "blocking-call", "--concurrency", "10")
        (repo / "app.py").write_text("x = 1\n")
        cases = [
            ("status", ("status",)),
            ("status --format json", ("status", "--format", "json")),
            ("record (typed DISCARD)",
             ("record", *base, "-m", "bench discard", "--latency-change=+1%")),
            ("record --files (KEEP, commit)",
             ("record", *base, "-m", "bench keep", "--latency-change=-30%", "--files", "app.py")),
        ]  # fmt: skip
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for name, args in cases:
            wall, cpu, peak, code, err = measure(repo, *args)
            verdict = "ok" if code == 0 else f"exit {code}: {err.strip()[-200:]}"
            goal = "within goal" if wall <= 10 and peak <= 300 else "OVER GOAL (10 s, 300 MB)"
            print(
                f"{name:30s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  peak {peak:6.1f} MB  "
                f"{verdict}; {goal}"
            )


def _trailers(repo: Path) -> list[tuple[str, str]]:
    fmt = "--format=%h%x1f%(trailers:key=Codeflash-Experiment,valueonly)"
    out = git(repo, "log", "--abbrev=12", fmt)
    pairs = []
    for line in out.splitlines():
        sha, _, rid = line.partition("\x1f")
        if rid.strip():
            pairs.append((sha, rid.strip()))
    return pairs


def kill_loop(kills: int, seed: int, window: float) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_project(Path(tmp), 0)
        cf = repo / ".codeflash"
        problems: list[str] = []
        killed = finished = 0
        for i in range(kills):
            (repo / "app.py").write_text(f"x = {i + 1}\n")
            args = ["record", "--target-test", "app:h", "--pattern", "blocking-call",
                    "-m", f"kill {i}", "--latency-change=-30%", "--files", "app.py"]  # fmt: skip
            proc = subprocess.Popen(
                [sys.executable, "-m", "codeflash_lab", *args],
                cwd=repo,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            time.sleep(rng.uniform(0.05, window))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                killed += 1
            else:
                finished += 1
            proc.wait()
            st = subprocess.run(
                [sys.executable, "-m", "codeflash_lab", "status"],
                cwd=repo, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if st.returncode != 0:
                problems.append(f"kill {i}: status failed: {st.stderr.strip()[-200:]}")
                break
            if list((cf / "pending").glob("*.json")):
                problems.append(f"kill {i}: a journal entry is left after status")
            # a file left staged by a kill between 'git add' and the commit is unstaged by hand
            subprocess.run(["git", "reset", "-q", "--", "app.py"], cwd=repo, check=False)
        lines = (cf / "results.tsv").read_text().splitlines()[1:]
        commits = [line.split("\t")[0] for line in lines]
        descriptions = [line.split("\t")[13] for line in lines]
        if len(set(descriptions)) != len(descriptions):
            problems.append("a row was written twice")
        trailers = _trailers(repo)
        for sha, rid in trailers:
            side = cf / "experiments" / f"{rid}.json"
            if not side.exists():
                problems.append(f"keep commit {sha} has no sidecar")
            elif json.loads(side.read_text())["state"] != "done":
                problems.append(f"keep commit {sha}: sidecar not done")
            if commits.count(sha) != 1:
                problems.append(f"keep commit {sha} has {commits.count(sha)} rows")
        rolled = sum(
            1
            for p in (cf / "experiments").glob("*.json")
            if json.loads(p.read_text())["state"] == "rolled-back"
        )
        print(
            f"kill -9 loop: {kills} records, {killed} killed, {finished} finished first; "
            f"{len(trailers)} keep commits, {len(lines)} rows, {rolled} rolled back; "
            f"problems: {len(problems)}"
        )
        for p in problems[:10]:
            print(f"  {p}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--kills", type=int, default=0, help="records to kill -9 (0: skip)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--window", type=float, default=3.0, help="kill at a random moment up to this many s"
    )
    args = parser.parse_args()
    if args.rows:
        scale(args.rows)
    if args.kills:
        kill_loop(args.kills, args.seed, args.window)


if __name__ == "__main__":
    main()
