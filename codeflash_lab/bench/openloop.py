"""The open-loop driver: arrivals at a fixed rate (constant or seeded Poisson) served by
a pool of workers, latency measured from each arrival's intended start.

The code lives in the measuring child (``codeflash_lab/_child/_cflab_openloop.py``,
standard library only), shared by in-process runs and runs in the project's interpreter.
"""

from __future__ import annotations

from codeflash_lab._child._cflab_openloop import arrival_offsets_ns, run_open

__all__ = ["arrival_offsets_ns", "run_open"]
