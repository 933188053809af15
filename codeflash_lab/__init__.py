"""codeflash_lab: a workbench for making asyncio code faster, one measured change at a time.

The loop it supports: find blocking calls, sequential awaits and concurrency
bottlenecks (:func:`scan_paths`, :func:`run_debug`, :func:`profile_callable`),
fix one, measure it fairly (:func:`compare`), keep or discard it by explicit rules
(:func:`decide`, :func:`record_experiment`), stop at a plateau (:func:`ledger_status`),
review the whole diff (:func:`review`) and share a report (:func:`build_report`).

Importing this package is cheap: the names below are loaded on first use, and no
plotting, widget, profiling or data-frame library is imported until a function
that needs it runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from codeflash_lab.categories import CATEGORIES, SLUGS, Category
from codeflash_lab.errors import (
    CodeflashLabError,
    CommandError,
    DemoError,
    DirtyIndexError,
    GitError,
    MeasurementError,
    MethodologyError,
    NotAGitRepositoryError,
    NotebookError,
    ProfilingError,
    ReportError,
    ResultsFormatError,
    ReviewError,
    ScanError,
    TargetError,
    WorkspaceError,
)

if TYPE_CHECKING:
    from codeflash_lab.bench import (
        BenchConfig,
        BenchResult,
        CompareResult,
        SweepResult,
        abench,
        bench,
        compare,
        compare_revisions,
        probe_concurrency,
        sweep,
    )
    from codeflash_lab.demo import (
        check_exercise,
        run_demo,
    )
    from codeflash_lab.experiments import (
        Decision,
        LedgerStatus,
        commit_keep,
        decide,
        ensure_branch,
        experiment_flow,
        finish_experiment,
        ledger_status,
        record_experiment,
        run_experiment,
        run_guard,
        start_experiment,
        tag_milestone,
        workspace_status,
    )
    from codeflash_lab.experiments.review import (
        ReviewResult,
        prepare_prs,
    )
    from codeflash_lab.experiments.review.saved import review
    from codeflash_lab.lab import (
        run_notebook,
    )
    from codeflash_lab.profiling import (
        DebugCapture,
        DebugReport,
        LagMonitor,
        LagResult,
        ProfileResult,
        blocking_call_removed,
        crosscheck,
        debug_callable,
        profile_callable,
        profile_target,
        run_debug,
    )
    from codeflash_lab.report import (
        Report,
        build_report,
        export_notebook_html,
    )
    from codeflash_lab.scan import (
        Finding,
        ScanResult,
        scan_source,
    )
    from codeflash_lab.scan.saved import scan_paths
    from codeflash_lab.viz import (
        LiveView,
        ResultsDashboard,
    )
    from codeflash_lab.workspace import (
        Experiment,
        Methodology,
        ResultsLog,
        Workspace,
        append_experiment,
        init_workspace,
        load_runs,
        read_results,
        save_run,
    )

__version__ = "0.1.0"

# Public name -> the module that defines it (loaded on first attribute access).
_LAZY: dict[str, str] = {
    "Workspace": "codeflash_lab.workspace",
    "Experiment": "codeflash_lab.workspace",
    "Methodology": "codeflash_lab.workspace",
    "ResultsLog": "codeflash_lab.workspace",
    "read_results": "codeflash_lab.workspace",
    "append_experiment": "codeflash_lab.workspace",
    "init_workspace": "codeflash_lab.workspace",
    "save_run": "codeflash_lab.workspace",
    "load_runs": "codeflash_lab.workspace",
    "Finding": "codeflash_lab.scan",
    "ScanResult": "codeflash_lab.scan",
    "scan_paths": "codeflash_lab.scan.saved",  # scans, then saves for the report
    "scan_source": "codeflash_lab.scan",
    "DebugCapture": "codeflash_lab.profiling",
    "DebugReport": "codeflash_lab.profiling",
    "LagMonitor": "codeflash_lab.profiling",
    "LagResult": "codeflash_lab.profiling",
    "ProfileResult": "codeflash_lab.profiling",
    "run_debug": "codeflash_lab.profiling",
    "debug_callable": "codeflash_lab.profiling",
    "profile_callable": "codeflash_lab.profiling",
    "profile_target": "codeflash_lab.profiling",
    "crosscheck": "codeflash_lab.profiling",
    "blocking_call_removed": "codeflash_lab.profiling",
    "BenchConfig": "codeflash_lab.bench",
    "BenchResult": "codeflash_lab.bench",
    "CompareResult": "codeflash_lab.bench",
    "SweepResult": "codeflash_lab.bench",
    "bench": "codeflash_lab.bench",
    "abench": "codeflash_lab.bench",
    "compare": "codeflash_lab.bench",
    "compare_revisions": "codeflash_lab.bench",
    "sweep": "codeflash_lab.bench",
    "probe_concurrency": "codeflash_lab.bench",
    "Decision": "codeflash_lab.experiments",
    "LedgerStatus": "codeflash_lab.experiments",
    "decide": "codeflash_lab.experiments",
    "ledger_status": "codeflash_lab.experiments",
    "record_experiment": "codeflash_lab.experiments",
    "experiment_flow": "codeflash_lab.experiments",
    "start_experiment": "codeflash_lab.experiments",
    "finish_experiment": "codeflash_lab.experiments",
    "run_experiment": "codeflash_lab.experiments",
    "run_guard": "codeflash_lab.experiments",
    "workspace_status": "codeflash_lab.experiments",
    "commit_keep": "codeflash_lab.experiments",
    "ensure_branch": "codeflash_lab.experiments",
    "tag_milestone": "codeflash_lab.experiments",
    "ReviewResult": "codeflash_lab.experiments.review",
    "review": "codeflash_lab.experiments.review.saved",  # reviews, then records it
    "prepare_prs": "codeflash_lab.experiments.review",
    "Report": "codeflash_lab.report",
    "build_report": "codeflash_lab.report",
    "export_notebook_html": "codeflash_lab.report",
    "ResultsDashboard": "codeflash_lab.viz",
    "LiveView": "codeflash_lab.viz",
    "run_notebook": "codeflash_lab.lab",
    "run_demo": "codeflash_lab.demo",
    "check_exercise": "codeflash_lab.demo",
}

__all__ = [
    "CATEGORIES",
    "SLUGS",
    "BenchConfig",
    "BenchResult",
    "Category",
    "CodeflashLabError",
    "CommandError",
    "CompareResult",
    "DebugCapture",
    "DebugReport",
    "Decision",
    "DemoError",
    "DirtyIndexError",
    "Experiment",
    "Finding",
    "GitError",
    "LagMonitor",
    "LagResult",
    "LedgerStatus",
    "LiveView",
    "MeasurementError",
    "Methodology",
    "MethodologyError",
    "NotAGitRepositoryError",
    "NotebookError",
    "ProfileResult",
    "ProfilingError",
    "Report",
    "ReportError",
    "ResultsDashboard",
    "ResultsFormatError",
    "ResultsLog",
    "ReviewError",
    "ReviewResult",
    "ScanError",
    "ScanResult",
    "SweepResult",
    "TargetError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "abench",
    "append_experiment",
    "bench",
    "blocking_call_removed",
    "build_report",
    "check_exercise",
    "commit_keep",
    "compare",
    "compare_revisions",
    "crosscheck",
    "debug_callable",
    "decide",
    "ensure_branch",
    "experiment_flow",
    "export_notebook_html",
    "finish_experiment",
    "init_workspace",
    "ledger_status",
    "load_runs",
    "prepare_prs",
    "probe_concurrency",
    "profile_callable",
    "profile_target",
    "read_results",
    "record_experiment",
    "review",
    "run_debug",
    "run_demo",
    "run_experiment",
    "run_guard",
    "run_notebook",
    "save_run",
    "scan_paths",
    "scan_source",
    "start_experiment",
    "sweep",
    "tag_milestone",
    "workspace_status",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
