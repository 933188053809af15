"""How long a report of a 10,000-row results.tsv takes to build, and how big the file is.

Goal: at most 3 s and 2 MB. Run: ``.venv/bin/python benchmarks/bench_report.py [ROWS]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from _sample_logs import write_log

from codeflash_lab.report import build_report
from codeflash_lab.workspace.layout import Workspace

GOAL_S = 3.0
GOAL_BYTES = 2 * 1024 * 1024


def main(rows: int = 10_000) -> int:
    """Time the heavy imports, a first build and a second build; print the figures."""
    start = time.perf_counter()
    import jinja2  # noqa: F401
    import matplotlib.backends.backend_svg
    import matplotlib.figure  # noqa: F401
    import pandas  # noqa: F401

    imports = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "project")
        write_log(ws.results_tsv, rows)
        out = Path(tmp) / "report.html"
        start = time.perf_counter()
        build_report(ws).to_file(out)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        build_report(ws).to_file(out)
        warm = time.perf_counter() - start
        size = out.stat().st_size
    print(f"rows: {rows:,}; load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"imports (matplotlib, pandas, jinja2): {imports:.2f} s")
    print(f"build + write, first: {cold:.2f} s")
    print(
        f"build + write, warm: {warm:.2f} s (goal <= {GOAL_S:.0f} s: {'ok' if warm <= GOAL_S else 'MISSED'})"
    )
    print(
        f"file size: {size / 1024 / 1024:.2f} MB (goal <= 2 MB: {'ok' if size <= GOAL_BYTES else 'MISSED'})"
    )
    return 0 if warm <= GOAL_S and size <= GOAL_BYTES else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
