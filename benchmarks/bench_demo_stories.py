"""The demo's two stories, measured: /process latency and /checkout scaling, before and after.

Starts the fake upstream (``--latency-ms``), the service as shipped (A) and the service
with every fix applied (B), then prints:

- /process p50 at concurrency 1 for A and B, in milliseconds and in upstream round
  trips (p50 / latency): the shipped code waits for 7 round trips one after another,
  the fixed code for about 1;
- /checkout throughput at concurrency 1, 2, 4, 8, 16 for A and B: flat for A (a
  blocking call holds the loop), growing with concurrency for B.

Goal: B's /process p50 under 2 round trips; B's /checkout throughput at 8 at least 3x
A's. Figures are ratios measured in one run.

Run: ``.venv/bin/python benchmarks/bench_demo_stories.py [--latency-ms 40] [--seconds 1.0]``
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

from codeflash_lab.bench import BenchConfig, Measurable, bench, sweep
from codeflash_lab.demo import EXERCISES, DemoServers, create_project
from codeflash_lab.demo.catalog import CHECKOUT, PROCESS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="demo-stories-") as tmp:
        shipped = create_project(Path(tmp) / "a").project
        fixed = Path(tmp) / "b"
        shutil.copytree(shipped, fixed, ignore=shutil.ignore_patterns(".git"))
        for item in EXERCISES:
            if not item.decoy:
                shutil.copyfile(item.fix_path, fixed / item.file)
        config = BenchConfig(duration_s=args.seconds, min_run_s=args.seconds, warmup_s=0.2)
        with DemoServers(Path(tmp) / "logs") as servers:
            up = servers.start_upstream(shipped, latency_ms=args.latency_ms)
            a = servers.start_service("a", shipped, upstream_url=up.url)
            b = servers.start_service("b", fixed, upstream_url=up.url)

            def target(url: str, label: str) -> Measurable:
                return dataclasses.replace(Measurable.of(url), label=label)

            print(f"upstream latency {args.latency_ms:g} ms per call")
            p50 = {}
            for name, server in (("A shipped", a), ("B fixed", b)):
                res = bench(target(server.url + PROCESS, name), config=config, runs=3,
                            isolation="loop", save=False, progress=False)  # fmt: skip
                p50[name] = res.to_dict()["latency_ms"]["p50"]
                trips = p50[name] / args.latency_ms
                print(f"/process {name:<10} p50 {p50[name]:7.1f} ms = {trips:4.1f} round trips")
            print(f"/process speed-up B/A: {p50['A shipped'] / p50['B fixed']:.2f}x")
            curves = {}
            for name, server in (("A shipped", a), ("B fixed", b)):
                res = sweep(target(server.url + CHECKOUT, name), levels=(1, 2, 4, 8, 16),
                            config=config, probe=False, isolation="loop", save=False,
                            progress=False)  # fmt: skip
                curves[name] = {
                    lv["concurrency"]: lv["throughput_ops_s"] for lv in res.to_dict()["levels"]
                }
                row = "  ".join(f"{c}: {t:6.1f}" for c, t in curves[name].items())
                print(f"/checkout {name:<10} req/s by concurrency  {row}")
            ratio = curves["B fixed"][8] / curves["A shipped"][8]
            print(f"/checkout throughput at concurrency 8, B/A: {ratio:.2f}x")
    print(f"elapsed {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
