"""Run one test again and again beside CPU-burning processes and print how often it passed.

Checks that a test does not depend on an idle machine, e.g. the lag monitor's stall
attribution inside a Jupyter kernel::

    .venv/bin/python benchmarks/bench_tests_under_load.py --runs 20 --burners 4 \\
        "tests/test_profiling_jupyter.py::test_lag_monitor_debug_capture_and_profile_work_inside_a_kernel"

The burners are plain ``while True: pass`` processes, stopped at the end (also on
Ctrl-C or an error).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _burners(n: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def _first_error(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("E "):
            return line[:160]
    tail = [line for line in output.splitlines() if line.strip()]
    return tail[-1][:160] if tail else "no output"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("test", help="pytest node id")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--burners", type=int, default=4)
    args = parser.parse_args()
    burners = _burners(args.burners)
    passed = 0
    failures: list[str] = []
    started = time.monotonic()
    try:
        time.sleep(1.0)  # let the burners take the CPUs
        for i in range(args.runs):
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", args.test, "-q", "-p", "no:randomly",
                 "-p", "no:cacheprovider"],
                capture_output=True, text=True, cwd=ROOT, check=False,
            )  # fmt: skip
            load = os.getloadavg()[0]
            if proc.returncode == 0:
                passed += 1
                print(f"run {i + 1:2d}: passed (load {load:.1f})", flush=True)
            else:
                why = _first_error(proc.stdout + proc.stderr)
                failures.append(why)
                print(f"run {i + 1:2d}: FAILED (load {load:.1f}): {why}", flush=True)
    finally:
        for b in burners:
            b.kill()
        for b in burners:
            b.wait()
    took = time.monotonic() - started
    print(
        f"{passed} of {args.runs} runs passed beside {args.burners} CPU burners "
        f"on {os.cpu_count()} CPUs in {took:.0f} s"
    )
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
