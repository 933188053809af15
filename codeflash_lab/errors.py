"""One exception hierarchy for codeflash_lab.

Every error the library raises on purpose derives from :class:`CodeflashLabError`,
so callers (and the CLI, the only place that turns errors into exit codes) can
catch them in one place::

    CodeflashLabError
    ├── WorkspaceError            .codeflash/ missing or unusable
    │   ├── ResultsFormatError    results.tsv cannot be read (names line and column)
    │   └── MethodologyError      a measurement does not match the locked methodology
    ├── GitError                  a git command failed or the repository is not usable
    │   ├── NotAGitRepositoryError
    │   └── DirtyIndexError       unrelated changes are staged
    ├── TargetError               a benchmark/profile target cannot be resolved or reached
    ├── MeasurementError          a measurement could not produce any usable run
    ├── ProfilingError            debug-mode capture or yappi profiling failed
    ├── ScanError                 the scanner was given unusable input (not per-file problems)
    ├── ReviewError               the pre-submit review cannot run on the given range
    ├── ReportError               a report or chart cannot be produced
    ├── DemoError                 the bundled demo cannot start (port in use, no git identity)
    ├── NotebookError             a notebook failed or timed out when run headless (names the cell)
    └── CommandError              a ``codeflash-lab`` command run as a subprocess failed

Findings (scanner, review) and stability warnings are data on result objects,
never exceptions. Bad arguments raise :class:`ValueError` naming the parameter.
"""

from __future__ import annotations

__all__ = [
    "CodeflashLabError",
    "CommandError",
    "DemoError",
    "DirtyIndexError",
    "GitError",
    "MeasurementError",
    "MethodologyError",
    "NotAGitRepositoryError",
    "NotebookError",
    "ProfilingError",
    "ReportError",
    "ResultsFormatError",
    "ReviewError",
    "ScanError",
    "TargetError",
    "WorkspaceError",
]


class CodeflashLabError(Exception):
    """Root of every error codeflash_lab raises on purpose."""


class WorkspaceError(CodeflashLabError):
    """Raised by ``codeflash_lab.workspace`` when ``.codeflash/`` is missing or unusable."""


class ResultsFormatError(WorkspaceError):
    """Raised when ``results.tsv`` cannot be parsed.

    Attributes:
        path: the file.
        line: 1-based line number of the offending line (``None`` for the file as a whole).
        column: the column name involved, when there is one.
    """

    def __init__(
        self, message: str, *, path: str = "", line: int | None = None, column: str | None = None
    ) -> None:
        where = path
        if line is not None:
            where += f":{line}"
        if column:
            where += f" (column {column!r})"
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.line = line
        self.column = column


class MethodologyError(WorkspaceError):
    """Raised when a measurement's settings differ from the locked baseline methodology."""


class GitError(CodeflashLabError):
    """Raised when a git command fails; the message carries git's own words."""


class NotAGitRepositoryError(GitError):
    """Raised when an operation needs a git repository and the folder is not one."""


class DirtyIndexError(GitError):
    """Raised when files unrelated to the operation are staged in the index."""


class TargetError(CodeflashLabError):
    """Raised when a target (``module:function``, ``file.py:function`` or URL) cannot be used."""


class MeasurementError(CodeflashLabError):
    """Raised when a benchmark produced no usable run at all (partial runs are kept on results)."""


class ProfilingError(CodeflashLabError):
    """Raised when asyncio debug capture or a yappi profile cannot be taken."""


class ScanError(CodeflashLabError):
    """Raised for unusable scanner input as a whole (a path that does not exist, bad options)."""


class ReviewError(CodeflashLabError):
    """Raised when the pre-submit review or PR preparation cannot run on the given range."""


class ReportError(CodeflashLabError):
    """Raised when a report or chart cannot be produced."""


class DemoError(CodeflashLabError):
    """Raised when the bundled demo cannot run (port in use, missing git identity, ...)."""


class NotebookError(CodeflashLabError):
    """Raised when a notebook run headless fails or times out.

    Attributes:
        path: the notebook.
        cell_index: 0-based index of the failing cell (``None`` when the kernel itself failed).
        source: the failing cell's source.
        ename: the exception's class name inside the kernel (``"CellTimeoutError"`` on a timeout).
        evalue: the exception's message inside the kernel.
        traceback: the kernel's traceback as plain text (no ANSI colour codes).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        cell_index: int | None = None,
        source: str = "",
        ename: str = "",
        evalue: str = "",
        traceback: str = "",
    ) -> None:
        super().__init__(message)
        self.path = path
        self.cell_index = cell_index
        self.source = source
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback


class CommandError(CodeflashLabError):
    """Raised when a ``codeflash-lab`` command run as a subprocess exits with an error.

    Attributes:
        args_run: the command's arguments (after ``codeflash-lab``).
        returncode: its exit code.
        stderr: what it printed on stderr.
    """

    def __init__(
        self, message: str, *, args_run: tuple[str, ...] = (), returncode: int = 0, stderr: str = ""
    ) -> None:
        super().__init__(message)
        self.args_run = args_run
        self.returncode = returncode
        self.stderr = stderr
