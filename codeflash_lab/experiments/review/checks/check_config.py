"""Check ``config``: settings the change stopped reading that are still defined.

After swapping a driver, pool or middleware, the constants, settings fields and
environment variables that configured the old one tend to stay behind: still
set in ``.env`` files and settings modules, read by nothing, misleading whoever
tunes them next.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from codeflash_lab._git import run_git
from codeflash_lab.experiments.review.checks._ast import dotted
from codeflash_lab.experiments.review.context import ReviewContext
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["check_config", "removed_setting_names"]

CHECK = "config"
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
_SETTINGS_OBJECTS = {"settings", "config", "cfg", "conf", "app_config", "SETTINGS", "CONFIG"}
_ENV_READERS = {"os.getenv", "os.environ.get", "getenv", "environ.get"}


@dataclass(frozen=True, slots=True)
class _Use:
    name: str
    kind: str  # "constant", "setting" or "env"
    path: str
    line: int


def removed_setting_names(tree: ast.AST, lines: frozenset[int], path: str) -> list[_Use]:
    """Constants, settings attributes and env var names read on ``lines`` of ``tree``."""
    found: dict[str, _Use] = {}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if line not in lines:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if _CONSTANT.match(node.id):
                found.setdefault(node.id, _Use(node.id, "constant", path, line))
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            owner = (dotted(node.value) or "").split(".")[-1]
            if owner in _SETTINGS_OBJECTS and not node.attr.startswith("_"):
                found.setdefault(node.attr, _Use(node.attr, "setting", path, line))
        elif isinstance(node, ast.Call) and node.args:
            name = dotted(node.func) or ""
            arg = node.args[0]
            if (
                name in _ENV_READERS
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
            ):
                found.setdefault(arg.value, _Use(arg.value, "env", path, line))
        elif isinstance(node, ast.Subscript) and (dotted(node.value) or "").endswith("environ"):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.setdefault(key.value, _Use(key.value, "env", path, line))
    return list(found.values())


def _is_definition(path: str, text: str, name: str) -> bool:
    n = re.escape(name)
    if path.endswith((".py", ".pyi")):
        return bool(re.match(rf"^\s*{n}\s*(:[^=]*)?=(?!=)", text)) or bool(
            re.match(rf"^\s*{n}\s*:\s*[\w\[\]., |\"']+$", text)
        )
    return bool(
        re.match(rf"^\s*(export\s+)?{n}\s*[=:]", text)
        or re.match(rf"^\s*-\s*\"?{n}\s*[=:]", text)
        or re.match(rf"^\s*ENV\s+{n}\b", text)
    )


_WORD = re.compile(r"\w+")
_BATCH = 200


def _occurrences(
    ctx: ReviewContext, names: list[str]
) -> dict[str, list[tuple[str, int, str]] | None]:
    """Per name, ``(path, line, text)`` of its whole-word matches at head.

    One ``git grep`` per batch of names; a batch whose output is not UTF-8 text
    gives ``None`` for its names (no safe verdict).
    """
    found: dict[str, list[tuple[str, int, str]] | None] = {n: [] for n in names}
    prefix = f"{ctx.diff.head_sha}:"
    for start in range(0, len(names), _BATCH):
        batch = names[start : start + _BATCH]
        args = ["grep", "-n", "-w", "-F", "-I"]
        for name in batch:
            args += ["-e", name]
        try:
            out = run_git([*args, ctx.diff.head_sha, "--"], ctx.repo, check=False)
        except UnicodeDecodeError:
            found.update(dict.fromkeys(batch))
            continue
        wanted = set(batch)
        for raw in out.splitlines():
            if not raw.startswith(prefix):
                continue
            path, _, rest = raw[len(prefix) :].partition(":")
            num, _, text = rest.partition(":")
            if not num.isdigit():
                continue
            for word in set(_WORD.findall(text)) & wanted:
                hits = found[word]
                if hits is not None:
                    hits.append((path, int(num), text))
    return found


def check_config(ctx: ReviewContext) -> list[ReviewFinding]:
    """Flag settings whose last reader the change removed while their definition stays.

    Args:
        ctx: the review context.

    Returns:
        A warning per constant, settings field or environment variable that is
        still defined at head (Python assignment, ``.env``/YAML/TOML/INI key,
        Dockerfile ``ENV``) but read nowhere in the Python code any more.
    """
    uses: dict[str, _Use] = {}
    for changed in ctx.diff.files:
        if not changed.is_python or not changed.removed or changed.old_path is None:
            continue
        tree = ctx.tree("base", changed.old_path)
        if tree is None:
            continue
        removed = frozenset(n for a, b in changed.removed for n in range(a, b + 1))
        for use in removed_setting_names(tree, removed, changed.old_path):
            uses.setdefault(use.name, use)
    findings: list[ReviewFinding] = []
    everywhere = _occurrences(ctx, sorted(uses))
    for name, use in sorted(uses.items()):
        definitions: list[tuple[str, int]] = []
        readers = 0
        occurrences = everywhere.get(name)
        if occurrences is None:
            continue
        for path, line, text in occurrences:
            if _is_definition(path, text, name):
                definitions.append((path, line))
            elif path.endswith((".py", ".pyi")) and not text.lstrip().startswith("#"):
                readers += 1
        if readers or not definitions:
            continue
        path, line = definitions[0]
        where = ", ".join(f"{p}:{n}" for p, n in definitions[:3])
        label = {"constant": "constant", "setting": "setting", "env": "environment variable"}[
            use.kind
        ]
        findings.append(
            ReviewFinding(
                CHECK,
                "warning",
                path,
                line,
                f"{label} {name} is still defined ({where}) but nothing reads it since the "
                f"change removed its use at {PurePosixPath(use.path)}:{use.line} (base)",
                "a dead setting misleads whoever tunes the service next: changing it has no "
                "effect; delete it, or wire it into the new driver/pool/middleware",
            )
        )
    return findings
