"""How long a dashboard redraw takes over a 1,000-row results.tsv (goal: at most 200 ms).

Each redraw is what a control change triggers: filter, build the figure, render
the PNG shown in place. On a shared machine wall-clock times swing with the
load, so the script prints, from the same run: wall time, the process's own CPU
time (what the redraw costs when it has a core to itself), and the ratio to the
floor of any redraw (an empty figure of the same size rendered to PNG).
Run: ``.venv/bin/python benchmarks/bench_widgets.py [ROWS]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _sample_logs import write_log

from codeflash_lab.viz import ResultsDashboard, figure_png
from codeflash_lab.viz.style import chart_style, new_figure

GOAL_S = 0.200


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def _empty_redraw() -> None:
    with chart_style():
        fig, ax = new_figure(9.5, 4.0, layout=None)
        ax.set_title("empty")
    figure_png(fig, dpi=80.0)


def main(rows: int = 1_000) -> int:
    """Change each control a few times; print median and worst redraw times."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_log(Path(tmp) / "results.tsv", rows)
        dash = ResultsDashboard(path)
        metrics = [v for _, v in dash.metric.options]
        statuses = tuple(dash.status.options)
        patterns = tuple(v for _, v in dash.pattern.options)

        def setter(control: object, value: object) -> Callable[[], None]:
            return lambda: setattr(control, "value", value)

        actions = []
        for metric in [*metrics[1:], metrics[0]]:
            actions.append(setter(dash.metric, metric))
        actions += [
            setter(dash.status, statuses[:1]),
            setter(dash.status, statuses),
            setter(dash.pattern, patterns[:3]),
            setter(dash.pattern, patterns),
        ]
        samples = [_timed(a) for _round in range(3) for a in actions]
        compare_wall, compare_cpu = _timed(setter(dash.compare, (rows // 2, rows - 1)))
    floor = [_timed(_empty_redraw) for _ in range(9)]
    wall = statistics.median(w for w, _ in samples)
    cpu = statistics.median(c for _, c in samples)
    floor_cpu = statistics.median(c for _, c in floor)
    print(
        f"rows: {rows:,}; redraws: {len(samples)}; load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"redraw wall median: {wall * 1000:.0f} ms, worst: {max(w for w, _ in samples) * 1000:.0f} ms"
    )
    print(
        f"redraw CPU median: {cpu * 1000:.0f} ms (goal <= 200 ms: {'ok' if cpu <= GOAL_S else 'MISSED'})"
    )
    print(
        f"floor (empty figure to PNG) CPU: {floor_cpu * 1000:.0f} ms; redraw / floor: {cpu / floor_cpu:.1f}x"
    )
    print(
        f"redraw with two experiments picked (two charts): wall {compare_wall * 1000:.0f} ms, CPU {compare_cpu * 1000:.0f} ms"
    )
    return 0 if cpu <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000))
