"""Where things live inside a project's ``.codeflash/`` folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codeflash_lab.errors import WorkspaceError

__all__ = ["Workspace"]


@dataclass(frozen=True)
class Workspace:
    """Paths of the ``.codeflash/`` files of one project.

    Args:
        project: the project folder (the one that holds, or will hold, ``.codeflash/``).
    """

    project: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "project", Path(self.project).resolve())

    @property
    def root(self) -> Path:
        """``<project>/.codeflash``."""
        return self.project / ".codeflash"

    @property
    def setup_md(self) -> Path:
        return self.root / "setup.md"

    @property
    def conventions_md(self) -> Path:
        return self.root / "conventions.md"

    @property
    def org_conventions_md(self) -> Path:
        """The organisation-level ``../conventions.md`` (overridden by the project's own)."""
        return self.project.parent / "conventions.md"

    @property
    def learnings_md(self) -> Path:
        return self.root / "learnings.md"

    @property
    def handoff_md(self) -> Path:
        return self.root / "HANDOFF.md"

    @property
    def results_tsv(self) -> Path:
        return self.root / "results.tsv"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def methodology_json(self) -> Path:
        return self.root / "methodology.json"

    def exists(self) -> bool:
        """True when ``.codeflash/`` exists."""
        return self.root.is_dir()

    def require(self) -> Workspace:
        """Return self, or raise when ``.codeflash/`` has not been created yet.

        Raises:
            WorkspaceError: no ``.codeflash/`` folder in the project.
        """
        if not self.root.is_dir():
            raise WorkspaceError(
                f"{self.project}: no .codeflash/ folder; run 'codeflash-lab init {self.project}' first"
            )
        return self
