"""How often a widget cell stalls until its timeout: plain nbclient against our runner.

nbclient issue #312: a cell that builds an ipywidgets ``interactive`` sometimes finishes
only when its timeout expires, although the kernel replied at once. This script executes
one small widget notebook ``--runs`` times with plain nbclient and with
``codeflash_lab.lab.run_notebook`` (1-second sliced polling), and prints, per runner, the
number of runs with a cell that took at least 90% of the timeout, and the slowest run.

    .venv/bin/python benchmarks/bench_notebook_runner.py --runs 10 --timeout 15
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from codeflash_lab.lab import run_notebook

CELLS = [
    "import ipywidgets as w\nimport matplotlib.pyplot as plt",
    "def draw(n):\n    fig, ax = plt.subplots()\n    ax.plot(range(n))\n    plt.show()\n"
    "w.interactive(draw, n=(1, 50))",
    "w.interactive(draw, n=w.SelectionSlider(options=[4, 8, 16, 32], value=8))",
    "print('done')",
]


def _notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    path = folder / "widgets.ipynb"
    nbformat.write(nb, path)
    return path


def _plain(path: Path, timeout: int) -> tuple[float, float]:
    nb = nbformat.read(path, as_version=4)
    starts: dict[int, float] = {}
    slowest = 0.0

    def start(cell: object, cell_index: int, **_: object) -> None:
        starts[cell_index] = time.monotonic()

    def done(cell: object, cell_index: int, **_: object) -> None:
        nonlocal slowest
        slowest = max(slowest, time.monotonic() - starts[cell_index])

    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", on_cell_execute=start, on_cell_executed=done
    )
    began = time.monotonic()
    client.execute()
    return time.monotonic() - began, slowest


def _ours(path: Path, timeout: int) -> tuple[float, float]:
    run = run_notebook(path, timeout_s=timeout)
    return run.seconds, max(c.seconds for c in run.cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--timeout", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = _notebook(Path(tmp))
        for name, runner in (("plain nbclient", _plain), ("run_notebook", _ours)):
            totals, stalls = [], 0
            for _ in range(args.runs):
                total, slowest = runner(path, args.timeout)
                totals.append(total)
                stalls += slowest >= 0.9 * args.timeout
            print(
                f"{name:15s} runs={args.runs} stalled={stalls} "
                f"median={sorted(totals)[len(totals) // 2]:.1f}s max={max(totals):.1f}s"
            )


if __name__ == "__main__":
    main()
