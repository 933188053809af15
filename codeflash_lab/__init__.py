"""codeflash_lab: a workbench for making asyncio code faster, one measured change at a time.

Importing this package is cheap: it loads no plotting, widget, profiling or
data-frame library; those are imported by the functions that need them.
"""

from __future__ import annotations

from codeflash_lab.categories import CATEGORIES, SLUGS, Category
from codeflash_lab.errors import (
    CodeflashLabError,
    DemoError,
    DirtyIndexError,
    GitError,
    MeasurementError,
    MethodologyError,
    NotAGitRepositoryError,
    ProfilingError,
    ReportError,
    ResultsFormatError,
    ReviewError,
    ScanError,
    TargetError,
    WorkspaceError,
)

__version__ = "0.1.0"

__all__ = [
    "CATEGORIES",
    "SLUGS",
    "Category",
    "CodeflashLabError",
    "DemoError",
    "DirtyIndexError",
    "GitError",
    "MeasurementError",
    "MethodologyError",
    "NotAGitRepositoryError",
    "ProfilingError",
    "ReportError",
    "ResultsFormatError",
    "ReviewError",
    "ScanError",
    "TargetError",
    "WorkspaceError",
    "__version__",
]
