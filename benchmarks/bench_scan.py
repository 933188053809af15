"""Scanner speed on large real trees, printed as ratios measured in the same run.

1. Cold scan (no cache, all cores) of the venv's site-packages vs ``ast.parse`` of the
   same files in one process: files/s and the ratio (goal: within 2x of parsing alone).
2. flake8 with flake8-async (``--select ASYNC``, all cores) on the same tree (goal: slower
   than us).
3. A warm (cached) re-scan of the CPython standard library vs ruff's cold scan of it
   (``--no-cache``), both as command-line runs (goal: the warm scan is faster), through
   the full ``codeflash-lab`` CLI and through the scan command alone.

Run: ``.venv/bin/python benchmarks/bench_scan.py [--tree DIR] [--skip-flake8] [--rounds N]
[--sample N]``
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from codeflash_lab.scan import scan_paths
from codeflash_lab.scan.files import collect_files, read_file


def parse_all(files: list[str]) -> float:
    start = time.perf_counter()
    for path in files:
        data = read_file(path)
        if isinstance(data, bytes):
            with contextlib.suppress(SyntaxError, ValueError, RecursionError, MemoryError):
                ast.parse(data, filename=path)
    return time.perf_counter() - start


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=site.getsitepackages()[0], help="tree to scan cold")
    parser.add_argument("--skip-flake8", action="store_true", help="skip the (slow) flake8 run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating parse/scan rounds")
    parser.add_argument("--sample", type=int, default=1, help="use every Nth file of the tree")
    args = parser.parse_args()
    cores = os.cpu_count() or 1

    files, _ = collect_files([args.tree])
    if args.sample > 1:
        files = files[:: args.sample]
    print(f"tree: {args.tree} ({len(files)} files, {cores} cores, {args.rounds} rounds)")
    # Parse and scan alternate, and the best round of each counts: the machine may be
    # shared, and alternating exposes both to the same background load.
    t_parse = t_scan = float("inf")
    result = None
    for _ in range(args.rounds):
        t_parse = min(t_parse, parse_all(files))
        start = time.perf_counter()
        result = scan_paths(files, cache=False)
        t_scan = min(t_scan, time.perf_counter() - start)
    assert result is not None
    print(f"ast.parse alone (1 process):   {t_parse:7.2f} s  {len(files) / t_parse:8.0f} files/s")
    print(
        f"codeflash-lab scan, cold:      {t_scan:7.2f} s  {len(files) / t_scan:8.0f} files/s  "
        f"ratio to ast.parse {t_scan / t_parse:.2f}x (goal <= 2x); "
        f"{len(result.findings)} findings, {len(result.errors)} file errors"
    )
    if not args.skip_flake8:
        targets = [args.tree] if args.sample == 1 else files
        t_flake8 = timed(
            [sys.executable, "-m", "flake8", "--isolated", "--select", "ASYNC",
             "-j", str(cores), *targets]
        )  # fmt: skip
        print(
            f"flake8 + flake8-async:         {t_flake8:7.2f} s  {len(files) / t_flake8:8.0f} files/s"
            f"  codeflash-lab is {t_flake8 / t_scan:.1f}x faster"
        )

    stdlib = sysconfig.get_paths()["stdlib"]
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    std_files, _ = collect_files([stdlib], exclude=["site-packages"])
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "CODEFLASH_LAB_CACHE_DIR": cache}
        options = ["--no-save-run", "--exclude", "site-packages", "--format", "json", stdlib]
        full_cli = [sys.executable, "-m", "codeflash_lab", "scan", *options]
        scan_only = [sys.executable, "-m", "codeflash_lab.cli.scan_cmds", *options]
        t_cold = timed(full_cli, env)
        t_warm = min(timed(full_cli, env) for _ in range(3))
        t_warm_direct = min(timed(scan_only, env) for _ in range(3))
    print(f"stdlib: {stdlib} ({len(std_files)} files)")
    print(f"codeflash-lab scan, cold + cache write:        {t_cold:6.2f} s")
    print(f"codeflash-lab scan, warm (cached):             {t_warm:6.2f} s")
    print(f"python -m codeflash_lab.cli.scan_cmds, warm:   {t_warm_direct:6.2f} s")
    if ruff:
        t_ruff = min(
            timed([ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC,RUF006",
                   "--exit-zero", stdlib])
            for _ in range(3)
        )  # fmt: skip
        print(
            f"ruff check, cold (--no-cache):                 {t_ruff:6.2f} s  "
            f"warm / cold ruff = {t_warm / t_ruff:.2f} (full CLI), "
            f"{t_warm_direct / t_ruff:.2f} (scan command alone) (goal < 1)"
        )
    else:
        print("ruff not found: warm-vs-ruff comparison skipped")


if __name__ == "__main__":
    main()
