"""What every check reads: the range, sources and ASTs at both ends, the workspace."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from codeflash_lab._git import run_git
from codeflash_lab.experiments.review.diff import ChangedFile, DiffRange, file_at
from codeflash_lab.experiments.review.model import CheckOutcome
from codeflash_lab.workspace.experiment_record import GuardRun
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.setup_md import read_setup_md

__all__ = ["FunctionSpan", "ReviewContext", "functions_in"]


@dataclass(frozen=True, slots=True)
class FunctionSpan:
    """A function definition: qualified name, kind and line span.

    Attributes:
        qualname: ``Class.method`` or ``function`` (nested: ``outer.inner``).
        node: the AST node.
        is_async: ``async def``.
        first: first line (the ``def`` line, decorators excluded).
        last: last line of the body.
        parents: enclosing function/class names.
    """

    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    is_async: bool
    first: int
    last: int
    parents: tuple[str, ...]

    @property
    def name(self) -> str:
        """The bare function name."""
        return self.node.name

    @property
    def body_first(self) -> int:
        """First line of the body (after the signature)."""
        return self.node.body[0].lineno


def functions_in(tree: ast.AST) -> list[FunctionSpan]:
    """Every function and method in ``tree`` with its qualified name, outermost first."""
    out: list[FunctionSpan] = []

    def visit(node: ast.AST, parents: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                out.append(
                    FunctionSpan(
                        qualname=".".join((*parents, child.name)),
                        node=child,
                        is_async=isinstance(child, ast.AsyncFunctionDef),
                        first=child.lineno,
                        last=child.end_lineno or child.lineno,
                        parents=parents,
                    )
                )
                visit(child, (*parents, child.name))
            elif isinstance(child, ast.ClassDef):
                visit(child, (*parents, child.name))
            else:
                visit(child, parents)

    visit(tree, ())
    return out


@dataclass
class ReviewContext:
    """Inputs shared by the checks, read once and cached.

    Attributes:
        diff: the reviewed range.
        workspace: the project's ``.codeflash/`` workspace.
        run_tests: whether the tests check may run the project's test command.
        test_timeout_s: time limit for that command.
    """

    diff: DiffRange
    workspace: Workspace
    run_tests: bool = True
    test_timeout_s: float = 300.0
    outcomes: dict[str, CheckOutcome] = field(default_factory=dict)
    _sources: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)
    _trees: dict[tuple[str, str], ast.Module | None] = field(default_factory=dict, repr=False)

    def note(
        self, check: str, state: str, reason: str = "", *, guard: GuardRun | None = None
    ) -> None:
        """Say how ``check`` ended: ``"n/a"`` (nothing to check), ``"skipped"`` (did not
        run) or ``"ran"`` (with the guard run it made, if any); a check that says
        nothing ran."""
        self.outcomes[check] = CheckOutcome(check, state, reason, guard)

    @property
    def repo(self) -> Path:
        """The repository root."""
        return self.diff.repo

    def setup(self) -> dict[str, str]:
        """Facts from ``.codeflash/setup.md`` (``"none"`` values left out)."""
        facts = read_setup_md(self.workspace)
        return {k: v for k, v in facts.items() if v.strip().lower() not in {"", "none"}}

    def source(self, rev: str, path: str) -> str | None:
        """File text at ``rev`` (``"head"``/``"base"`` or a SHA), cached."""
        sha = {"head": self.diff.head_sha, "base": self.diff.base_sha}.get(rev, rev)
        key = (sha, path)
        if key not in self._sources:
            self._sources[key] = file_at(self.repo, sha, path)
        return self._sources[key]

    def tree(self, rev: str, path: str) -> ast.Module | None:
        """Parsed AST of a Python file at ``rev``; ``None`` when missing or not parseable."""
        sha = {"head": self.diff.head_sha, "base": self.diff.base_sha}.get(rev, rev)
        key = (sha, path)
        if key not in self._trees:
            text = self.source(sha, path)
            try:
                self._trees[key] = None if text is None else ast.parse(text, filename=path)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._trees[key] = None  # not reviewable as Python: the checks skip it
        return self._trees[key]

    def changed_python(self) -> list[tuple[ChangedFile, ast.Module]]:
        """Changed Python files that exist and parse at head, with their ASTs."""
        out = []
        for f in self.diff.python_files:
            tree = self.tree("head", f.path)
            if tree is not None and f.added:
                out.append((f, tree))
        return out

    def neighbour_python_files(self, limit: int = 500) -> list[str]:
        """Python files at head in the folders of the changed Python files (at most ``limit``)."""
        dirs = sorted({str(PurePosixPath(f.path).parent) for f in self.diff.python_files})
        found: list[str] = []
        for d in dirs:
            args = ["ls-tree", "--name-only", self.diff.head_sha]
            if d != ".":
                args += ["--", f"{d}/"]
            names = run_git(args, self.repo).splitlines()
            found += [n for n in names if n.endswith(".py")]
            if len(found) >= limit:
                break
        return found[:limit]

    def changed_nodes(self, changed: ChangedFile, tree: ast.AST) -> list[ast.AST]:
        """AST nodes of ``tree`` whose first line is an added/changed line."""
        lines = changed.added_lines
        return [n for n in ast.walk(tree) if getattr(n, "lineno", None) in lines]
