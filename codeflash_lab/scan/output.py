"""Render a ``ScanResult``: ruff-like text with a grouped summary, a JSON array, SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codeflash_lab import __version__
from codeflash_lab.categories import CATEGORIES, category
from codeflash_lab.scan.finding import ScanResult
from codeflash_lab.scan.registry import RULES

__all__ = [
    "ERROR_CODE",
    "format_json",
    "format_sarif",
    "format_text",
    "hidden_lines",
    "to_records",
]

#: Code used for per-file scan errors in the JSON and SARIF outputs.
ERROR_CODE = "CFL000"
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def format_text(result: ScanResult, *, summary: bool = True) -> str:
    """One ``path:line:col: CODE [category] message`` line per finding, errors, and a summary.

    The summary groups findings by category with the workflow's impact, whether the
    category is worth fixing, and its typical gain.
    """
    lines = [str(f) for f in result.findings]
    lines += [str(e) for e in result.errors]
    if not summary:
        return "\n".join(lines)
    if lines:
        lines.append("")
    groups = result.by_category()
    if groups:
        lines.append("Summary by category (highest impact first):")
        order = {c.slug: i for i, c in enumerate(CATEGORIES)}
        ranked = sorted(
            groups.items(),
            key=lambda kv: (category(kv[0]).impact != "HIGH", -len(kv[1]), order[kv[0]]),
        )
        for slug, items in ranked:
            cat = category(slug)
            lines.append(
                f"  {slug:<22} {len(items):>4}  {cat.impact:<6}  worth fixing: {cat.worth_fixing}; "
                f"typical impact: {cat.typical_gain}"
            )
    n_err = len(result.errors)
    lines.append(
        f"Scanned {result.files_scanned} files: {len(result.findings)} findings"
        + (f", {n_err} files could not be scanned" if n_err else "")
        + f" (fixes for Python {result.target_version[0]}.{result.target_version[1]})."
    )
    lines.extend(hidden_lines(result))
    return "\n".join(lines)


def hidden_lines(result: ScanResult) -> list[str]:
    """What the view left out, and the files that need a newer Python, one line each."""
    out = []
    if result.hidden_tests:
        out.append(
            f"Not shown: {result.hidden_tests} findings in test files (--include-tests shows them)."
        )
    if result.hidden_low:
        out.append(
            f"Not shown: {result.hidden_low} low-confidence findings (--confidence low shows them)."
        )
    for e in result.needs_newer:
        out.append(f"{e.path}: {e.message}")
    if result.needs_newer:
        out.append(
            f"{len(result.needs_newer)} files need a newer Python than the scanner's "
            "(counted apart, not errors)."
        )
    return out


def to_records(result: ScanResult) -> list[dict[str, Any]]:
    """Findings, then per-file errors, as flat dicts (errors use code ``CFL000``)."""
    records = [f.to_dict() for f in result.findings]
    for e in result.errors:
        records.append(
            {
                "path": e.path,
                "line": e.line,
                "col": e.col,
                "code": ERROR_CODE,
                "name": "scan-error",
                "category": "scan-error",
                "impact": "ERROR",
                "message": e.message,
                "fix": "",
                "confidence": "high",
                "gain": "",
                "related": [],
            }
        )
    return records


def format_json(result: ScanResult) -> str:
    """A JSON array of objects with ``path, line, col, code, category, impact, message, fix``."""
    return json.dumps(to_records(result), indent=2)


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return p.as_uri()
    return p.as_posix()


def format_sarif(result: ScanResult) -> str:
    """A SARIF 2.1.0 log (GitHub code scanning can show it)."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for code in sorted(RULES):
        rule = RULES[code]
        cat = category(rule.category)
        index[code] = len(rules)
        doc = " ".join((rule.__doc__ or "").split())
        rules.append(
            {
                "id": code,
                "name": rule.name,
                "shortDescription": {"text": rule.message},
                "fullDescription": {"text": doc},
                "help": {"text": doc},
                "defaultConfiguration": {"level": "error" if cat.impact == "HIGH" else "warning"},
                "properties": {"category": cat.slug, "impact": cat.impact, "tags": [cat.slug]},
            }
        )
    results = []
    for f in result.findings:
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": "error" if f.impact == "HIGH" else "warning",
                "message": {"text": f"{f.message}. Fix: {f.fix}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(f.path)},
                            "region": {"startLine": f.line, "startColumn": f.col},
                        }
                    }
                ],
                "properties": {
                    "category": f.category,
                    "impact": f.impact,
                    "confidence": f.confidence,
                    "gain": f.gain,
                    "relatedLines": list(f.related),
                },
                "rank": {"high": 90.0, "medium": 60.0, "low": 30.0}.get(f.confidence, 50.0),
            }
        )
    notifications = [
        {
            "level": "error",
            "message": {"text": e.message},
            "descriptor": {"id": ERROR_CODE},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(e.path)},
                        **({"region": {"startLine": e.line}} if e.line else {}),
                    }
                }
            ],
        }
        for e in result.errors
    ]
    log = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "codeflash-lab",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {
                    "hiddenTestFindings": result.hidden_tests,
                    "hiddenLowConfidenceFindings": result.hidden_low,
                    "needsNewerPython": [e.path for e in result.needs_newer],
                },
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
            }
        ],
    }
    return json.dumps(log, indent=2)
