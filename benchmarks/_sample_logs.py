"""Write realistic results.tsv logs of any length for the benchmark scripts."""

from __future__ import annotations

import random
from pathlib import Path

from codeflash_lab.categories import SLUGS
from codeflash_lab.workspace.results import COLUMNS, Experiment


def write_log(path: Path, rows: int, *, seed: int = 7) -> Path:
    """Write ``rows`` experiments to ``path``: a slowly improving series, mostly DISCARDs."""
    rng = random.Random(seed)
    latency, throughput = 120.0, 400.0
    lines = ["\t".join(COLUMNS)]
    for i in range(rows):
        factor = rng.uniform(0.8, 1.1)
        keep = factor < 0.93 and latency > 8.0
        after_lat = latency * factor
        after_tput = throughput / factor * rng.uniform(0.9, 1.02)
        exp = Experiment.build(
            commit=f"{rng.getrandbits(28):07x}",
            target_test="tests/test_service.py::test_fetch",
            baseline_latency_ms=round(latency, 3),
            optimized_latency_ms=round(after_lat, 3),
            baseline_throughput=round(throughput, 1),
            optimized_throughput=round(after_tput, 1),
            concurrency=16,
            status="KEEP" if keep else "DISCARD",
            pattern=SLUGS[i % len(SLUGS)],
            description=f"experiment {i + 1}: try a change to the {SLUGS[i % len(SLUGS)]} hot path",
            tests_passed=42,
            tests_failed=0,
        )
        if keep:
            latency, throughput = after_lat, after_tput
        lines.append("\t".join(exp.cells()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
