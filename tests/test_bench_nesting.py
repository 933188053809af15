"""nest-asyncio is opt-in, and runs in a patched process are flagged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_apply_nest_asyncio_is_opt_in_and_flags_later_runs(tmp_path: Path) -> None:
    script = (
        "import asyncio, json\n"
        "from codeflash_lab.bench import BenchConfig, bench\n"
        "from codeflash_lab.bench.nesting import apply_nest_asyncio\n"
        "async def op():\n    await asyncio.sleep(0)\n"
        "cfg = BenchConfig(min_run_s=0.05, warmup_s=0)\n"
        "before = [w.code for w in bench(op, config=cfg, runs=1, progress=False).warnings]\n"
        "first, again = apply_nest_asyncio(asyncio.new_event_loop()), apply_nest_asyncio()\n"
        "after = [w.code for w in bench(op, config=cfg, runs=1, progress=False).warnings]\n"
        "print(json.dumps([before, first, again, after]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    before, first, again, after = json.loads(out.strip().splitlines()[-1])
    assert "nest-asyncio-applied" not in before
    assert (first, again) == (True, False)
    assert "nest-asyncio-applied" in after
