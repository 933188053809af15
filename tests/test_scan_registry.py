"""Meta-tests: every rule is registered, documented, sampled and in the changelog."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import codeflash_lab.scan.rules as rules_pkg
from codeflash_lab.categories import SLUGS
from codeflash_lab.scan import RULES, all_rules, select_rules
from codeflash_lab.scan.registry import RULE_MODULES, Rule, register

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "scan_cases"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_an_annotated_sample_file(code: str) -> None:
    samples = list(CASES.glob(f"{code}_*.py"))
    assert samples, f"no tests/scan_cases/{code}_*.py"
    text = "\n".join(p.read_text(encoding="utf-8") for p in samples)
    assert f"expect: {code}" in text, f"{code}'s samples never expect it"
    assert "hard negatives" in text, f"{code}'s samples have no hard negatives"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented(code: str) -> None:
    rule = RULES[code]
    doc = " ".join((rule.__doc__ or "").split())
    assert len(doc) > 120, f"{code} needs a docstring: problem, why it hurts, fix"
    assert "Fix" in doc or "fix" in doc
    assert re.fullmatch(r"CFL\d{3}", code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
    assert rule.category in SLUGS
    assert rule.message
    assert rule.tokens


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_code_is_in_the_changelog(code: str) -> None:
    assert code in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_every_rule_module_is_imported_by_the_registry() -> None:
    names = {m.name for m in pkgutil.iter_modules(rules_pkg.__path__)}
    imported = {m.__name__.rpartition(".")[2] for m in RULE_MODULES}
    assert names == imported
    for name in names:
        importlib.import_module(f"codeflash_lab.scan.rules.{name}")


def test_every_category_has_a_rule() -> None:
    assert {r.category for r in RULES.values()} == set(SLUGS)


def test_codes_and_names_are_unique_and_registering_twice_fails() -> None:
    rules = all_rules()
    assert len({r.name for r in rules}) == len(rules)
    existing = RULES["CFL101"]
    with pytest.raises(ValueError, match="registered twice"):
        register(existing)


def test_register_rejects_an_unknown_category() -> None:
    class Bad(Rule):
        code = "CFL999"
        name = "bad-rule"
        category = "not-a-category"
        message = "x"

    with pytest.raises(ValueError, match="unknown category"):
        register(Bad)
    assert "CFL999" not in RULES


def test_select_and_ignore_by_code_prefix_category_and_name() -> None:
    assert [r.code for r in select_rules(["CFL101"])] == ["CFL101"]
    blocking = {r.code for r in select_rules(["blocking-call"])}
    assert blocking == {"CFL101", "CFL102", "CFL103", "CFL104", "CFL105", "CFL106"}
    assert {r.code for r in select_rules(["CFL3"])} == {"CFL301", "CFL302", "CFL303"}
    assert {r.code for r in select_rules(["dangling-task"])} == {"CFL401"}
    rest = {r.code for r in select_rules(None, ["blocking-call", "CFL601"])}
    assert rest.isdisjoint(blocking | {"CFL601"})
    assert len(rest) == len(RULES) - 7


def test_unknown_select_entry_names_the_parameter() -> None:
    with pytest.raises(ValueError, match=r"^select: "):
        select_rules(["CFL9"])
    with pytest.raises(ValueError, match=r"^ignore: "):
        select_rules(None, ["no-such-thing"])
