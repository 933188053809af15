"""The whole optimization loop through the Python API, on your own project.

Usage::

    python examples/api_loop.py PROJECT --target src/app/handler.py:handle \\
        --try blocking-call "move the file read to a thread" src/app/handler.py new_handler.py \\
        [--try ...] [--concurrency 2] [--quick]

PROJECT is a git repository with a committed tree. Each ``--try PATTERN DESCRIPTION
FILE NEW_TEXT_FILE`` is one experiment: the flow starts it on the clean tree, writes
NEW_TEXT_FILE's text into FILE, runs the project's tests (the guard), compares the
start commit with the working tree, decides, records, and commits the change (KEEP)
or saves it under ``.codeflash/runs/discard-N.patch`` and reverts it (DISCARD).
Before: init, scan, debug, profile and a bench; after: status, review, PRs, report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codeflash_lab import (
    build_report,
    ensure_branch,
    experiment_flow,
    init_workspace,
    prepare_prs,
    profile_target,
    read_results,
    review,
    run_debug,
    scan_paths,
    workspace_status,
)
from codeflash_lab.bench import BenchConfig, bench
from codeflash_lab.experiments.review import record_review


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--target", required=True, help="module:function or file.py:function")
    parser.add_argument(
        "--try",
        dest="trials",
        nargs=4,
        action="append",
        default=[],
        metavar=("PATTERN", "DESCRIPTION", "FILE", "NEW_TEXT_FILE"),
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="short runs (for a smoke test)")
    args = parser.parse_args(argv)
    project: Path = args.project.resolve()
    short = {"min_run_s": 0.15, "warmup_s": 0.02} if args.quick else {}
    config = BenchConfig(concurrency=args.concurrency, **short)
    quick_compare = {"preset": "quick"} if args.quick else {}

    setup = init_workspace(project)
    print(setup.discovery.progress_line())
    print(f"[branch] {ensure_branch(project)}")
    print(
        f"[scan] {len(scan_paths([project / 'src' if (project / 'src').is_dir() else project]).findings)} finding(s)"
    )
    debug = run_debug(
        [setup.discovery.interpreter.path if setup.discovery.interpreter else sys.executable,
         "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        timeout_s=120,
    )  # fmt: skip
    print(f"[debug] {len(debug.slow_callbacks)} slow callback(s) while the tests ran")
    profile = profile_target(args.target, cwd=str(project), duration_s=0.3)
    print(f"[profile] {len(profile.rows)} function(s) profiled")
    baseline = bench(args.target, config=config, runs=1, cwd=project, project=project)
    print(f"[bench] {baseline.format_text().splitlines()[0]}")

    for pattern, description, file, new_text in args.trials:
        outcome = experiment_flow.run_experiment(
            project,
            target=args.target,
            pattern=pattern,
            description=description,
            change={file: Path(new_text).read_text(encoding="utf-8")},
            compare_options={"config": config, **quick_compare},
        )
        print(outcome.to_text())

    print(workspace_status(project).to_text())
    result = review(project)
    record_review(result, project)
    print(result.to_text().splitlines()[0])
    if any(row.status == "KEEP" for row in read_results(project / ".codeflash" / "results.tsv")):
        for pr in prepare_prs(project, review_result=result).prs:
            print(f"[pr] {pr.body}")
    else:
        print("[pr] none: nothing was kept")
    report = build_report(project).to_file(project / ".codeflash" / "report.html")
    print(f"[report] {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
