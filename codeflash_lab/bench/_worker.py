"""Entry point of a fresh measuring process: read a job on stdin, write one run as JSON.

Run as ``python -m codeflash_lab.bench._worker``; the result goes to the file named
in the job (never stdout, which the target may print to).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from codeflash_lab.bench.model import BenchConfig
from codeflash_lab.bench.runner import Measurable, measure_run, run_in_fresh_loop
from codeflash_lab.errors import CodeflashLabError


def _write(path: str, doc: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(doc, default=str), encoding="utf-8")


def main() -> int:
    """Run the job read from stdin; exit 0 with a run, 2 with an error record, 130 on Ctrl-C."""
    job = json.loads(sys.stdin.read())
    out = job["out"]
    try:
        config = BenchConfig.from_dict(job["config"])
        m = Measurable(
            spec=job["spec"],
            args=tuple(job.get("args") or ()),
            kwargs=job.get("kwargs") or {},
            cwd=job.get("cwd"),
            allow_remote=bool(job.get("allow_remote")),
            confine=job.get("confine"),
            label=job["spec"],
        )
        run = run_in_fresh_loop(
            lambda: measure_run(m, config, index=int(job.get("index", 0))), loop=config.loop
        )
    except KeyboardInterrupt:
        return 130
    except CodeflashLabError as exc:
        _write(out, {"error": str(exc), "error_type": type(exc).__name__})
        return 2
    except Exception as exc:
        _write(out, {"error": f"{type(exc).__name__}: {exc}", "error_type": type(exc).__name__})
        return 2
    _write(out, {"run": run.to_dict()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
