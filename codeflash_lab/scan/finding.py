"""Scanner records: one ``Finding`` per antipattern hit, one ``FileError`` per unusable file.

``ScanResult`` bundles both with the number of files looked at and renders itself
as a dict, a DataFrame or HTML. Pure data: nothing here reads files.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CONFIDENCES", "FileError", "Finding", "ScanResult"]

FINDING_COLUMNS = (
    "path", "line", "col", "code", "name", "category", "impact", "message", "fix",
    "confidence", "gain", "related",
)  # fmt: skip
#: Confidence levels, most certain first; the default view shows ``high`` and ``medium``.
CONFIDENCES = ("high", "medium", "low")


@dataclass(frozen=True, slots=True)
class Finding:
    """One place in the code that matches a rule.

    Attributes:
        path: the file, as given to the scanner (or ``"<string>"``).
        line: 1-based line of the flagged node.
        col: 1-based column of the flagged node.
        code: the rule code, e.g. ``CFL101``.
        name: the rule's kebab-case name.
        category: the antipattern slug (see :mod:`codeflash_lab.categories`).
        impact: ``"HIGH"`` or ``"MEDIUM"``.
        message: what was found, in one sentence.
        fix: how to fix it, for the project's target Python version.
        confidence: ``"high"``, ``"medium"`` or ``"low"``: how sure the scanner is that
            this place is the antipattern (low ones are hidden by default).
        gain: what fixing this one finding is likely to gain (empty: the category's
            typical gain applies).
        related: other lines this finding covers (each use of one blocking file object).
    """

    path: str
    line: int
    col: int
    code: str
    name: str
    category: str
    impact: str
    message: str
    fix: str
    confidence: str = "high"
    gain: str = ""
    related: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The finding as a plain JSON-ready dict."""
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}:{self.col}: {self.code} [{self.category}] {self.message}"
            f" ({self.confidence} confidence)"
        )


@dataclass(frozen=True, slots=True)
class FileError:
    """A file the scanner could not analyse (the scan goes on without it).

    Attributes:
        path: the file or directory entry.
        message: why, in one line (syntax error, not UTF-8, symlink loop, ...).
        line: 1-based line when the problem has one (syntax errors), else 0.
        col: 1-based column when known, else 0.
    """

    path: str
    message: str
    line: int = 0
    col: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The error as a plain JSON-ready dict."""
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}" if self.line else self.path
        return f"{where}: error: {self.message}"


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan produced.

    Attributes:
        findings: the findings, sorted by path, line and column.
        errors: per-file problems (the files were skipped, the scan went on).
        files_scanned: how many files were looked at (including those with errors).
        target_version: the Python version fix templates are written for.
        hidden_tests: findings left out because they are in test files.
        hidden_low: findings left out because their confidence is below the view's.
        needs_newer: files that need a newer Python grammar than the scanner's, which the
            project requires (not scanned, not errors).
    """

    findings: tuple[Finding, ...] = ()
    errors: tuple[FileError, ...] = ()
    files_scanned: int = 0
    target_version: tuple[int, int] = field(default=(3, 11))
    hidden_tests: int = 0
    hidden_low: int = 0
    needs_newer: tuple[FileError, ...] = ()

    def by_category(self) -> dict[str, list[Finding]]:
        """Findings grouped by category slug, categories in the order of first appearance."""
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.category, []).append(f)
        return out

    @property
    def exit_code(self) -> int:
        """The CLI exit code: 2 when a file could not be scanned, 1 on findings, else 0."""
        if self.errors:
            return 2
        return 1 if self.findings else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``findings``, ``errors``, ``files_scanned``, ``target_version``."""
        return {
            "findings": [f.to_dict() for f in self.findings],
            "errors": [e.to_dict() for e in self.errors],
            "files_scanned": self.files_scanned,
            "target_version": ".".join(map(str, self.target_version)),
            "hidden": {"tests": self.hidden_tests, "low_confidence": self.hidden_low},
            "needs_newer_python": [e.to_dict() for e in self.needs_newer],
        }

    def to_frame(self) -> pd.DataFrame:
        """The findings as a pandas DataFrame (one row per finding, columns as in ``Finding``)."""
        import pandas as pd

        return pd.DataFrame([f.to_dict() for f in self.findings], columns=list(FINDING_COLUMNS))

    def __str__(self) -> str:
        from codeflash_lab.scan.output import format_text

        return format_text(self)

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (
                    f"{f.path}:{f.line}:{f.col}",
                    f.code,
                    f.category,
                    f.impact,
                    f.confidence,
                    f.message,
                )
            )
            + "</tr>"
            for f in self.findings
        )
        errors = "".join(f"<li>{html.escape(str(e))}</li>" for e in self.errors)
        head = "".join(
            f"<th>{h}</th>"
            for h in ("location", "code", "category", "impact", "confidence", "message")
        )
        summary = (
            f"<p>{len(self.findings)} findings in {self.files_scanned} files"
            f"{f', {len(self.errors)} files could not be scanned' if self.errors else ''}.</p>"
        )
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        return summary + (table if self.findings else "") + (f"<ul>{errors}</ul>" if errors else "")
