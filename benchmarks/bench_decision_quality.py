"""Decision quality of ``compare``: false KEEPs and false regressions on A/A, power on true gains.

The pinned synthetic target: each op is a 2 ms busy-wait plus an 8 ms sleep, both scaled by
one log-normal factor (sigma 0.3), measured at concurrency 10 in fresh processes. B is the
same op scaled by ``1 - gain``. Each row prints the run-to-run CV it measured and is appended
to a TSV (``--tsv``), so rows can be collected over several invocations; every row carries
the commit and the tree id of ``codeflash_lab/bench`` it was measured with.

Load beside the trials:

- ``--load N``: N CPU-burning processes (started detached, so they count as other load);
- ``--mixed``: a job that copies and deletes a site-packages tree in a loop (files and memory).

Goals (issue 11): A/A 0 false KEEP and at most 1 false "regression" in 20; at least 18 of 20
true 20 % gains KEEP; median compare at most 30 s, max at most 60 s; with the short preset
and with ``--mixed``, 0 false KEEP and at least 9 of 10 true 20 % gains KEEP; at least 5 of 10
true 10 % gains KEEP at load 0.

Run: ``.venv/bin/python benchmarks/bench_decision_quality.py --aa 20 --ab 20 --load 4``
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from codeflash_lab.bench import BenchConfig, Measurable, compare
from codeflash_lab.bench.stats import coefficient_of_variation

SYNTHETIC = '''
import asyncio, os, random, time

_rng = random.Random(os.getpid() ^ time.perf_counter_ns())


async def op(scale):
    """2 ms busy-wait plus 8 ms sleep, both times one log-normal factor (sigma 0.3)."""
    factor = scale * _rng.lognormvariate(0.0, 0.3)
    end = time.perf_counter() + 0.002 * factor
    while time.perf_counter() < end:
        pass
    await asyncio.sleep(0.008 * factor)
'''

CONCURRENCY = 10
ROOT = Path(__file__).resolve().parent.parent


def _detached(command: str) -> int:
    """Start ``command`` outside our process tree (so it is other load); return its pid."""
    out = subprocess.run(
        ["setsid", "sh", "-c", f"{command} >/dev/null 2>&1 & echo $!"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


@contextmanager
def background_load(burners: int, mixed: bool) -> Iterator[list[int]]:
    """CPU burners and the file/memory churn job; stopped by pid on the way out."""
    pids = [_detached(f"{sys.executable} -c 'while True: pass'") for _ in range(burners)]
    churn_dir = None
    if mixed:
        churn_dir = tempfile.mkdtemp(prefix="codeflash-churn-")
        site = sysconfig.get_paths()["purelib"]
        pids.append(
            _detached(
                f"sh -c 'while true; do cp -r {site} {churn_dir}/copy; rm -rf {churn_dir}/copy; "
                "done'"
            )
        )
    if pids:
        print(f"load processes started (pids): {' '.join(map(str, pids))}", flush=True)
    try:
        time.sleep(1.0 if pids else 0.0)
        yield pids
    finally:
        for pid in pids:
            with suppress(ProcessLookupError):
                os.killpg(os.getpgid(pid), signal.SIGTERM)
        if churn_dir:
            subprocess.run(["rm", "-rf", churn_dir], check=False)


def _arm(folder: Path, label: str, scale: float) -> Measurable:
    return Measurable(spec="synthetic_ops.py:op", args=(scale,), cwd=str(folder), label=label)


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return out.stdout.strip() or "?"


def _trials(folder: Path, gain: float, n: int, args: argparse.Namespace) -> dict[str, object]:
    verdicts: collections.Counter[str] = collections.Counter()
    times, cvs = [], []
    config = BenchConfig(concurrency=CONCURRENCY)
    if args.preset == "quick":
        config = config.replace(min_run_s=0.5, warmup_s=0.2)
    for i in range(n):
        t0 = time.perf_counter()
        result = compare(
            _arm(folder, "A", 1.0),
            _arm(folder, "B", 1.0 - gain),
            config=config,
            preset=args.preset,
            budget_s=args.budget,
            save=False,
            progress=False,
            isolation="process",
        )
        took = time.perf_counter() - t0
        times.append(took)
        verdicts[f"{result.verdict}/{result.rule}"] += 1
        a_cv = coefficient_of_variation([r.latency_ms["p50"] for r in result.a_runs])
        if a_cv is not None:
            cvs.append(a_cv)
        print(
            f"  trial {i + 1}/{n} gain {gain:.0%}: {result.verdict} [{result.rule}] in {took:.1f} s, "
            f"{result.decision.rounds} rounds — {result.decision.evidence_summary()}",
            flush=True,
        )
    keeps = sum(v for k, v in verdicts.items() if k.startswith("KEEP"))
    regressions = verdicts.get("DISCARD/regression", 0)
    return {
        "gain": gain,
        "trials": n,
        "keep": keeps,
        "regression": regressions,
        "verdicts": dict(verdicts),
        "median_s": statistics.median(times),
        "max_s": max(times),
        "cv_pct": 100 * statistics.median(cvs) if cvs else float("nan"),
    }


def _row(args: argparse.Namespace, load1: float, res: dict[str, object]) -> str:
    kind = "A/A" if res["gain"] == 0 else f"A/B {res['gain']:.0%}"
    fields = [
        time.strftime("%Y-%m-%dT%H:%M:%S"),
        _git("rev-parse", "--short=12", "HEAD"),
        _git("rev-parse", "--short=12", "HEAD:codeflash_lab/bench"),
        "dirty" if _git("status", "--porcelain", "--", "codeflash_lab/bench") != "?" else "clean",
        str(args.load),
        "mixed" if args.mixed else "-",
        args.preset,
        str(args.budget or "default"),
        kind,
        str(res["trials"]),
        str(res["keep"]),
        str(res["regression"]),
        f"{res['median_s']:.1f}",
        f"{res['max_s']:.1f}",
        f"{res['cv_pct']:.1f}",
        f"{load1:.1f}",
        json.dumps(res["verdicts"], sort_keys=True),
    ]
    return "\t".join(fields)


HEADER = (
    "when\tcommit\tbench_tree\tbench_state\tload\tmixed\tpreset\tbudget\tkind\ttrials\tkeep"
    "\tregression\tmedian_s\tmax_s\trun_cv_pct\tloadavg_1m\tverdicts"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aa", type=int, default=20, help="A/A trials")
    parser.add_argument("--ab", type=int, default=20, help="A/B trials")
    parser.add_argument("--gain", type=float, default=0.20, help="B's true gain in A/B trials")
    parser.add_argument("--load", type=int, default=0, help="CPU-burning processes beside")
    parser.add_argument("--mixed", action="store_true", help="add a file and memory churn job")
    parser.add_argument("--preset", choices=("full", "quick"), default="full")
    parser.add_argument("--budget", type=float, default=None, help="seconds per compare")
    parser.add_argument("--tsv", type=Path, default=ROOT / "benchmarks" / "decision_quality.tsv")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="codeflash-dq-") as tmp:
        folder = Path(tmp)
        (folder / "synthetic_ops.py").write_text(SYNTHETIC)
        print(
            f"target: 2 ms busy-wait + 8 ms sleep, log-normal sigma 0.3, concurrency "
            f"{CONCURRENCY}, fresh processes; preset {args.preset}, load {args.load}"
            f"{' + mixed' if args.mixed else ''}",
            flush=True,
        )
        rows = []
        with background_load(args.load, args.mixed):
            for gain, n in ((0.0, args.aa), (args.gain, args.ab)):
                if n <= 0:
                    continue
                res = _trials(folder, gain, n, args)
                load1 = os.getloadavg()[0]
                kind = "A/A" if gain == 0 else f"A/B true gain {gain:.0%}"
                print(
                    f"{kind}: {res['trials']} trials, KEEP {res['keep']}, false regression "
                    f"{res['regression'] if gain == 0 else '-'}, verdicts {res['verdicts']}, "
                    f"compare median {res['median_s']:.1f} s max {res['max_s']:.1f} s, run-to-run "
                    f"CV of p50 {res['cv_pct']:.1f} %, load average {load1:.1f}",
                    flush=True,
                )
                rows.append(_row(args, load1, res))
        new = not args.tsv.exists()
        with args.tsv.open("a", encoding="utf-8") as fh:
            if new:
                fh.write(HEADER + "\n")
            for row in rows:
                fh.write(row + "\n")
        print(f"appended {len(rows)} row(s) to {args.tsv}")


if __name__ == "__main__":
    main()
