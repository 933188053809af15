"""Workshop checker pass counts: each speed exercise with its reference fix, and two fakes.

For every speed exercise (latency or throughput), a fresh copy of the demo service gets the
exercise's reference fix and ``check_exercise`` runs (scanner, tests, A/B benchmark with the
short compare preset), ``--tries`` times. Two things must never pass: an untouched exercise,
and a blocking call whose finding is hidden (a ``# noqa`` comment, or the call moved into a
sync helper) while the slow code still runs.

Goal (issue 11): every speed exercise passes in 5 of 5 tries at load 2; the fakes pass 0 times.

Run: ``.venv/bin/python benchmarks/bench_workshop_checks.py --tries 5 --load 2``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_decision_quality import background_load

from codeflash_lab.demo import EXERCISES, create_project, exercise
from codeflash_lab.demo.project import apply_fix
from codeflash_lab.demo.workshop import check_exercise

FRAUD = "shopfront/fraud.py"
CALL = "    with urllib.request.urlopen(url, timeout=5) as resp:"


def _suppressed(project: Path) -> None:
    path = project / FRAUD
    path.write_text(path.read_text().replace(CALL, CALL + "  # noqa"))


def _moved_to_helper(project: Path) -> None:
    path = project / FRAUD
    text = path.read_text().replace(
        CALL + "\n        verdict = json.loads(resp.read())",
        "    verdict = _fetch(url)",
    )
    text = text.replace(
        "async def screen(",
        "def _fetch(url):\n    with urllib.request.urlopen(url, timeout=5) as resp:\n"
        "        return json.loads(resp.read())\n\n\nasync def screen(",
    )
    path.write_text(text)


def _tries(
    name: str, change: Callable[[Path], None] | None, tries: int, tmp: Path
) -> tuple[int, list[str]]:
    passed, notes = 0, []
    for i in range(tries):
        project = create_project(tmp / f"{name}-{change.__name__ if change else 'fix'}-{i}").project
        if change is None:
            apply_fix(project, exercise(name))
        else:
            change(project)
        t0 = time.monotonic()
        result = check_exercise(name, project)
        took = time.monotonic() - t0
        passed += result.passed
        bench = next((d for d in result.details if d.startswith("benchmark:")), "no benchmark")
        notes.append(
            f"    try {i + 1}: {'PASS' if result.passed else 'not yet'} in {took:.0f} s; {bench}"
        )
        print(notes[-1], flush=True)
    return passed, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--load", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="exercise names (default: every speed one)")
    args = parser.parse_args()
    speed = [
        e.name
        for e in EXERCISES
        if e.measured and not e.decoy and e.expect in ("latency", "throughput")
    ]
    names = args.only or speed
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="codeflash-ws-") as tmp,
        background_load(args.load, False),
    ):
        for name in names:
            print(f"{name} with its reference fix:", flush=True)
            n, _ = _tries(name, None, args.tries, Path(tmp))
            rows.append((f"{name} (reference fix)", n))
        for label, change in (
            ("suppressed with # noqa", _suppressed),
            ("moved to a helper", _moved_to_helper),
        ):
            print(f"blocking-call, finding hidden ({label}), slow code still runs:", flush=True)
            n, _ = _tries("blocking-call", change, args.tries, Path(tmp))
            rows.append((f"blocking-call hidden: {label}", n))
        print("untouched copy:", flush=True)
        project = create_project(Path(tmp) / "untouched").project
        untouched = sum(check_exercise("blocking-call", project).passed for _ in range(args.tries))
        rows.append(("blocking-call untouched", untouched))
        load1 = os.getloadavg()[0]
    print(f"\nload {args.load} CPU burners, load average {load1:.1f} at the end")
    for label, n in rows:
        print(f"{label:<55} passed {n} of {args.tries}")


if __name__ == "__main__":
    main()
