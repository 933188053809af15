"""The rule registry: every rule is a small class registered with ``@register``.

Rule modules are grouped by theme under ``scan/rules/`` and imported at the end
of this module, so importing the registry registers every rule exactly once.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

from codeflash_lab.categories import SLUGS, category

if TYPE_CHECKING:
    from codeflash_lab.scan.context import FileContext

__all__ = ["RULES", "Hit", "Rule", "all_rules", "register", "rule_set_id", "select_rules"]


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule reports: the node, and optionally a message or fix more specific than its own.

    Attributes:
        node: the flagged AST node (its line and column locate the finding).
        message: replaces the rule's message when given.
        fix: replaces the rule's fix template when given.
        confidence: ``"high"`` (default), ``"medium"`` or ``"low"``.
        gain: what fixing this place likely gains, when it differs from the category's.
        related: other lines the finding covers (e.g. each blocking use of one file).
    """

    node: ast.AST
    message: str | None = None
    fix: str | None = None
    confidence: str = "high"
    gain: str = ""
    related: tuple[int, ...] = ()


class Rule:
    """Base class of every scanner rule.

    Subclasses set ``code`` (``CFLnnn``), ``name`` (kebab-case), ``category`` (a slug from
    :mod:`codeflash_lab.categories`), ``message``, and implement :meth:`check`. Their
    docstring explains the problem, why it hurts and the fix. ``tokens`` lists byte
    strings of which at least one must occur in a file for the rule to be worth running.
    """

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    category: ClassVar[str] = ""
    message: ClassVar[str] = ""
    enabled_by_default: ClassVar[bool] = True
    tokens: ClassVar[tuple[bytes, ...]] = (b"async def",)

    def check(self, ctx: FileContext) -> Iterable[Hit]:
        """Yield one :class:`Hit` per place in ``ctx`` the rule matches."""
        return ()

    def fix(self, target_version: tuple[int, int]) -> str:
        """The fix template for a project targeting ``target_version``."""
        from codeflash_lab.scan.fixes import fix_for

        return fix_for(self.category, target_version)

    @property
    def impact(self) -> str:
        """``HIGH`` or ``MEDIUM``, from the rule's category."""
        return category(self.category).impact


RULES: dict[str, type[Rule]] = {}

R = TypeVar("R", bound=type[Rule])


def register(cls: R) -> R:
    """Class decorator adding a rule to :data:`RULES` (codes and names must be unique).

    Raises:
        ValueError: the rule's code or name is missing or already taken, or its category
            is not a known slug.
    """
    if not cls.code or not cls.name or not cls.message:
        raise ValueError(f"cls: rule {cls.__name__} needs a code, a name and a message")
    if cls.category not in SLUGS:
        raise ValueError(f"cls: rule {cls.code} has unknown category {cls.category!r}")
    if cls.code in RULES or any(r.name == cls.name for r in RULES.values()):
        raise ValueError(f"cls: rule {cls.code} ({cls.name}) is registered twice")
    RULES[cls.code] = cls
    return cls


def all_rules() -> list[Rule]:
    """One instance of every registered rule, ordered by code."""
    return [RULES[code]() for code in sorted(RULES)]


def _matches(rule: type[Rule], token: str) -> bool:
    t = token.strip()
    return (
        t.upper() == "ALL"
        or rule.code.startswith(t.upper())
        or t.lower() in (rule.category, rule.name)
    )


def select_rules(
    select: Sequence[str] | None = None, ignore: Sequence[str] | None = None
) -> list[Rule]:
    """The rules to run: ``select`` (default: every rule enabled by default) minus ``ignore``.

    Each entry is a code (``CFL101``), a code prefix (``CFL1``), a category slug
    (``blocking-call``), a rule name, or ``ALL``.

    Raises:
        ValueError: an entry matches no rule (the message names the parameter).
    """
    for param, tokens in (("select", select), ("ignore", ignore)):
        for token in tokens or ():
            if not any(_matches(r, token) for r in RULES.values()):
                raise ValueError(f"{param}: {token!r} matches no rule code, name or category")
    chosen = [
        r
        for code, r in sorted(RULES.items())
        if (any(_matches(r, t) for t in select) if select else r.enabled_by_default)
        and not any(_matches(r, t) for t in ignore or ())
    ]
    return [r() for r in chosen]


def rule_set_id(rules: Iterable[Rule]) -> str:
    """A short stable id of a set of rules (part of the scan cache key)."""
    joined = ",".join(sorted(r.code for r in rules))
    return hashlib.blake2b(joined.encode(), digest_size=8).hexdigest()


# Importing the rule modules registers their rules (a meta-test checks none is missing).
from codeflash_lab.scan.rules import (  # noqa: E402
    blocking,
    caching,
    concurrency,
    cpu,
    gather,
    queues,
    resources,
    sequential,
    tasks,
)

RULE_MODULES = (blocking, caching, concurrency, cpu, gather, queues, resources, sequential, tasks)
